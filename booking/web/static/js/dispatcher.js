// The control room (Leitstelle) on one screen: key figures, vehicle list, map and timeline of ONE service day,
// problems with actions, the phone booking (F2 / Alt+N), bookings search, standing orders — live via SSE.
import { api, requireRole, streamEvents } from "./api.js";
import { berlinIso, day as dayLabel, esc, minutes, time } from "./format.js";
import { Palette } from "./palette.js";
import { toursFrom } from "./tours.js";
import { renderGantt, ZOOM_HOURS } from "./gantt.js";
import { ControlMap } from "./control-map.js";
import { renderFocusBar, renderVehicles, shortName } from "./control-vehicles.js";
import { ProblemList } from "./control-problems.js";
import { BookingTable, shortId } from "./control-bookings.js";
import { PhoneDesk, StandingList } from "./control-phone.js";

const $ = (id) => document.getElementById(id);
const POSITION_POLL_MS = 15000;
const state = {
  day: "", today: "", now: Date.now(), nowIso: new Date().toISOString(), zoom: 0, focus: null,
  tours: [], vehicles: [], positions: new Map(), positionsAt: Date.now(), palette: new Palette(), chain: null,
};
const colour = (id) => state.palette.colour(id);
const vehicleName = (id) => shortName(state.vehicles.find((v) => String(v.id) === String(id))) || id;
let map = null;
let problems;
let bookings;
let phone;
let standing;

function init() {
  if (!requireRole(["dispatcher", "admin"])) return;
  if (window.L) map = new ControlMap($("map"), $("map-note"));
  problems = new ProblemList($("problems"), $("problem-count"), { refresh });
  bookings = new BookingTable({ rows: $("booking-rows"), search: $("booking-search"), day: $("booking-day"),
    state: $("booking-state"), prev: $("page-prev"), next: $("page-next"), info: $("page-info"), total: $("booking-total") },
  { onCancel: cancelBooking });
  phone = new PhoneDesk({ refresh });
  standing = new StandingList($("standing-orders"), $("standing-count"), $("standing-day"), { refresh });
  $("service-day").addEventListener("change", () => setDay($("service-day").value));
  $("day-prev").addEventListener("click", () => setDay(shiftDay(state.day, -1)));
  $("day-next").addEventListener("click", () => setDay(shiftDay(state.day, 1)));
  $("day-today").addEventListener("click", () => setDay(state.today));
  $("zoom-in").addEventListener("click", () => zoom(1));
  $("zoom-out").addEventListener("click", () => zoom(-1));
  $("zoom-now").addEventListener("click", scrollToNow);
  $("phone-open").addEventListener("click", () => phone.focus());
  $("vehicles").addEventListener("click", onFocusClick);
  $("gantt").addEventListener("click", onFocusClick);
  $("focus-bar").addEventListener("click", onFocusBar);
  $("batch-form").addEventListener("submit", (e) => { e.preventDefault(); batchPlan(); });
  $("out-dialog").addEventListener("close", takeOut);
  document.addEventListener("keydown", shortcut);
  fitGrid();
  window.addEventListener("resize", fitGrid);
  if (window.ResizeObserver) new ResizeObserver(() => { drawTimeline(); if (map) map.invalidate(); }).observe($("gantt"));
  refresh();
  setInterval(loadPositions, POSITION_POLL_MS);
  streamEvents("/dispatch/stream", onEvent, (s) => {
    $("live-dot").classList.toggle("on", s === "open");
    $("live-text").textContent = s === "open" ? "Live verbunden" : "Verbindung unterbrochen – verbinde neu …";
    if (s === "open") scheduleRefresh();
  });
}

// The one screen fills the window below the toolbar (CSS reads --cr-top).
function fitGrid() {
  const top = document.querySelector(".cr-grid").getBoundingClientRect().top + window.scrollY;
  document.documentElement.style.setProperty("--cr-top", `${Math.round(top)}px`);
}

