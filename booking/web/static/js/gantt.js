// The timeline per vehicle (Gantt): drives coloured by load, numbered stops, breaks, idle time.
import { esc, time } from "./format.js";

const KIND_LABEL = { pickup: "Einstieg", dropoff: "Ausstieg", break: "Pause" };

function ms(iso) {
  return iso ? new Date(iso).getTime() : NaN;
}

// The time span to draw: the planned visits with an hour either side (a fleet carries shifts for many days,
// so shifts only fill the span, never widen it); without visits the next hours from now.
export function span(tours) {
  const hour = 3600000;
  const times = [];
  for (const t of tours) for (const v of t.visits) times.push(ms(v.planned_arrival), ms(v.planned_departure));
  const valid = times.filter((x) => Number.isFinite(x));
  if (!valid.length) {
    const now = Math.floor(Date.now() / hour) * hour;
    return [now - hour, now + 8 * hour];
  }
  return [Math.floor(Math.min(...valid) / hour) * hour - hour, Math.ceil(Math.max(...valid) / hour) * hour + hour];
}

export function renderGantt(container, tours, vehicles, colours) {
  const [t0, t1] = span(tours);
  const clip = (t) => Math.min(Math.max(t, t0), t1);
  const pct = (t) => `${(((t - t0) / (t1 - t0)) * 100).toFixed(3)}%`;
  const width = (a, b) => `${(((b - a) / (t1 - t0)) * 100).toFixed(3)}%`;
  const ticks = [];
  for (let t = t0; t <= t1; t += 3600000) ticks.push(`<span class="tick" style="left:${pct(t)}">${time(new Date(t).toISOString())}</span>`);
  const tourById = new Map(tours.map((t) => [t.vehicle_id, t]));
  const ids = vehicles.length ? vehicles.map((v) => String(v.id)) : tours.map((t) => t.vehicle_id);
  for (const t of tours) if (!ids.includes(t.vehicle_id)) ids.push(t.vehicle_id);
  const rows = ids.map((id) => {
    const vehicle = vehicles.find((v) => String(v.id) === id) || { id, name: id };
    const tour = tourById.get(id) || { visits: [] };
    return row(vehicle, tour, colours(id), { pct, width, clip });
  });
  container.innerHTML = `<div class="gantt-inner"><div class="gantt-axis" aria-hidden="true"><span class="gantt-label"></span><div class="gantt-ticks">${ticks.join("")}</div></div>${rows.join("")}</div>`;
}

function row(vehicle, tour, colour, { pct, width, clip }) {
  const parts = [];
  for (const s of vehicle.shifts || []) {
    const a = clip(ms(s.start));
    const b = clip(ms(s.end));
    if (b <= a) continue;
    parts.push(`<span class="g-shift" style="left:${pct(a)};width:${width(a, b)}" title="Schicht ${time(s.start)}–${time(s.end)}: frei"></span>`);
  }
  const visits = tour.visits;
  for (let i = 0; i + 1 < visits.length; i += 1) {
    const a = ms(visits[i].planned_departure);
    const b = ms(visits[i + 1].planned_arrival);
    if (!(b > a)) continue;
    const n = visits[i].onboard;
    parts.push(`<span class="g-drive${n ? "" : " g-empty"}" style="left:${pct(a)};width:${width(a, b)};--c:${colour}" title="Fahrt ${time(visits[i].planned_departure)}–${time(visits[i + 1].planned_arrival)}, ${n} an Bord">${n || ""}</span>`);
  }
  for (const v of visits) {
    const a = ms(v.planned_arrival);
    if (!Number.isFinite(a)) continue;
    if (v.kind === "break") {
      parts.push(`<span class="g-break" style="left:${pct(a)};width:${width(a, ms(v.planned_departure))}" title="Pause ${time(v.planned_arrival)}–${time(v.planned_departure)}"></span>`);
      continue;
    }
    const label = `${v.number} · ${KIND_LABEL[v.kind] || v.kind} ${v.stop_name} · ${time(v.planned_arrival)} · danach ${v.onboard} an Bord`;
    parts.push(`<span class="g-stop g-${esc(v.kind)} g-status-${esc(v.status)}" style="left:${pct(a)};--c:${colour}" data-booking-id="${esc(v.booking_id || "")}" data-kind="${esc(v.kind)}" title="${esc(label)}">${v.number}</span>`);
  }
  const out = vehicle.in_service === false;
  const summary = `${vehicle.name || vehicle.id}: ${visits.filter((v) => v.kind !== "break").length} Halte${out ? ", außer Dienst" : ""}`;
  return `<div class="gantt-row${out ? " out" : ""}" data-vehicle-id="${esc(vehicle.id)}">
    <span class="gantt-label"><span class="swatch" style="background:${colour}" aria-hidden="true"></span>${esc(vehicle.name || vehicle.id)}${out ? ' <span class="badge badge-warn">außer Dienst</span>' : ""}</span>
    <div class="gantt-track" role="img" aria-label="${esc(summary)}">${parts.join("")}</div>
  </div>`;
}
