// A Leaflet map whose useful content (roads, stops, service area) comes from our own API, so it works
// without background tiles; tiles come from the configured URL and a failing tile server is tolerated.
import { api } from "./api.js";

const DEFAULT_VIEW = { center: [51.85, 11.7], zoom: 10 };

export function createMap(element, { note } = {}) {
  const L = window.L;
  const map = L.map(element, {
    preferCanvas: true,
    zoomControl: false,
    keyboard: true,
    attributionControl: true,
  }).setView(DEFAULT_VIEW.center, DEFAULT_VIEW.zoom);
  L.control.zoom({ zoomInTitle: "Vergrößern", zoomOutTitle: "Verkleinern" }).addTo(map);
  map.attributionControl.setPrefix("Leaflet");
  const container = map.getContainer();
  container.setAttribute("tabindex", "0");
  const tileUrl = document.body.dataset.tileUrl;
  const say = (text) => { if (note) note.textContent = text; };
  if (tileUrl) {
    const layer = L.tileLayer(tileUrl, { maxZoom: 18, attribution: document.body.dataset.tileAttribution || "" });
    let failures = 0;
    layer.on("tileerror", () => {
      failures += 1;
      if (failures === 3) {
        map.removeLayer(layer);
        say("Kartenhintergrund nicht erreichbar – Straßen und Haltestellen kommen aus dem eigenen Dienst.");
      }
    });
    layer.addTo(map);
  } else {
    say("Ohne Kartenhintergrund: Straßen und Haltestellen kommen aus dem eigenen Dienst.");
  }
  const panes = { roads: map.createPane("roads"), stops: map.createPane("stops") };
  panes.roads.style.zIndex = 350;
  panes.stops.style.zIndex = 420;
  return map;
}

// Zoom levels at which the API's road layer changes (minor classes appear, lines get more detail): see
// routing/network/map_layers.py ZOOM_BUCKETS.
const ROAD_ZOOMS = [0, 11, 12, 13, 15];
const roadBucket = (zoom) => ROAD_ZOOMS.filter((z) => zoom >= z).length - 1;

// Draw the service area and the road network from the API; fit the view to the service area. The roads come
// simplified for the zoom level and are fetched again when the zoom crosses a level. On the approximate network
// there are no roads to draw (its straight links are no roads): only the area, marked as an approximation.
export async function drawBase(map) {
  const L = window.L;
  const area = await api("/service-area.geojson").catch(() => null);
  const approximate = Boolean(area && area.approximate);
  if (area) {
    const style = approximate
      ? { color: "#b45309", weight: 2, fill: true, fillOpacity: 0.05, dashArray: "2 6" }
      : { color: "#334155", weight: 2, fill: true, fillOpacity: 0.04, dashArray: "6 4" };
    const layer = L.geoJSON(area, { pane: "roads", interactive: false, style }).addTo(map);
    const b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [8, 8] });
  }
  if (approximate) {
    const note = L.control({ position: "bottomleft" });
    note.onAdd = () => {
      const div = L.DomUtil.create("div", "map-approx-note");
      div.setAttribute("role", "note");
      div.textContent = "Näherung: Bediengebiet und Haltestellen – kein echtes Straßennetz";
      return div;
    };
    note.addTo(map);
    return { area, roads: null, approximate };
  }
  let shown = null;
  let bucket = -1;
  const load = async () => {
    const wanted = roadBucket(map.getZoom());
    if (wanted === bucket) return;
    bucket = wanted;
    const roads = await api(`/network/roads.geojson?zoom=${Math.round(map.getZoom())}`).catch(() => null);
    if (!roads || wanted !== bucket) return;
    if (shown) map.removeLayer(shown);
    shown = L.geoJSON(roads, { pane: "roads", interactive: false, style: (f) => roadStyle(f) }).addTo(map);
  };
  map.on("zoomend", load);
  await load();
  return { area, roads: shown, approximate };
}

function roadStyle(feature) {
  const cls = (feature && feature.properties && (feature.properties.highway || feature.properties.class)) || "";
  const major = /motorway|trunk|primary/.test(cls);
  const medium = /secondary|tertiary/.test(cls);
  return { color: major ? "#6b7280" : "#9ca3af", weight: major ? 2.5 : medium ? 1.6 : 1, opacity: 0.9 };
}

// All stops as small circles; `onPick(stop)` when one is clicked.
export async function drawStops(map, onPick) {
  const L = window.L;
  const stops = await api("/stops?limit=1000");  // every stop of the network (the API serves up to 1,000)
  const list = Array.isArray(stops) ? stops : stops.items || stops.stops || [];
  const group = L.layerGroup().addTo(map);
  for (const stop of list) {
    const [lon, lat] = stopCoordinates(stop);
    if (lat === undefined) continue;
    const m = L.circleMarker([lat, lon], {
      pane: "stops", radius: 4, color: "#1e3a8a", weight: 1, fillColor: "#ffffff", fillOpacity: 1,
    }).addTo(group);
    m.bindTooltip(stop.name);
    if (onPick) m.on("click", (e) => { L.DomEvent.stop(e); onPick(stop); });
  }
  return list;
}

export function stopCoordinates(stop) {
  if (!stop) return [];
  if (Array.isArray(stop.coordinates)) return stop.coordinates;
  if (stop.point && Array.isArray(stop.point.coordinates)) return stop.point.coordinates;
  if (stop.geometry && Array.isArray(stop.geometry.coordinates)) return stop.geometry.coordinates;
  if (typeof stop.lon === "number") return [stop.lon, stop.lat];
  if (stop.point && typeof stop.point.lon === "number") return [stop.point.lon, stop.point.lat];
  return [];
}

// Colours per vehicle: dark enough for white numbers (contrast ≥ 4.5:1) and distinct for colour-blind viewers.
export const VEHICLE_COLOURS = ["#0b5394", "#b45309", "#047857", "#9d174d", "#5b21b6", "#b91c1c", "#0e7490", "#4d7c0f", "#374151", "#a16207"];

export function numberedIcon(number, colour, extraClass = "") {
  return window.L.divIcon({
    className: `stop-number ${extraClass}`,
    html: `<span style="background:${colour}">${number}</span>`,
    iconSize: [26, 26],
    iconAnchor: [13, 13],
  });
}

// "vor 2 Min." — how long ago a position was reported (seconds), for dispatchers.
export function ageText(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return "gerade eben";
  if (s < 3600) return `vor ${Math.round(s / 60)} Min.`;
  return `vor ${Math.floor(s / 3600)} Std. ${Math.round((s % 3600) / 60)} Min.`;
}

// A vehicle's last position: a round marker in its colour, pale with a dashed ring when the position is old.
export function positionIcon(colour, stale) {
  const ring = stale ? "border:3px dashed #374151;opacity:0.6" : "border:3px solid #ffffff;box-shadow:0 0 0 2px " + colour;
  return window.L.divIcon({
    className: "vehicle-position",
    html: `<span style="display:block;width:18px;height:18px;border-radius:50%;background:${colour};${ring}"></span>`,
    iconSize: [24, 24],
    iconAnchor: [12, 12],
  });
}