// F2 or Alt+N: the phone booking; Alt+S: the booking search; Escape (outside a field): show all vehicles again.
function shortcut(e) {
  if (e.key === "F2" || (e.altKey && (e.key === "n" || e.key === "N"))) {
    e.preventDefault();
    phone.focus();
  } else if (e.altKey && (e.key === "s" || e.key === "S")) {
    e.preventDefault();
    $("booking-search").scrollIntoView({ block: "center" });
    $("booking-search").focus();
  } else if (e.key === "Escape" && state.focus && !e.target.closest("input, select, textarea, dialog")) {
    setFocus(null);
  }
}

const LIVE = new Set(["plan_changed", "booking_changed", "vehicle_changed", "problem", "standing_order"]);

function onEvent(type) {
  if (LIVE.has(type)) scheduleRefresh();
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(refresh, 200);
}

// Refreshes run one after another, so an older answer never overwrites a newer one.
function refresh() {
  state.chain = (state.chain || Promise.resolve()).then(load, load);
  return state.chain;
}

function shiftDay(value, days) {
  const d = new Date(`${value}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function setDay(value) {
  if (!value || value === state.day) return;
  state.day = value;
  $("service-day").value = value;
  bookings.followDay(value);
  refresh();
}

async function load() {
  const kpis = await api(`/dispatch/kpis${state.day ? `?day=${state.day}` : ""}`).catch(() => null);
  if (kpis) {
    state.today = kpis.today;
    state.nowIso = kpis.now;
    state.now = new Date(kpis.now).getTime();
    if (!state.day) {
      state.day = kpis.today;
      $("service-day").value = kpis.today;
      $("batch-day").value = kpis.today;
      bookings.followDay(kpis.today);
      phone.setDefaults(kpis.now);
    }
  }
  const day = state.day;
  const [tours, vehicles, problemList, orders, runs] = await Promise.allSettled([
    api(`/dispatch/tours.geojson?day=${day}`), api("/dispatch/vehicles"), api("/dispatch/problems"),
    api("/dispatch/standing-orders"), api(`/dispatch/standing-orders/runs?day=${day}`), bookings.load(), loadPositions(false),
  ]);
  if (day !== state.day) return;  // the day changed while loading: the next refresh draws it
  if (vehicles.status === "fulfilled") {
    state.vehicles = vehicles.value;
    state.palette.assign(state.vehicles.map((v) => v.id));
  }
  if (tours.status === "fulfilled") {
    state.tours = toursFrom(tours.value);
    $("map").dataset.day = tours.value.day || day;
  }
  const label = dayText(day);
  $("service-day-label").textContent = label;
  $("map-day").textContent = label;
  $("timeline-day").textContent = label;
  if (kpis) renderKpis(kpis);
  drawVehicles();
  drawMap();
  drawTimeline();
  if (problemList.status === "fulfilled") problems.render(problemList.value, state.vehicles);
  if (orders.status === "fulfilled") standing.render(orders.value, runs.status === "fulfilled" ? runs.value : [], label);
  $("live-text").dataset.updated = new Date().toISOString();
}

function dayText(day) {
  const text = dayLabel(`${day}T12:00:00Z`);
  return day === state.today ? `heute, ${text}` : text;
}

async function loadPositions(draw = true) {
  try {
    const list = await api("/dispatch/positions");
    state.positions = new Map(list.map((p) => [String(p.vehicle_id), p]));
    state.positionsAt = Date.now();
  } catch {
    return;  // keep the markers of the last answer
  }
  if (draw) {
    drawVehicles();
    drawPositions();
  }
}

function since() {
  return (Date.now() - state.positionsAt) / 1000;
}

function drawVehicles() {
  renderVehicles($("vehicles"), { vehicles: state.vehicles, positions: state.positions, positionsAge: since(),
    now: state.now, colour, focus: state.focus });
  const out = state.vehicles.filter((v) => v.in_service === false).length;
  $("vehicle-count").textContent = `${state.vehicles.length - out}/${state.vehicles.length} im Dienst`;
  renderFocusBar($("focus-bar"), state.vehicles.find((v) => String(v.id) === state.focus), state.now);
}

function drawMap() {
  if (!map) return;
  map.drawTours(state.tours, colour, vehicleName, state.focus);
  drawPositions();
}

function drawPositions() {
  if (map) map.drawPositions([...state.positions.values()], colour, vehicleName, state.focus, since());
}

function dayBounds() {
  return [new Date(berlinIso(state.day, "05:00")).getTime(), new Date(berlinIso(state.day, "23:00")).getTime()];
}

function drawTimeline() {
  if (!state.day) return;
  const [start, end] = dayBounds();
  const hours = ZOOM_HOURS[state.zoom];
  renderGantt($("gantt"), { tours: state.tours, vehicles: state.vehicles, colour, start, end, now: state.now,
    zoomHours: hours, focus: state.focus });
  $("zoom-label").textContent = hours >= 18 ? "05–23 Uhr" : `${hours} Std. sichtbar`;
  $("zoom-in").disabled = state.zoom >= ZOOM_HOURS.length - 1;
  $("zoom-out").disabled = state.zoom <= 0;
}

function zoom(step) {
  state.zoom = Math.min(ZOOM_HOURS.length - 1, Math.max(0, state.zoom + step));
  drawTimeline();
  scrollToNow();
}

function scrollToNow() {
  const [start, end] = dayBounds();
  const box = $("gantt");
  const inner = box.querySelector(".gantt-inner");
  if (!inner) return;
  const track = parseFloat(getComputedStyle(inner).getPropertyValue("--track")) || 0;
  const at = Math.min(Math.max(state.now, start), end);
  box.scrollLeft = Math.max(0, ((at - start) / (end - start)) * track - (box.clientWidth - 170) / 3);
}

function setFocus(id) {
  state.focus = id && state.focus !== String(id) ? String(id) : null;
  drawVehicles();
  drawMap();
  drawTimeline();
}

function onFocusClick(e) {
  const button = e.target.closest("button[data-focus]");
  if (button) setFocus(button.dataset.focus);
}

function onFocusBar(e) {
  const button = e.target.closest("button[data-action]");
  if (!button) return;
  if (button.dataset.action === "unfocus") setFocus(null);
  else if (button.dataset.action === "out") openOutDialog(button.dataset.id);
  else if (button.dataset.action === "in") bringBack(button.dataset.id, button);
}

function openOutDialog(id) {
  const dialog = $("out-dialog");
  dialog.dataset.vehicle = id;
  $("out-vehicle").textContent = `${vehicleName(id)} – seine Fahrten werden neu verplant.`;
  $("out-until").value = "";
  $("out-reason").value = "";
  dialog.showModal();
}

async function takeOut() {
  const dialog = $("out-dialog");
  if (dialog.returnValue !== "ok") return;
  const id = dialog.dataset.vehicle;
  const body = {};
  if ($("out-until").value) {
    let until = berlinIso(state.today || state.day, $("out-until").value);
    if (new Date(until).getTime() <= state.now) until = berlinIso(shiftDay(state.today || state.day, 1), $("out-until").value);
    body.until = until;
  }
  if ($("out-reason").value.trim()) body.reason = $("out-reason").value.trim();
  const before = assignment();
  try {
    const r = await api(`/dispatch/vehicles/${encodeURIComponent(id)}/out-of-service`, { method: "POST", json: body });
    await refresh();
    const moved = movedCount(before);
    $("replan").textContent = `${vehicleName(id)} außer Dienst${r.until ? ` bis ${time(r.until)} Uhr` : ""}: `
      + `${moved} Fahrt(en) verlegt, ${r.lost_bookings.length} ohne Fahrzeug (siehe Probleme).`;
  } catch (err) {
    $("replan").textContent = err.message;
  }
}

async function bringBack(id, button) {
  button.disabled = true;
  try {
    const r = await api(`/dispatch/vehicles/${encodeURIComponent(id)}/in-service`, { method: "POST" });
    const back = Object.keys(r.put_back || {}).length;
    $("replan").textContent = `${vehicleName(id)} wieder im Dienst: ${back} ausgefallene Fahrt(en) wieder eingeplant`
      + `${r.still_lost.length ? `, ${r.still_lost.length} passen nicht mehr` : ""}.`;
  } catch (err) {
    $("replan").textContent = err.message;
  }
  await refresh();
}

function assignment() {
  const m = new Map();
  for (const t of state.tours) for (const v of t.visits) if (v.booking_id) m.set(v.booking_id, t.vehicle_id);
  return m;
}

function movedCount(before) {
  const after = assignment();
  let moved = 0;
  for (const [booking, v] of before) if (after.has(booking) && after.get(booking) !== v) moved += 1;
  return moved;
}

const KPI = [
  ["booked", "Gebucht", (x) => x],
  ["served", "Befördert", (x) => x],
  ["cancelled", "Storniert", (x) => x],
  ["rejected", "Abgewiesen", (x) => x],  // wishes that got no ride (an alternative time taken does not count)
  ["lost", "Verloren", (x) => x],  // confirmed rides the service could not keep
  ["pooled_share", "Gebündelt", (x) => `${Math.round(x * 100)} %`],
  ["average_wait_s", "Mittl. Wartezeit", (x) => minutes(x)],
];

function renderKpis(k) {
  const overdue = state.vehicles.reduce((n, v) => n + (v.overdue || 0), 0);
  const items = KPI.filter(([key]) => k[key] !== undefined && k[key] !== null)
    .map(([key, label, f]) => `<div class="kpi" data-kpi="${key}"><dt>${label}</dt><dd>${esc(f(k[key]))}</dd></div>`);
  items.push(`<div class="kpi${overdue ? " kpi-alert" : ""}" data-kpi="overdue"><dt>Überfällig</dt><dd>${overdue}</dd></div>`);
  $("kpis").innerHTML = items.join("");
}

async function cancelBooking(id, button) {
  if (!window.confirm(`Buchung ${shortId(id)} stornieren?`)) return;
  button.disabled = true;
  try {
    await api(`/bookings/${encodeURIComponent(id)}/cancel`, { method: "POST" });
  } catch (err) {
    $("page-info").textContent = err.message;
  }
  await refresh();
}

const km = (m) => (m / 1000).toLocaleString("de-DE", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

// The batch plan of one day: its standing orders booked, all its rides re-planned together; every promise is kept.
async function batchPlan() {
  const out = $("batch-result");
  const day = $("batch-day").value;
  if (!day) {
    out.innerHTML = `<span class="error">Bitte einen Tag wählen.</span>`;
    return;
  }
  const button = $("batch-form").querySelector("button");
  button.disabled = true;
  out.textContent = "Plane den Tag neu … (höchstens 20 Sekunden)";
  try {
    const r = await api(`/dispatch/replan?day=${encodeURIComponent(day)}&seconds=20`, { method: "POST" });
    const label = dayLabel(`${day}T12:00:00Z`);
    const so = r.standing_orders || { booked: 0, refused: 0 };
    const orders = so.booked + so.refused ? ` Daueraufträge: ${so.booked} gebucht, ${so.refused} nicht möglich.` : "";
    out.textContent = (!r.rides ? `${label}: keine Fahrten gebucht.`
      : `${label}: ${r.rides} Fahrt(en) auf ${r.busy_routes} Schicht(en), ${km(r.distance_before_m)} km → `
        + `${km(r.distance_after_m)} km` + (r.improved_rounds ? "." : " (kein kürzerer Plan gefunden).")) + orders;
  } catch (err) {
    out.innerHTML = `<span class="error">${esc(err.message)}</span>`;
  } finally {
    button.disabled = false;
  }
  await refresh();
}

init();
