// The compact vehicle list: one row per vehicle (state, next task, load, delay, age of the last position); a click on
// a name focuses the vehicle (map and timeline show it alone); the focus bar takes it out of or back into service.
import { ageText } from "./map.js";
import { esc, time } from "./format.js";

const KIND = { pickup: "Einstieg", dropoff: "Ausstieg", break: "Pause" };
const SIGN = { pickup: "↑", dropoff: "↓" };
const STALE_S = 600;

// A name that fits a list row: the vehicle's own name when short ("Bernburg 1"), else its fleet id ("BBG-R1").
export function shortName(v) {
  if (!v) return "";
  const name = v.name || String(v.id);
  return name.length <= 16 ? name : String(v.id);
}

// What the vehicle is doing, in a few words, and a class for its badge.
export function vehicleState(v, now) {
  if (v.in_service === false) {
    return [v.out_until ? `außer Dienst bis ${time(v.out_until)}` : "außer Dienst", "st-out"];
  }
  const d = v.duty;
  if (!d) return ["kein Dienst", "st-off"];
  if (d.status === "ended") return ["Dienst beendet", "st-off"];
  if (d.on_break_since) return ["Pause", "st-break"];
  if (d.status === "under_way") return ["unterwegs", "st-on"];
  if (new Date(d.start).getTime() > now) return [`Dienst ab ${time(d.start)}`, "st-off"];
  return ["nicht begonnen", "st-warn"];
}

// Minutes the next stop is behind its planned time (0 when not yet due).
export function lateMinutes(v, now) {
  const next = v.next_stop;
  if (!next || !next.planned_arrival) return 0;
  return Math.max(0, Math.floor((now - new Date(next.planned_arrival).getTime()) / 60000));
}

function delayCell(v, now) {
  const late = lateMinutes(v, now);
  const overdue = v.overdue > 0
    ? `<span class="badge badge-late" title="${v.overdue} Halt(e) ohne Meldung des Fahrers">${v.overdue} überfällig</span>` : "";
  const behind = v.late_rides > 0
    ? `<span class="late-min" title="${v.late_rides} Abholung(en) nach dem zugesagten Zeitfenster geplant">+${Math.ceil(v.late_s / 60)} min</span>`
    : late > 0 ? `<span class="late-min" title="nächster Halt seit ${late} min fällig">+${late} min</span>` : "";
  if (overdue || behind) return [overdue, behind].filter(Boolean).join("<br>");
  return `<span class="muted">${v.next_stop ? "pünktl." : "–"}</span>`;
}

function loadCell(v) {
  const cap = v.capacity || {};
  const seats = v.load ? v.load.seats : 0;
  const chairs = v.load ? v.load.wheelchairs : 0;
  return `${seats}/${cap.seats ?? "–"}${chairs ? ` <span title="Rollstuhl">♿${chairs}</span>` : ""}`;
}

// "< 1 Min.", "4 Min.", "1:05 Std." — how old the last position is, short enough for a list column.
export function shortAge(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return "< 1 Min.";
  if (s < 3600) return `${Math.floor(s / 60)} Min.`;
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} Std.`;
}

function positionCell(v, positions, since) {
  const p = positions.get(String(v.id));
  if (!p) return `<span class="muted">–</span>`;
  const age = p.age_s + since;
  return `<span class="${age > STALE_S ? "pos-stale" : ""}" title="Standort ${ageText(age)}">${shortAge(age)}</span>`;
}

// ctx: {vehicles, positions (Map id → position), positionsAge (s), now (ms), colour(id), focus}
export function renderVehicles(tbody, ctx) {
  const { vehicles, positions, positionsAge, now, colour, focus } = ctx;
  tbody.innerHTML = vehicles.map((v) => {
    const id = String(v.id);
    const [label, cls] = vehicleState(v, now);
    const next = v.next_stop;
    const nextText = next ? `${time(next.planned_arrival)} ${KIND[next.kind] || ""} ${next.name}` : "–";
    const nextCell = !next ? "–" : next.kind === "break" ? `${time(next.planned_arrival)} Pause`
      : `${time(next.planned_arrival)} <span aria-hidden="true">${SIGN[next.kind] || ""}</span><span class="sr-only">${KIND[next.kind] || ""}</span> ${esc(next.name)}`;
    const focused = focus === id;
    return `<tr class="vrow${v.in_service === false ? " out" : ""}${focused ? " focused" : ""}" data-vehicle-id="${esc(id)}"${focused ? ' aria-current="true"' : ""}>
      <th scope="row"><span class="swatch" style="background:${colour(id)}" aria-hidden="true"></span><button type="button" class="linklike" data-focus="${esc(id)}" aria-pressed="${focused}" title="${esc(v.name || id)}">${esc(shortName(v))}</button>${(v.capacity || {}).wheelchairs ? ' <span title="mit Rollstuhlplatz">♿</span>' : ""}</th>
      <td><span class="st ${cls}">${esc(label)}</span></td>
      <td class="next-cell" title="${esc(nextText)}">${nextCell}</td>
      <td>${loadCell(v)}</td>
      <td class="delay">${delayCell(v, now)}</td>
      <td>${positionCell(v, positions, positionsAge)}</td>
    </tr>`;
  }).join("") || `<tr><td colspan="6" class="muted">Keine Fahrzeuge.</td></tr>`;
}

// The focus bar: which vehicle is shown alone, its duty, and its service actions.
export function renderFocusBar(bar, v, now) {
  if (!v) {
    bar.hidden = true;
    bar.innerHTML = "";
    return;
  }
  const [label] = vehicleState(v, now);
  const duty = v.duty ? ` · Dienst ${time(v.duty.start)}–${time(v.duty.end)} Uhr` : "";
  const out = v.in_service === false;
  bar.hidden = false;
  bar.innerHTML = `<strong title="${esc(v.name || v.id)}">Fokus: ${esc(shortName(v))}</strong> <span class="muted">${esc(label)}${esc(duty)}</span>
    <button type="button" class="btn btn-small ${out ? "btn-secondary" : "btn-danger"}" data-action="${out ? "in" : "out"}" data-id="${esc(v.id)}">${out ? "Wieder in Dienst" : "Außer Dienst nehmen …"}</button>
    <button type="button" class="btn btn-small" data-action="unfocus">Alle Fahrzeuge</button>`;
}
