// Resident page: when the destination is a station, the rider may choose a train to meet (the ride arrives by its
// departure minus the transfer time); when only the start is a station, a train to come from (the pickup waits for
// its arrival). The offer then comes from POST /transit/offers and says which train it meets.
import { api } from "./api.js";
import * as fmt from "./format.js";

const $ = (id) => document.getElementById(id);
const transit = { origin: null, destination: null, station: null, direction: null, trains: [], asked: 0 };
const LABEL = { to_train: "Anschluss an einen Zug", from_train: "Ankunft mit dem Zug (Abholung danach)" };
const NONE = "Kein Zug – Uhrzeit selbst wählen";

export function initTransit() {
  for (const id of ["date-input", "time-input"]) $(id).addEventListener("change", refreshTrains);
  $("train-select").addEventListener("change", () => {
    const chosen = chosenTrain(null, null);
    $("train-hint").textContent = chosen
      ? `${chosen.promise} Die Uhrzeit oben gilt dann nicht: die Fahrt richtet sich nach dem Zug.`
      : "Ohne Zug gilt die Uhrzeit oben.";
  });
}

const stopOf = (value) => (value && value.stop_id ? String(value.stop_id) : null);

// Start or destination changed: stops with trains at their station show the choice, other places hide it.
export function onOrigin(value) {
  transit.origin = stopOf(value);
  return refreshTrains();
}

export function onDestination(value) {
  transit.destination = stopOf(value);
  return refreshTrains();
}

async function trainsAt(stop, direction) {
  if (!stop) return [];
  const params = new URLSearchParams({ stop_id: stop, direction });
  const date = $("date-input").value;
  const hhmm = $("time-input").value;
  if (date && hhmm) params.set("time", fmt.berlinIso(date, hhmm));
  try {
    const trains = await api(`/transit/connections?${params}`);
    return Array.isArray(trains) ? trains : [];
  } catch {
    return [];  // no timetable: the form works as before
  }
}

async function refreshTrains() {
  const asked = ++transit.asked;  // only the latest answer counts when the rider changes the form quickly
  let direction = "to_train";
  let station = transit.destination;
  let trains = await trainsAt(station, direction);
  if (!trains.length && transit.origin) {
    direction = "from_train";
    station = transit.origin;
    trains = await trainsAt(station, direction);
  }
  if (asked !== transit.asked) return;
  Object.assign(transit, { station, direction, trains });
  const field = $("train-field");
  if (!trains.length) {
    field.hidden = true;
    return;
  }
  field.dataset.station = station;  // which stop's trains are listed (tests wait for it)
  field.dataset.direction = direction;
  $("train-label").textContent = LABEL[direction];
  $("train-select").innerHTML = `<option value="">${NONE}</option>`
    + trains.map((c, i) => `<option value="${i}">${fmt.esc(c.label)} → ${fmt.esc(c.headsign)}</option>`).join("");
  $("train-hint").textContent = "Ohne Zug gilt die Uhrzeit oben.";
  field.hidden = false;
}

// The chosen train, if the station is still where the form's start or destination is.
export function chosenTrain(origin, destination) {
  const value = $("train-select").value;
  if (value === "" || $("train-field").hidden) return null;
  const place = transit.direction === "to_train" ? destination : origin;
  if (place && stopOf(place) !== transit.station) return null;
  return transit.trains[Number(value)] || null;
}

// The body of POST /transit/offers for the form's request and the chosen train.
export function connectionBody(request, train) {
  return {
    station_stop_id: transit.station,
    place: train.direction === "to_train" ? request.origin : request.destination,
    connection: {
      feed: train.feed, trip_id: train.trip_id, stop_sequence: train.stop_sequence,
      service_date: train.service_date, direction: train.direction,
    },
    passengers: request.passengers, wheelchairs: request.wheelchairs, strollers: request.strollers,
  };
}

export function connectionView(connection) {
  if (!connection) return "";
  return `<p class="connection" data-connection="${fmt.esc(connection.trip_id)}"><strong>${fmt.esc(connection.label)}</strong>
    (Richtung ${fmt.esc(connection.headsign)}). ${fmt.esc(connection.promise)}</p>`;
}

// "Meine Buchungen": the train a booking meets, under its head line.
export async function markBookedTrains() {
  let links = [];
  try {
    links = await api("/transit/bookings/connections");
  } catch {
    return;
  }
  for (const link of Array.isArray(links) ? links : []) {
    const item = document.querySelector(`#bookings [data-booking-id="${CSS.escape(link.booking_id)}"]`);
    if (!item || item.querySelector(".connection")) continue;
    item.querySelector(".booking-head")?.insertAdjacentHTML("afterend",
      `<p class="connection">${fmt.esc(link.label)}</p>`);
  }
}
