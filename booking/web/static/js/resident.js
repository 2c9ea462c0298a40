// Resident page: find start and destination, get an offer, book it, follow and cancel own bookings.
import { api, ApiError, idempotencyKey, requireRole } from "./api.js";
import { StopCombobox } from "./autocomplete.js";
import { createMap, drawBase, drawStops, stopCoordinates } from "./map.js";
import * as fmt from "./format.js";
import { initNotices, lostNote } from "./resident_notices.js";
import {
  chosenTrain, connectionBody, connectionView, initTransit, markBookedTrains, onDestination, onOrigin,
} from "./resident_transit.js";

const $ = (id) => document.getElementById(id);

const state = { offer: null, map: null, markers: {}, offerLayer: null, etaTimer: null };

function init() {
  if (!requireRole(["resident"])) return;
  const origin = new StopCombobox($("origin-input"), $("origin-list"), {
    onSelect: (v) => { placeMarker("origin", v); onOrigin(v); },
  });
  const destination = new StopCombobox($("destination-input"), $("destination-list"), {
    onSelect: (v) => { placeMarker("destination", v); onDestination(v); },
  });
  state.origin = origin;
  state.destination = destination;
  setDefaultTime();
  initTransit();
  $("request-form").addEventListener("submit", (e) => { e.preventDefault(); requestOffer(); });
  $("offer").addEventListener("click", onOfferClick);
  $("bookings").addEventListener("click", onBookingsClick);
  initMap();
  initNotices({ onNotice: () => loadBookings() }).then((phone) => { state.phone = phone; loadBookings(); });
  loadBookings();
  state.etaTimer = setInterval(loadBookings, 30000);
}

// The form's default time: the next bookable time in the service hours (at night: the next morning), from the
// service's own clock and rules — not the device's clock plus an hour.
async function setDefaultTime() {
  let times = null;
  try {
    times = await api("/service/times", { auth: false });
  } catch {
    /* offline: fall back to the device's clock */
  }
  const when = times && times.next_bookable ? fmt.localParts(times.next_bookable) : fmt.localDateTime(15);
  if (!$("date-input").value) $("date-input").value = when.date;
  if (!$("time-input").value) $("time-input").value = when.time;
  if (times) {
    state.phone = times.control_room_phone;
    $("time-hint").textContent = `Der Rufbus fährt ${times.service_hours}.`
      + (times.next_bookable_label ? ` Frühestens buchbar: ${times.next_bookable_label}.` : "");
  }
}

function initMap() {
  if (!window.L) return;
  const map = createMap($("map"), { note: $("map-note") });
  state.map = map;
  drawBase(map).catch(() => {});
  const pickTarget = () => document.querySelector("input[name=pick]:checked").value;
  drawStops(map, (stop) => {
    const box = pickTarget() === "origin" ? state.origin : state.destination;
    box.set({ stop_id: String(stop.id), name: stop.name, coordinates: stopCoordinates(stop) });
  }).catch(() => {});
  map.on("click", (e) => {
    const box = pickTarget() === "origin" ? state.origin : state.destination;
    const lon = Number(e.latlng.lng.toFixed(6));
    const lat = Number(e.latlng.lat.toFixed(6));
    box.set({ coordinates: [lon, lat], name: `Punkt auf der Karte (${lat.toFixed(4)}, ${lon.toFixed(4)})` });
  });
}

function placeMarker(which, value) {
  if (!state.map || !value.coordinates || value.coordinates.length < 2) return;
  const L = window.L;
  const [lon, lat] = value.coordinates;
  if (state.markers[which]) state.map.removeLayer(state.markers[which]);
  const label = which === "origin" ? "A" : "B";
  state.markers[which] = L.marker([lat, lon], {
    keyboard: false,
    icon: L.divIcon({ className: `pin pin-${which}`, html: `<span>${label}</span>`, iconSize: [30, 30], iconAnchor: [15, 15] }),
  }).addTo(state.map);
  if (which === "origin") {
    const pick = document.querySelector("input[name=pick][value=destination]");
    if (pick) pick.checked = true;
  }
}

