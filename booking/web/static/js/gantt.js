// The timeline of ONE service day (05–23 h by default) with one row per vehicle: duty (grey), drives coloured by the
// vehicle (number = riders on board; dashed = empty), stops, breaks (hatched), overdue stops (red), the "now" line.
// Zoom shows fewer hours across the width (the rest scrolls); hour labels are spaced so they never overlap.
import { esc, time } from "./format.js";
import { byVehicle } from "./tours.js";
import { shortName } from "./control-vehicles.js";

const KIND_LABEL = { pickup: "Einstieg", dropoff: "Ausstieg", break: "Pause" };
const HOUR = 3600000;
export const ZOOM_HOURS = [18, 12, 8, 4, 2];
const LABEL_PX = 170;
const MIN_LABEL_GAP_PX = 52;  // "06:00" at 12 px needs about 36 px

const ms = (iso) => (iso ? new Date(iso).getTime() : NaN);

// Hours between two labels (1, 2, 3 …) or half an hour, so labels keep at least MIN_LABEL_GAP_PX apart.
export function labelStep(pxPerHour) {
  if (pxPerHour >= 2 * MIN_LABEL_GAP_PX) return 0.5;
  for (const step of [1, 2, 3, 6]) if (step * pxPerHour >= MIN_LABEL_GAP_PX) return step;
  return 6;
}

// opts: {tours, vehicles, colour(id), start, end (ms), now (ms), zoomHours, focus, outUntil(id)}
export function renderGantt(container, opts) {
  const { tours, vehicles, colour, start, end, now, zoomHours = 18, focus = null } = opts;
  const hours = (end - start) / HOUR;
  const visible = Math.min(zoomHours, hours);
  const avail = Math.max(240, (container.clientWidth || 960) - LABEL_PX - 4);
  const trackPx = Math.round(avail * (hours / visible));
  const pxPerHour = trackPx / hours;
  const step = labelStep(pxPerHour);
  const x = (t) => ((Math.min(Math.max(t, start), end) - start) / (end - start)) * 100;
  const pct = (t) => `${x(t).toFixed(3)}%`;
  const width = (a, b) => `${Math.max(0, x(b) - x(a)).toFixed(3)}%`;
  const ticks = [];
  for (let t = start; t <= end + 1; t += step * HOUR) {
    const edge = t === start ? " tick-first" : t >= end ? " tick-last" : "";
    ticks.push(`<span class="tick${edge}" style="left:${pct(t)}">${time(new Date(t).toISOString())}</span>`);
  }
  const duties = byVehicle(tours);
  let ids = vehicles.map((v) => String(v.id));
  for (const id of duties.keys()) if (!ids.includes(id)) ids.push(id);
  if (focus) ids = ids.filter((id) => id === String(focus));
  const geom = { pct, width, start, end, now, pxPerHour, numbers: pxPerHour >= 110 || Boolean(focus) };
  const rows = ids.map((id) => {
    const vehicle = vehicles.find((v) => String(v.id) === id) || { id, name: id };
    return row(vehicle, duties.get(id) || [], colour(id), geom, opts);
  });
  const nowMark = now > start && now < end
    ? `<div class="gantt-now" style="left:${(LABEL_PX + (x(now) / 100) * trackPx).toFixed(1)}px" aria-hidden="true"></div>` : "";
  container.innerHTML = `<div class="gantt-inner${focus ? " focused" : ""}" style="--track:${trackPx}px;--label:${LABEL_PX}px;--hour:${pxPerHour.toFixed(2)}px">`
    + `<div class="gantt-axis" aria-hidden="true"><span class="gantt-label">Fahrzeug</span><div class="gantt-ticks">${ticks.join("")}</div></div>`
    + `<div class="gantt-body">${rows.join("") || `<p class="muted gantt-empty">Keine Fahrzeuge.</p>`}${nowMark}</div></div>`
    + (focus ? visitList(duties.get(String(focus)) || [], now) : "");
  return { trackPx, pxPerHour, step };
}

