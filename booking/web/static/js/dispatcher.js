// Dispatcher control view: tours on the map, timelines, KPIs, problems, phone bookings — live via SSE.
import { api, idempotencyKey, requireRole, streamEvents } from "./api.js";
import { StopCombobox } from "./autocomplete.js";
import { ageText, createMap, drawBase, numberedIcon, positionIcon, VEHICLE_COLOURS } from "./map.js";
import { renderGantt } from "./gantt.js";
import { toursFrom } from "./tours.js";
import * as fmt from "./format.js";

const $ = (id) => document.getElementById(id);
const state = { map: null, tourLayer: null, tours: [], vehicles: [], colourIndex: new Map(), refreshTimer: null,
  positionMarkers: new Map(), positions: [], positionsAt: 0 };
const POSITION_POLL_MS = 15000;
const POSITION_STALE_S = 600;

function colour(vehicleId) {
  if (!state.colourIndex.has(vehicleId)) state.colourIndex.set(vehicleId, state.colourIndex.size);
  return VEHICLE_COLOURS[state.colourIndex.get(vehicleId) % VEHICLE_COLOURS.length];
}

function init() {
  if (!requireRole(["dispatcher", "admin"])) return;
  if (window.L) {
    state.map = createMap($("map"), { note: $("map-note") });
    drawBase(state.map).catch(() => {});
  }
  const now = fmt.localDateTime(60);
  $("p-date").value = now.date;
  $("p-time").value = now.time;
  state.origin = new StopCombobox($("p-origin-input"), $("p-origin-list"));
  state.destination = new StopCombobox($("p-destination-input"), $("p-destination-list"));
  $("phone-form").addEventListener("submit", (e) => { e.preventDefault(); phoneBooking(); });
  $("batch-day").value = fmt.localDateTime(24 * 60).date;
  $("batch-form").addEventListener("submit", (e) => { e.preventDefault(); batchPlan(); });
  $("vehicles").addEventListener("click", onVehicleClick);
  $("booking-rows").addEventListener("click", onBookingClick);
  refresh();
  setInterval(loadPositions, POSITION_POLL_MS);
  streamEvents("/dispatch/stream", onEvent, (s) => {
    $("live-dot").classList.toggle("on", s === "open");
    $("live-text").textContent = s === "open" ? "Live verbunden" : "Verbindung unterbrochen – verbinde neu …";
    if (s === "open") scheduleRefresh();
  });
}

const EVENT_LABEL = {
  plan_changed: "Plan geändert",
  booking_changed: "Buchung geändert",
  vehicle_changed: "Fahrzeug geändert",
  problem: "Problem",
};

function onEvent(type, payload) {
  if (!EVENT_LABEL[type]) return;
  state.lastEvent = { type, payload };
  scheduleRefresh();
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(refresh, 150);
}

// Refreshes run one after another, so an older answer never overwrites a newer one.
function refresh() {
  state.chain = (state.chain || Promise.resolve()).then(load, load);
  return state.chain;
}

async function load() {
  const [tours, vehicles, kpis, problems, bookings] = await Promise.allSettled([
    api("/dispatch/tours.geojson"), api("/dispatch/vehicles"), api("/dispatch/kpis"), api("/dispatch/problems"), api("/bookings"),
  ]);
  if (vehicles.status === "fulfilled") state.vehicles = listOf(vehicles.value);
  if (tours.status === "fulfilled") state.tours = toursFrom(tours.value);
  state.vehicles.forEach((v) => colour(String(v.id)));
  drawTours();
  await loadPositions();
  renderGantt($("gantt"), state.tours, state.vehicles, colour);
  renderVehicles();
  if (kpis.status === "fulfilled") renderKpis(kpis.value);
  if (problems.status === "fulfilled") renderProblems(listOf(problems.value));
  if (bookings.status === "fulfilled") renderBookings(listOf(bookings.value));
  $("live-text").dataset.updated = new Date().toISOString();
}

function listOf(value) {
  if (Array.isArray(value)) return value;
  return (value && (value.items || value.vehicles || value.problems || value.bookings)) || [];
}