function formRequest() {
  const origin = state.origin.place();
  const destination = state.destination.place();
  const problems = [];
  for (const [value, id, what] of [[origin, "origin-input", "Start"], [destination, "destination-input", "Ziel"]]) {
    if (value) continue;
    const typed = $(id).value.trim();
    problems.push(typed
      ? `${what}: „${typed}“ ist nicht eindeutig – bitte einen Vorschlag aus der Liste oder auf der Karte wählen.`
      : `Bitte ${what === "Start" ? "einen Start" : "ein Ziel"} eingeben oder auf der Karte wählen.`);
    $(id).setAttribute("aria-invalid", "true");
  }
  const date = $("date-input").value;
  const hhmm = $("time-input").value;
  if (!date || !hhmm) problems.push("Bitte Datum und Uhrzeit angeben.");
  const passengers = Number($("passengers-input").value);
  const wheelchairs = Number($("wheelchairs-input").value || 0);
  const strollers = Number($("strollers-input").value || 0);
  if (!(passengers >= 1)) problems.push("Mindestens eine Person.");
  if (wheelchairs > passengers) problems.push("Es können nicht mehr Rollstühle als Personen mitfahren.");
  if (problems.length) return { problems };
  const kind = document.querySelector("input[name=time_kind]:checked").value;
  const request = { origin, destination, passengers, wheelchairs, strollers };
  request[kind] = fmt.berlinIso(date, hhmm);
  return { request };
}

async function requestOffer(overrideTime) {
  const error = $("form-error");
  error.hidden = true;
  if (state.searching) return;
  state.searching = true;
  try {
    await Promise.all([state.origin.resolve(), state.destination.resolve()]); // a name typed in full counts
  } finally {
    state.searching = false;
  }
  const { request, problems } = formRequest();
  if (problems) {
    error.textContent = problems.join(" ");
    error.hidden = false;
    const invalid = document.querySelector("#request-form [aria-invalid=true]");
    (invalid || error).scrollIntoView({ block: "center" });
    if (invalid) invalid.focus();
    return;
  }
  if (overrideTime) {  // an alternative: the same kind of time (departure or arrival) as asked, shown in the form
    const kind = request.arrival ? "arrival" : "departure";
    request[kind] = overrideTime;
    const local = fmt.localParts(overrideTime);
    $("date-input").value = local.date;
    $("time-input").value = local.time;
  }
  if (state.searching) return;
  state.searching = true;
  state.offer = null;
  $("offer").innerHTML = `<p class="muted">Suche ein Angebot …</p>`;
  $("search-button").setAttribute("aria-disabled", "true");
  try {
    const train = chosenTrain(request.origin, request.destination);
    if (train) {  // a ride that meets the chosen train: its time comes from the timetable
      const answer = await api("/transit/offers", { method: "POST", json: connectionBody(request, train) });
      state.offer = answer.offer;
      renderOffer(answer.offer, answer.connection);
    } else {
      const offer = await api("/offers", { method: "POST", json: request });
      state.offer = offer;
      renderOffer(offer);
    }
  } catch (err) {
    renderNoOffer(err);
  } finally {
    state.searching = false;
    $("search-button").removeAttribute("aria-disabled");
  }
}

export function offerView(offer) {
  const w = offer.pickup_window || {};
  const pickup = offer.pickup_stop || {};
  const dropoff = offer.dropoff_stop || {};
  const approx = offer.network_source === "approximate"
    ? `<p class="badge badge-warn" title="Zeiten auf dem Näherungsnetz berechnet">Näherungsnetz</p>` : "";
  return `
    ${approx}
    <dl class="offer-facts">
      <div><dt>Abholung</dt><dd><strong>${fmt.window_(w.earliest, w.latest)}</strong> (${fmt.day(w.earliest)})</dd></div>
      <div><dt>Treffpunkt</dt><dd>${fmt.esc(pickup.name)} – ${fmt.metres(offer.walk_to_pickup_m)} Fußweg</dd></div>
      <div><dt>Ankunft</dt><dd>etwa ${fmt.time(offer.planned_dropoff)} Uhr, spätestens ${fmt.time(offer.latest_arrival)} Uhr</dd></div>
      <div><dt>Ausstieg</dt><dd>${fmt.esc(dropoff.name)} – ${fmt.metres(offer.walk_from_dropoff_m)} Fußweg zum Ziel</dd></div>
      <div><dt>Fahrzeug</dt><dd>${fmt.esc(vehicleTypeLabel(offer.vehicle_type))}</dd></div>
      <div><dt>Preis</dt><dd><strong>${fmt.euro(offer.price_cents)}</strong></dd></div>
    </dl>`;
}

function vehicleTypeLabel(value) {
  if (!value) return "–";
  if (typeof value === "object") return value.name || value.id;
  if (/minibus|bus/i.test(value)) return "Kleinbus";
  if (/car|pkw/i.test(value)) return "Pkw";
  return value;
}

function renderOffer(offer, connection) {
  $("offer").innerHTML = `
    <p class="success-line">Angebot gefunden.</p>
    ${connectionView(connection)}
    ${offerView(offer)}
    <p class="hint">Angebot gilt bis ${fmt.time(offer.valid_until)} Uhr.</p>
    <button type="button" class="btn btn-primary btn-block" data-action="book">Verbindlich buchen</button>`;
  $("offer").querySelector("button[data-action=book]").focus();  // the next step, for keyboard and screen readers
  drawOffer(offer);
}

