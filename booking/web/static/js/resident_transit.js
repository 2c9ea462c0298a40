// Resident page: when the destination is a station, the rider may choose a train; the ride then arrives by the
// train's departure minus the transfer time (POST /transit/offers), and the offer says which train it meets.
import { api } from "./api.js";
import * as fmt from "./format.js";

const $ = (id) => document.getElementById(id);
const transit = { station: null, trains: [], asked: 0 };

export function initTransit() {
  for (const id of ["date-input", "time-input"]) $(id).addEventListener("change", refreshTrains);
  $("train-select").addEventListener("change", () => {
    const chosen = chosenTrain(null);
    $("train-hint").textContent = chosen
      ? `${chosen.promise} Die Uhrzeit oben gilt dann nicht: die Fahrt richtet sich nach dem Zug.`
      : "Ohne Zug gilt die Uhrzeit oben.";
  });
}

// The destination changed: a stop with trains at its station shows the choice, any other place hides it.
export function onDestination(value) {
  transit.station = value && value.stop_id ? String(value.stop_id) : null;
  return refreshTrains();
}

async function refreshTrains() {
  const field = $("train-field");
  const asked = ++transit.asked;  // only the latest answer counts when the rider changes the form quickly
  if (!transit.station) {
    field.hidden = true;
    transit.trains = [];
    return;
  }
  const params = new URLSearchParams({ stop_id: transit.station, direction: "to_train" });
  const date = $("date-input").value;
  const hhmm = $("time-input").value;
  if (date && hhmm) params.set("time", fmt.berlinIso(date, hhmm));
  let trains = [];
  try {
    trains = await api(`/transit/connections?${params}`);
  } catch {
    trains = [];  // no timetable: the form works as before
  }
  if (asked !== transit.asked) return;
  transit.trains = Array.isArray(trains) ? trains : [];
  if (!transit.trains.length) {
    field.hidden = true;
    return;
  }
  $("train-select").innerHTML = `<option value="">Kein Zug – Uhrzeit selbst wählen</option>`
    + transit.trains.map((c, i) => `<option value="${i}">${fmt.esc(c.label)} → ${fmt.esc(c.headsign)}</option>`).join("");
  $("train-hint").textContent = "Ohne Zug gilt die Uhrzeit oben.";
  field.hidden = false;
}

// The chosen train, if the destination is still the station it was listed for.
export function chosenTrain(destination) {
  const value = $("train-select").value;
  if (value === "" || $("train-field").hidden) return null;
  if (destination && String(destination.stop_id || "") !== transit.station) return null;
  return transit.trains[Number(value)] || null;
}

// The body of POST /transit/offers for the form's request and the chosen train.
export function connectionBody(request, train) {
  return {
    station_stop_id: transit.station,
    place: request.origin,
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