function assignment(tours) {
  const m = new Map();
  for (const t of tours) for (const v of t.visits) if (v.booking_id) m.set(v.booking_id, t.vehicle_id);
  return m;
}

function vehicleName(id) {
  const v = state.vehicles.find((x) => String(x.id) === String(id));
  return v ? v.name || v.id : id;
}

function drawTours() {
  if (!state.map) return;
  const L = window.L;
  if (state.tourLayer) state.map.removeLayer(state.tourLayer);
  const group = L.featureGroup();
  for (const tour of state.tours) {
    const c = colour(tour.vehicle_id);
    for (const line of tour.line) {
      L.polyline(line.map(([lon, lat]) => [lat, lon]), { color: c, weight: 4, opacity: 0.85, interactive: false }).addTo(group);
    }
    for (const v of tour.visits) {
      if (!v.coordinates || v.coordinates.length < 2) continue;
      const [lon, lat] = v.coordinates;
      const title = `${vehicleName(tour.vehicle_id)}, Halt ${v.number}: ${v.kind === "pickup" ? "Einstieg" : v.kind === "dropoff" ? "Ausstieg" : "Pause"} ${v.stop_name}, ${fmt.time(v.planned_arrival)} Uhr`;
      L.marker([lat, lon], { icon: numberedIcon(v.number, c, `status-${v.status}`), title, keyboard: false, riseOnHover: true })
        .bindTooltip(title).addTo(group);
    }
  }
  group.addTo(state.map);
  state.tourLayer = group;
  $("legend").innerHTML = state.vehicles.map((v) => `<li><span class="swatch" style="background:${colour(String(v.id))}" aria-hidden="true"></span>${fmt.esc(v.name || v.id)}</li>`).join("");
}

// Each vehicle's last reported position with its age; polled (positions come every 15–30 s, no live event).
async function loadPositions() {
  try {
    state.positions = listOf(await api("/dispatch/positions"));
    state.positionsAt = Date.now();
  } catch {
    return;  // keep the markers of the last answer
  }
  drawPositions();
}

// One marker per vehicle, moved and relabelled in place (no flicker, no second tooltip while the map animates).
function drawPositions() {
  if (!state.map) return;
  const L = window.L;
  const since = (Date.now() - state.positionsAt) / 1000;
  const seen = new Set();
  for (const p of state.positions) {
    const id = String(p.vehicle_id);
    const age = p.age_s + since;
    const stale = age > POSITION_STALE_S;
    const text = `${vehicleName(id)} · ${ageText(age)}`;
    let marker = state.positionMarkers.get(id);
    if (!marker) {
      marker = L.marker([p.lat, p.lon], { icon: positionIcon(colour(id), stale), keyboard: false, zIndexOffset: 1000 })
        .bindTooltip(fmt.esc(text), { permanent: true, direction: "right", offset: [10, 0] })
        .addTo(state.map);
      marker.stale = stale;
      state.positionMarkers.set(id, marker);
    } else {
      marker.setLatLng([p.lat, p.lon]);
      marker.setTooltipContent(fmt.esc(text));
      if (marker.stale !== stale) {
        marker.setIcon(positionIcon(colour(id), stale));
        marker.stale = stale;
      }
    }
    seen.add(id);
  }
  for (const [id, marker] of state.positionMarkers) {
    if (!seen.has(id)) {
      marker.remove();
      state.positionMarkers.delete(id);
    }
  }
}

const KPI_LABEL = [
  ["booked", "Gebucht", (x) => x],
  ["served", "Befördert", (x) => x],
  ["rejected", "Abgelehnt", (x) => x],
  ["cancelled", "Storniert", (x) => x],
  ["no_shows", "Nicht erschienen", (x) => x],
  ["pooled_share", "Anteil gebündelt", (x) => `${Math.round(x * 100)} %`],
  ["average_wait_s", "Mittlere Wartezeit", (x) => fmt.minutes(x)],
];

function renderKpis(k) {
  $("kpis").innerHTML = KPI_LABEL.filter(([key]) => k[key] !== undefined && k[key] !== null)
    .map(([key, label, f]) => `<div class="kpi" data-kpi="${key}"><dt>${label}</dt><dd>${fmt.esc(f(k[key]))}</dd></div>`).join("");
}

