// Turn the API's tours GeoJSON (one LineString per duty of a service day, one Point per visit) into one record per
// duty: its vehicle, shift, road line and ordered stop visits, numbered per vehicle as on the map.
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
    onboard: loadSeats(props.load_after, props),
    sequence: props.seq ?? props.sequence,
  };
}

export function toursFrom(data) {
  const byKey = new Map();
  const get = (props) => {
    const vehicle = String(props.vehicle_id);
    const key = props.duty_id ? String(props.duty_id) : vehicle;
    if (!byKey.has(key)) {
      byKey.set(key, { key, vehicle_id: vehicle, duty_id: props.duty_id || null, name: props.vehicle_name || vehicle,
        duty_start: null, duty_end: null, duty_status: null, line: [], visits: [] });
    }
    const tour = byKey.get(key);
    if (props.vehicle_name) tour.name = props.vehicle_name;
    if (props.duty_start) Object.assign(tour, { duty_start: props.duty_start, duty_end: props.duty_end, duty_status: props.duty_status });
    return tour;
  };
  for (const f of (data && data.features) || []) {
    const p = f.properties || {};
    if (p.vehicle_id === undefined || p.vehicle_id === null) continue;
    const tour = get(p);
    const g = f.geometry || {};
    if (g.type === "LineString") tour.line.push(g.coordinates);
    else if (g.type === "MultiLineString") tour.line.push(...g.coordinates);
    else if (g.type === "Point") tour.visits.push(visitFrom(p, g.coordinates));
    if (p.feature_type === "tour" && Array.isArray(p.visits)) tour.listed = p.visits;
  }
  for (const tour of byKey.values()) {
    if (!tour.visits.length && tour.listed) tour.visits = tour.listed.map((v) => visitFrom(v));  // Points are the source
    delete tour.listed;
    tour.visits.sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0) || String(a.planned_arrival).localeCompare(String(b.planned_arrival)));
    tour.visits.forEach((v, i) => { v.number = (v.sequence ?? i) + 1; });
  }
  return [...byKey.values()];
}

// The duties of each vehicle: Map vehicle id → [tour, …] in time order.
export function byVehicle(tours) {
  const out = new Map();
  for (const t of tours) {
    if (!out.has(t.vehicle_id)) out.set(t.vehicle_id, []);
    out.get(t.vehicle_id).push(t);
  }
  for (const list of out.values()) list.sort((a, b) => String(a.duty_start).localeCompare(String(b.duty_start)));
  return out;
}