function drawOffer(offer) {
  if (!state.map) return;
  const L = window.L;
  if (state.offerLayer) state.map.removeLayer(state.offerLayer);
  const group = L.featureGroup();
  for (const [stop, label] of [[offer.pickup_stop, "Einstieg"], [offer.dropoff_stop, "Ausstieg"]]) {
    const [lon, lat] = stopCoordinates(stop);
    if (lat === undefined) continue;
    L.circleMarker([lat, lon], { radius: 9, color: "#0b5394", weight: 3, fillColor: "#ffffff", fillOpacity: 1 })
      .bindTooltip(label, { permanent: true, direction: "top" }).addTo(group);  // the names are in the offer
  }
  group.addTo(state.map);
  state.offerLayer = group;
  if (group.getLayers().length) state.map.fitBounds(group.getBounds(), { padding: [40, 40], maxZoom: 14 });
}

// A refusal where the person looks: the offer card scrolls into view and the message takes the focus; the
// nearest possible times are buttons that ask again at once.
function renderNoOffer(err) {
  const problem = err instanceof ApiError ? err.problem : {};
  const alternatives = Array.isArray(problem.alternatives) ? problem.alternatives : [];
  const arrival = document.querySelector("input[name=time_kind]:checked").value === "arrival";
  const buttons = alternatives.slice(0, 4).map((t) => {
    const iso = typeof t === "string" ? t : t.departure || t.time;
    const label = `${arrival ? "Ankunft bis" : "Abfahrt ab"} ${fmt.dayTime(iso)}`;
    return `<li><button type="button" class="btn btn-secondary" data-action="alternative" data-time="${fmt.esc(iso)}">${fmt.esc(label)} anfragen</button></li>`;
  }).join("");
  const help = state.phone ? `<p>Fragen? Die Leitstelle hilft: <a href="tel:${fmt.esc(telOf(state.phone))}">${fmt.esc(state.phone)}</a></p>` : "";
  $("offer").innerHTML = `
    <div role="alert">
      <p class="error" id="offer-message" tabindex="-1">Kein Angebot: ${fmt.esc(err.message)}</p>
      ${buttons ? `<p>Diese Zeiten sind möglich:</p><ul class="alt-list">${buttons}</ul>` : ""}
    </div>${help}`;
  showAndFocus($("offer-message"));
}

// Bring a message into view and give it the focus (screen readers read it; the keyboard continues from there).
export function showAndFocus(el) {
  if (!el) return;
  el.closest(".card")?.scrollIntoView({ block: "start", behavior: "auto" });
  el.focus({ preventScroll: true });
}

export function telOf(phone) {
  return String(phone).replace(/[^0-9+]/g, "");
}

async function onOfferClick(e) {
  const button = e.target.closest("button[data-action]");
  if (!button) return;
  if (button.dataset.action === "alternative") return requestOffer(button.dataset.time);
  if (button.dataset.action === "book" && state.offer) {
    button.disabled = true;
    const key = button.dataset.key || (button.dataset.key = idempotencyKey());
    try {
      const booking = await api("/bookings", { method: "POST", json: { offer_id: state.offer.id }, headers: { "Idempotency-Key": key } });
      state.offer = null;
      $("offer").innerHTML = `<p class="success-line" tabindex="-1" data-booking-id="${fmt.esc(booking.id)}">Gebucht! Ihre Buchung ${fmt.esc(shortId(booking.id))} steht unter „Meine Buchungen“.</p>`;
      $("offer").querySelector("[data-booking-id]").focus();
      await loadBookings();
    } catch (err) {
      button.disabled = false;
      $("offer").querySelector("#book-error")?.remove();
      $("offer").insertAdjacentHTML("beforeend", `<p class="error" role="alert" id="book-error" tabindex="-1">${fmt.esc(err.message)}</p>`);
      showAndFocus($("book-error"));
    }
  }
}

export function shortId(id) {
  return String(id).slice(0, 8).toUpperCase();
}

async function loadBookings() {
  let bookings;
  state.bookingList = state.bookingList || [];
  try {
    bookings = await api("/bookings");
  } catch (err) {
    $("bookings-status").textContent = err.message;
    return;
  }
  const list = Array.isArray(bookings) ? bookings : bookings.items || [];
  const active = list.filter((b) => !["EXPIRED", "NEW"].includes(b.state));
  if (!active.length) {
    $("bookings").innerHTML = `<li class="muted">Noch keine Buchungen.</li>`;
    return;
  }
  active.sort((a, b) => String(pickupOf(a).earliest).localeCompare(String(pickupOf(b).earliest)));
  state.bookingList = active;
  $("bookings").innerHTML = active.map(bookingItem).join("");
  markBookedTrains();
  await Promise.all(active.filter((b) => ["CONFIRMED", "STARTED"].includes(b.state)).map(showEta));
}

