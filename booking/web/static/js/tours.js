// Turn the API's tours GeoJSON into one record per vehicle: its line and its ordered stop visits.
import { stopCoordinates } from "./map.js";

function loadSeats(load, props = {}) {
  if (load === undefined && props.load_seats !== undefined) return (props.load_seats || 0) + (props.load_wheelchairs || 0);
  if (load === null || load === undefined) return 0;
  if (typeof load === "number") return load;
  if (Array.isArray(load)) return load.reduce((a, b) => a + b, 0);
  return (load.seats || 0) + (load.wheelchairs || 0);
}

function visitFrom(props, coords) {
  const window = props.window || {};
  return {
    booking_id: props.booking_id ?? null,
    kind: props.kind || "pickup",
    status: props.status || "planned",
    stop_id: props.stop_id ?? (props.stop && props.stop.id),
    stop_name: props.stop_name ?? (props.stop && props.stop.name) ?? "",
    coordinates: coords || stopCoordinates(props.stop),
    planned_arrival: props.planned_arrival,
    planned_departure: props.planned_departure || props.planned_arrival,
    window_earliest: props.window_earliest ?? window.earliest,
    window_latest: props.window_latest ?? window.latest,
    load_after: props.load_after,
    onboard: loadSeats(props.load_after, props),
    passengers: props.passengers,
    sequence: props.seq ?? props.sequence,
  };
}

export function toursFrom(data) {
  const byVehicle = new Map();
  const get = (id, props = {}) => {
    if (!byVehicle.has(id)) byVehicle.set(id, { vehicle_id: id, name: props.vehicle_name || id, line: [], visits: [] });
    const tour = byVehicle.get(id);
    if (props.vehicle_name) tour.name = props.vehicle_name;
    return tour;
  };
  const features = (data && data.features) || [];
  for (const f of features) {
    const p = f.properties || {};
    const id = p.vehicle_id;
    if (id === undefined || id === null) continue;
    const tour = get(String(id), p);
    const g = f.geometry || {};
    if (g.type === "LineString") tour.line.push(g.coordinates);
    else if (g.type === "MultiLineString") tour.line.push(...g.coordinates);
    else if (g.type === "Point") tour.visits.push(visitFrom(p, g.coordinates));
    if (Array.isArray(p.visits)) tour.listed = p.visits;
  }
  for (const tour of byVehicle.values()) {
    // Point features carry the coordinates; the tour's own list is the fallback.
    if (!tour.visits.length && tour.listed) tour.visits = tour.listed.map((v) => visitFrom(v));
    delete tour.listed;
    tour.visits.sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0) || String(a.planned_arrival).localeCompare(String(b.planned_arrival)));
    tour.visits.forEach((v, i) => { v.number = i + 1; });
  }
  return [...byVehicle.values()];
}