function renderProblems(problems) {
  $("problem-count").textContent = String(problems.length);
  $("problems").innerHTML = problems.length
    ? problems.map((p) => `<li class="problem" data-booking-id="${fmt.esc(p.booking_id || "")}"><strong>${fmt.esc(problemLabel(p.reason))}</strong> ${fmt.time(p.created_at)}
        ${p.booking_id ? ` – Buchung ${fmt.esc(short(p.booking_id))}` : ""}<br>${fmt.esc(p.detail || p.message || "")}</li>`).join("")
    : `<li class="muted">Keine offenen Probleme.</li>`;
}

function problemLabel(reason) {
  return { no_show: "Fahrgast nicht erschienen", vehicle_out_of_service: "Fahrzeug ausgefallen – keine Ersatzfahrt", out_of_service: "Fahrzeug ausgefallen – keine Ersatzfahrt", unassigned: "Keinem Fahrzeug zugeteilt", late: "Zeitfenster verpasst", vehicle_out_of_service: "Fahrzeug ausgefallen" }[reason] || reason || "Problem";
}

function renderVehicles() {
  $("vehicles").innerHTML = state.vehicles.map((v) => {
    const tour = state.tours.find((t) => t.vehicle_id === String(v.id));
    const stops = tour ? tour.visits.filter((x) => x.kind !== "break").length : 0;
    const out = v.in_service === false;
    return `<li class="vehicle${out ? " out" : ""}" data-vehicle-id="${fmt.esc(v.id)}">
      <span class="swatch" style="background:${colour(String(v.id))}" aria-hidden="true"></span>
      <span class="vehicle-name">${fmt.esc(v.name || v.id)}</span>
      <span class="vehicle-meta">${stops} Halte${out ? " · außer Dienst" : ""}</span>
      <button type="button" class="btn ${out ? "btn-secondary" : "btn-danger"}" data-action="${out ? "in" : "out"}" data-id="${fmt.esc(v.id)}">
        ${out ? "Wieder in Dienst" : "Außer Dienst nehmen"}<span class="sr-only"> (${fmt.esc(v.name || v.id)})</span></button>
    </li>`;
  }).join("");
}

async function onVehicleClick(e) {
  const button = e.target.closest("button[data-action]");
  if (!button) return;
  const id = button.dataset.id;
  const out = button.dataset.action === "out";
  if (out && !window.confirm(`${vehicleName(id)} außer Dienst nehmen? Seine Fahrten werden neu verplant.`)) return;
  button.disabled = true;
  const before = assignment(state.tours);
  let change;
  try {
    change = await api(`/dispatch/vehicles/${encodeURIComponent(id)}/${out ? "out-of-service" : "in-service"}`, { method: "POST" });
  } catch (err) {
    $("live-text").textContent = err.message;
  }
  await refresh();
  if (change) reportReplan(id, before, change.lost_bookings || []);
}

// Compare who drove which booking before and after the change (the server has re-planned when it answers).
function reportReplan(vehicle, before, lostBookings) {
  const after = assignment(state.tours);
  let moved = 0;
  for (const [booking, v] of before) if (after.has(booking) && after.get(booking) !== v) moved += 1;
  $("replan").textContent = `Neu geplant nach Änderung an ${vehicleName(vehicle)}: ${moved} Fahrt(en) verlegt, `
    + `${lostBookings.length} ohne Fahrzeug (siehe Probleme).`;
}

function short(id) {
  return String(id).slice(0, 8).toUpperCase();
}