function row(vehicle, duties, colour, g, opts) {
  const parts = [];
  const shifts = duties.length
    ? duties.map((d) => ({ start: d.duty_start, end: d.duty_end }))
    : (vehicle.shifts || []);
  for (const s of shifts) {
    const a = Math.max(ms(s.start), g.start);
    const b = Math.min(ms(s.end), g.end);
    if (!(b > a)) continue;
    parts.push(`<span class="g-shift" style="left:${g.pct(a)};width:${g.width(a, b)}" title="Dienst ${time(s.start)}–${time(s.end)} Uhr"></span>`);
  }
  let stops = 0;
  let overdue = 0;
  for (const duty of duties) {
    const visits = duty.visits;
    for (let i = 0; i + 1 < visits.length; i += 1) {
      const a = ms(visits[i].planned_departure);
      const b = ms(visits[i + 1].planned_arrival);
      if (!(b > a) || b < g.start || a > g.end) continue;
      const n = visits[i].onboard;
      const label = n && (b - a) / HOUR * g.pxPerHour >= 14 ? n : "";
      parts.push(`<span class="g-drive${n ? "" : " g-empty"}" style="left:${g.pct(a)};width:${g.width(a, b)};--c:${colour}" title="Fahrt ${time(visits[i].planned_departure)}–${time(visits[i + 1].planned_arrival)} Uhr, ${n} an Bord">${label}</span>`);
    }
    for (const v of visits) {
      const a = ms(v.planned_arrival);
      if (!Number.isFinite(a) || a < g.start || a > g.end) continue;
      if (v.kind === "break") {
        parts.push(`<span class="g-break" style="left:${g.pct(a)};width:${g.width(a, ms(v.planned_departure))}" title="Pause ${time(v.planned_arrival)}–${time(v.planned_departure)} Uhr"></span>`);
        continue;
      }
      stops += 1;
      const late = v.status !== "done" && v.status !== "arrived" && Number.isFinite(g.now) && ms(v.window_latest || v.planned_arrival) < g.now;
      if (late) overdue += 1;
      const label = `${v.number} · ${KIND_LABEL[v.kind] || v.kind} ${v.stop_name} · ${time(v.planned_arrival)} Uhr · danach ${v.onboard} an Bord${late ? " · überfällig" : ""}`;
      parts.push(`<span class="g-stop g-${esc(v.kind)} g-status-${esc(v.status)}${late ? " g-late" : ""}${g.numbers ? " g-numbered" : ""}" style="left:${g.pct(a)};--c:${colour}" data-booking-id="${esc(v.booking_id || "")}" data-kind="${esc(v.kind)}" title="${esc(label)}">${g.numbers ? v.number : ""}</span>`);
    }
  }
  const out = vehicle.in_service === false;
  const until = out && vehicle.out_until ? ` bis ${time(vehicle.out_until)}` : "";
  const summary = `${shortName(vehicle)}: ${stops} Halte${overdue ? `, ${overdue} überfällig` : ""}${out ? `, außer Dienst${until}` : ""}`;
  return `<div class="gantt-row${out ? " out" : ""}" data-vehicle-id="${esc(vehicle.id)}">
    <span class="gantt-label"><span class="swatch" style="background:${colour}" aria-hidden="true"></span><button type="button" class="linklike" data-focus="${esc(vehicle.id)}" title="${esc(vehicle.name || vehicle.id)}: nur dieses Fahrzeug zeigen">${esc(shortName(vehicle))}</button>${out ? ` <span class="badge badge-warn" title="außer Dienst${esc(until)}">außer Dienst</span>` : ""}</span>
    <div class="gantt-track" role="img" aria-label="${esc(summary)}">${parts.join("")}</div>
  </div>`;
}

// The focused vehicle's stops of the day in order, numbered as on the map and in the row above.
function visitList(duties, now) {
  const visits = duties.flatMap((d) => d.visits);
  if (!visits.length) return `<p class="muted gantt-empty">Keine Halte an diesem Tag.</p>`;
  const rows = visits.map((v) => {
    const late = v.kind !== "break" && v.status !== "done" && v.status !== "arrived" && Number.isFinite(now)
      && ms(v.window_latest || v.planned_arrival) < now;
    const what = v.kind === "break" ? `Pause bis ${time(v.planned_departure)}` : `${KIND_LABEL[v.kind] || v.kind} ${v.stop_name}`;
    const state = v.status === "done" ? "erledigt" : v.status === "arrived" ? "angekommen" : late ? "überfällig" : "";
    return `<tr class="${late ? "late" : ""}${v.status === "done" ? " done" : ""}"><td>${v.kind === "break" ? "" : v.number}</td>`
      + `<td>${time(v.planned_arrival)}</td><td>${esc(what)}</td><td>${v.kind === "break" ? "" : v.onboard}</td><td>${state}</td></tr>`;
  }).join("");
  return `<table class="cr-table gantt-visits"><caption class="sr-only">Halte des Fahrzeugs an diesem Tag</caption>`
    + `<thead><tr><th scope="col">Nr.</th><th scope="col">Zeit</th><th scope="col">Halt</th><th scope="col">an Bord danach</th>`
    + `<th scope="col">Stand</th></tr></thead><tbody>${rows}</tbody></table>`;
}
