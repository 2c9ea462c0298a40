// Driver page: the manifest of the next stops with who boards and alights, and big buttons to report.
import { api, requireRole, streamEvents } from "./api.js";
import * as fmt from "./format.js";

const $ = (id) => document.getElementById(id);
const state = { manifest: null, busy: false };

const ACTION_LABEL = {
  arrived: "Angekommen",
  boarded: "Eingestiegen",
  no_show: "Nicht erschienen",
  dropped_off: "Ausgestiegen",
};

function init() {
  if (!requireRole(["driver"])) return;
  $("current").addEventListener("click", onAction);
  load();
  // Live: the server says when this vehicle's tour changed (a new booking, a cancellation, a re-plan).
  streamEvents("/driver/stream", (type) => { if (type !== "hello") scheduleLoad(); },
    (s) => { if (s === "open") scheduleLoad(); });
  setInterval(() => { if (!state.busy) load(); }, 60000);  // safety net if the stream is cut
}

function scheduleLoad() {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => { if (!state.busy) load(); else scheduleLoad(); }, 150);
}

async function load() {
  try {
    state.manifest = await api("/driver/manifest");
  } catch (err) {
    $("driver-status").textContent = err.message;
    return;
  }
  render(state.manifest);
}

function stopsOf(m) {
  return (m && (m.stops || m.visits || m.items)) || (Array.isArray(m) ? m : []);
}

function needs(p) {
  const parts = [];
  const n = p.passengers ?? 1;
  parts.push(`${n} ${n === 1 ? "Person" : "Personen"}`);
  if (p.wheelchairs) parts.push(`<span class="need need-wheelchair">${p.wheelchairs} × Rollstuhl</span>`);
  if (p.strollers) parts.push(`<span class="need need-stroller">${p.strollers} × Kinderwagen</span>`);
  return parts.join(" · ");
}

function person(p, kind, arrived) {
  const name = p.name || p.customer_name || "Fahrgast";
  const open = kind === "board" ? p.state === "CONFIRMED" : p.state === "STARTED";
  const done = p.state && !open;
  const buttons = kind === "board"
    ? `<button type="button" class="btn btn-huge btn-primary" data-type="boarded" data-booking="${fmt.esc(p.booking_id)}"${arrived ? "" : " disabled"}>${ACTION_LABEL.boarded}<span class="sr-only">: ${fmt.esc(name)}</span></button>
       <button type="button" class="btn btn-huge btn-danger" data-type="no_show" data-booking="${fmt.esc(p.booking_id)}"${arrived ? "" : " disabled"}>${ACTION_LABEL.no_show}<span class="sr-only">: ${fmt.esc(name)}</span></button>`
    : `<button type="button" class="btn btn-huge btn-primary" data-type="dropped_off" data-booking="${fmt.esc(p.booking_id)}"${arrived ? "" : " disabled"}>${ACTION_LABEL.dropped_off}<span class="sr-only">: ${fmt.esc(name)}</span></button>`;
  return `<li class="rider" data-booking-id="${fmt.esc(p.booking_id)}">
    <p class="rider-name"><strong>${fmt.esc(name)}</strong> ${p.phone ? `<a href="tel:${fmt.esc(p.phone)}">${fmt.esc(p.phone)}</a>` : ""}</p>
    <p class="rider-needs">${needs(p)}</p>
    ${done ? `<p class="badge">${fmt.esc(p.state === "CANCELLED" ? "nicht erschienen" : fmt.state(p.state))}</p>` : `<div class="button-row">${buttons}</div>`}
  </li>`;
}

function render(m) {
  $("vehicle-line").textContent = m.vehicle_id ? `Fahrzeug: ${m.vehicle_name || m.vehicle_id}` : "";
  const stops = stopsOf(m);
  if (!stops.length) {
    $("current").innerHTML = `<p class="muted">Keine weiteren Halte geplant.</p>`;
    $("upcoming").innerHTML = "";
    return;
  }
  const [next, ...rest] = stops;
  const arrived = next.status === "arrived" || next.arrived === true;
  const boarding = next.board || [];
  const alighting = next.alight || [];
  $("current").innerHTML = `
    <p class="stop-name" data-stop-id="${fmt.esc(next.stop_id)}">${fmt.esc(next.stop_name || next.name)}</p>
    <p class="stop-time">geplant ${fmt.time(next.planned_arrival)} Uhr</p>
    ${arrived ? `<p class="badge badge-ok">Angekommen</p>`
      : `<button type="button" class="btn btn-huge btn-primary btn-block" data-type="arrived" data-stop="${fmt.esc(next.stop_id)}">${ACTION_LABEL.arrived}</button>`}
    ${alighting.length ? `<h3>Aussteigen</h3><ul class="riders">${alighting.map((p) => person(p, "alight", arrived)).join("")}</ul>` : ""}
    ${boarding.length ? `<h3>Einsteigen</h3><ul class="riders">${boarding.map((p) => person(p, "board", arrived)).join("")}</ul>` : ""}`;
  $("upcoming").innerHTML = rest.slice(0, 8).map((s) => {
    const up = (s.board || []).length;
    const down = (s.alight || []).length;
    return `<li><strong>${fmt.time(s.planned_arrival)}</strong> ${fmt.esc(s.stop_name || s.name)}
      <span class="muted">${up ? `↑ ${up} ein` : ""}${up && down ? " · " : ""}${down ? `↓ ${down} aus` : ""}</span></li>`;
  }).join("");
}

async function onAction(e) {
  const button = e.target.closest("button[data-type]");
  if (!button || state.busy) return;
  const type = button.dataset.type;
  if (type === "no_show" && !window.confirm("Fahrgast wirklich als nicht erschienen melden?")) return;
  state.busy = true;
  button.disabled = true;
  const body = { type };
  if (button.dataset.booking) body.booking_id = button.dataset.booking;
  if (button.dataset.stop) body.stop_id = button.dataset.stop;
  const stops = stopsOf(state.manifest);
  if (!body.stop_id && stops[0]) body.stop_id = stops[0].stop_id;
  try {
    await api("/driver/events", { method: "POST", json: body });
    $("driver-status").textContent = `Gemeldet: ${ACTION_LABEL[type]}.`;
  } catch (err) {
    $("driver-status").textContent = err.message;
  }
  state.busy = false;
  await load();
  const first = $("current").querySelector("button:not([disabled])");
  if (first) first.focus();
}

init();