function renderBookings(bookings) {
  const vehicleOf = assignment(state.tours);
  const rows = bookings
    .filter((b) => !["EXPIRED", "NEW"].includes(b.state))
    .sort((a, b) => String(a.planned_pickup).localeCompare(String(b.planned_pickup)))
    .slice(0, 200)
    .map((b) => {
      const o = b.offer || b;
      const cancellable = ["CONFIRMED", "PENDING"].includes(b.state);
      const who = b.caller_name ? `${b.caller_name} (Telefon)` : `Konto ${short(b.customer_id || "")}`;
      return `<tr data-booking-id="${fmt.esc(b.id)}" data-state="${fmt.esc(b.state)}" data-reason="${fmt.esc(b.state_reason || "")}">
        <td>${fmt.esc(short(b.id))}</td><td>${fmt.esc(who)}</td>
        <td>${fmt.esc((o.pickup_stop || {}).name)} → ${fmt.esc((o.dropoff_stop || {}).name)}</td>
        <td>${fmt.day(o.planned_pickup)}, ${fmt.time(o.planned_pickup)}</td>
        <td>${fmt.esc(vehicleName(vehicleOf.get(b.id) || o.vehicle_id || ""))}</td>
        <td><span class="badge state-${fmt.esc(String(b.state).toLowerCase())}">${fmt.esc(b.state_reason === "no_show" ? "nicht erschienen" : fmt.state(b.state))}</span></td>
        <td>${cancellable ? `<button type="button" class="btn btn-danger btn-small" data-action="cancel" data-id="${fmt.esc(b.id)}">Stornieren<span class="sr-only"> Buchung ${fmt.esc(short(b.id))}</span></button>` : ""}</td>
      </tr>`;
    });
  $("booking-rows").innerHTML = rows.join("") || `<tr><td colspan="7" class="muted">Keine Buchungen.</td></tr>`;
}

async function onBookingClick(e) {
  const button = e.target.closest("button[data-action=cancel]");
  if (!button) return;
  if (!window.confirm(`Buchung ${short(button.dataset.id)} stornieren?`)) return;
  button.disabled = true;
  try {
    await api(`/bookings/${encodeURIComponent(button.dataset.id)}/cancel`, { method: "POST" });
  } catch (err) {
    $("live-text").textContent = err.message;
  }
  await refresh();
}

async function phoneBooking() {
  const out = $("phone-result");
  const origin = state.origin.place();
  const destination = state.destination.place();
  const name = $("caller-name").value.trim();
  const phone = $("caller-phone").value.trim();
  if (!origin || !destination || !name || !phone) {
    out.innerHTML = `<span class="error">Bitte Name, Telefon, Start und Ziel angeben (Start und Ziel aus der Liste wählen).</span>`;
    return;
  }
  const request = {
    origin, destination,
    passengers: Number($("p-passengers").value || 1),
    wheelchairs: Number($("p-wheelchairs").value || 0),
    strollers: Number($("p-strollers").value || 0),
  };
  request[$("p-time-kind").value] = fmt.berlinIso($("p-date").value, $("p-time").value);
  try {
    const booking = await api("/dispatch/bookings", {
      method: "POST", json: { caller_name: name, caller_phone: phone, request }, headers: { "Idempotency-Key": idempotencyKey() },
    });
    const b = booking.booking || booking;
    const o = booking.offer || b;
    const w = o.pickup_window || {};
    out.innerHTML = `<span class="success-line">Gebucht: ${fmt.esc(short(b.id))}, Abholung ${fmt.window_(w.earliest, w.latest)} an ${fmt.esc((o.pickup_stop || {}).name)}, ${fmt.euro(o.price_cents)}.</span>`;
  } catch (err) {
    out.innerHTML = `<span class="error">${fmt.esc(err.message)}</span>`;
  }
  await refresh();
}

const km = (m) => (m / 1000).toLocaleString("de-DE", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

// The batch plan of one day: all its pre-booked rides re-planned together; every promise is kept.
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
    const label = new Date(`${day}T12:00:00Z`).toLocaleDateString("de-DE", { weekday: "short", day: "2-digit", month: "2-digit" });
    out.textContent = !r.rides ? `${label}: keine Fahrten gebucht.`
      : `${label}: ${r.rides} Fahrt(en) auf ${r.busy_routes} Schicht(en), ${km(r.distance_before_m)} km → `
        + `${km(r.distance_after_m)} km` + (r.improved_rounds ? "." : " (kein kürzerer Plan gefunden).");
  } catch (err) {
    out.innerHTML = `<span class="error">${fmt.esc(err.message)}</span>`;
  } finally {
    button.disabled = false;
  }
  await refresh();
}

init();