function offerOf(booking) {
  return booking.offer || booking;
}

function pickupOf(booking) {
  return offerOf(booking).pickup_window || {};
}

function stateLabel(b) {
  if (b.state_reason === "no_show") return "nicht erschienen";
  if (b.state === "REJECTED") return "fällt aus";
  if (b.state === "CANCELLED" && b.state_reason === "cancelled_by_dispatcher") return "von der Leitstelle storniert";
  return fmt.state(b.state);
}

function bookingItem(b) {
  const o = offerOf(b);
  const w = pickupOf(b);
  const cancellable = ["CONFIRMED", "PENDING"].includes(b.state);
  const lost = b.state === "REJECTED";
  return `<li class="booking" data-booking-id="${fmt.esc(b.id)}" data-state="${fmt.esc(b.state)}">
    <p class="booking-head"><strong>${fmt.esc((o.pickup_stop || {}).name)} → ${fmt.esc((o.dropoff_stop || {}).name)}</strong>
      <span class="badge state-${fmt.esc(String(b.state).toLowerCase())}">${fmt.esc(stateLabel(b))}</span></p>
    <p>${fmt.day(w.earliest)}, Abholung ${fmt.window_(w.earliest, w.latest)} · ${fmt.euro(o.price_cents)}</p>
    <p class="eta" data-eta-for="${fmt.esc(b.id)}"></p>
    ${lost ? lostNote(b, state.phone) : ""}
    ${lost ? `<button type="button" class="btn btn-primary" data-action="again" data-id="${fmt.esc(b.id)}">Ersatzfahrt suchen<span class="sr-only"> (${fmt.esc((o.pickup_stop || {}).name)} → ${fmt.esc((o.dropoff_stop || {}).name)})</span></button>` : ""}
    ${cancellable ? `<button type="button" class="btn btn-danger" data-action="cancel" data-id="${fmt.esc(b.id)}">Stornieren<span class="sr-only"> (Fahrt ${fmt.esc((o.pickup_stop || {}).name)}, ${fmt.time(w.earliest)} Uhr)</span></button>` : ""}
  </li>`;
}

async function showEta(b) {
  const el = document.querySelector(`[data-eta-for="${CSS.escape(b.id)}"]`);
  if (!el) return;
  try {
    const eta = await api(`/bookings/${encodeURIComponent(b.id)}/eta`);
    const what = eta.target === "dropoff" ? "Ankunft" : "Abholung";
    if (!eta.live) {  // the duty has not begun: the promised window above says it all
      el.textContent = "";
      return;
    }
    const before = eta.stops_before ? `, noch ${eta.stops_before} Halt${eta.stops_before === 1 ? "" : "e"} davor` : "";
    const age = Math.round((eta.basis_age_s || 0) / 60);
    const stand = age < 1 ? "Stand gerade eben" : `Stand vor ${age} Min.`;
    el.textContent = `Live: ${what} voraussichtlich ${fmt.time(eta.eta)} Uhr (${stand}${before}).`;
  } catch {
    el.textContent = "";
  }
}

// A lost ride: the same stops and time in the form, and an offer asked for at once (or the nearest times).
function searchAgain(id) {
  const b = (state.bookingList || []).find((x) => x.id === id);
  if (!b) return;
  const o = offerOf(b);
  for (const [box, stop] of [[state.origin, o.pickup_stop], [state.destination, o.dropoff_stop]]) {
    if (stop) box.set({ stop_id: String(stop.id), name: stop.name, coordinates: stopCoordinates(stop) });
  }
  const when = pickupOf(b).earliest;
  if (when && new Date(when) > new Date()) {
    const local = fmt.localParts(when);
    $("date-input").value = local.date;
    $("time-input").value = local.time;
  }
  document.querySelector("input[name=time_kind][value=departure]").checked = true;
  requestOffer();
}

async function onBookingsClick(e) {
  const again = e.target.closest("button[data-action=again]");
  if (again) return searchAgain(again.dataset.id);
  const button = e.target.closest("button[data-action=cancel]");
  if (!button) return;
  if (!window.confirm("Diese Fahrt wirklich stornieren?")) return;
  button.disabled = true;
  try {
    await api(`/bookings/${encodeURIComponent(button.dataset.id)}/cancel`, { method: "POST" });
    $("bookings-status").textContent = "Die Fahrt wurde storniert.";
  } catch (err) {
    $("bookings-status").textContent = err.message;
    button.disabled = false;
  }
  await loadBookings();
}

init();
