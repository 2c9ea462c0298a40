// The control room's map: the chosen day's duties (a thin line and small stop dots per vehicle, in its colour) and each
// vehicle's last position. With 40 vehicles it stays readable: positions are labelled on hover (always when few);
// focusing a vehicle dims the others, numbers its stops as in the timeline and zooms to its tour.
import { ageText, createMap, drawBase, numberedIcon, positionIcon } from "./map.js";
import { esc, time } from "./format.js";

const STALE_S = 600;
const PERMANENT_LABELS_UP_TO = 12;
const KIND = { pickup: "Einstieg", dropoff: "Ausstieg", break: "Pause" };

export class ControlMap {
  constructor(element, note) {
    const L = window.L;
    this.element = element;
    this.map = createMap(element, { note });
    this.map.options.zoomSnap = 0.25;  // the district fills the box (set before drawBase fits it)
    drawBase(this.map).catch(() => {});
    this.tours = L.featureGroup().addTo(this.map);
    this.focusLayer = L.featureGroup().addTo(this.map);
    this.markers = new Map();  // vehicle id → position marker, moved in place (no flicker)
    this.permanent = null;
  }

  // tours: per duty {vehicle_id, line, visits}; colour(id); name(id); focus: vehicle id or null.
  drawTours(tours, colour, name, focus) {
    const L = window.L;
    this.tours.clearLayers();
    this.focusLayer.clearLayers();
    const many = new Set(tours.map((t) => t.vehicle_id)).size > PERMANENT_LABELS_UP_TO;
    for (const tour of tours) {
      const mine = focus && tour.vehicle_id === String(focus);
      const dim = focus && !mine;
      const c = colour(tour.vehicle_id);
      const layer = mine ? this.focusLayer : this.tours;
      for (const line of tour.line) {
        L.polyline(line.map(([lon, lat]) => [lat, lon]), {
          color: c, weight: mine ? 5 : many ? 2 : 3, opacity: dim ? 0.12 : many ? 0.65 : 0.85, interactive: false,
        }).addTo(layer);
      }
      for (const v of tour.visits) {
        if (!v.coordinates || v.coordinates.length < 2) continue;
        const [lon, lat] = v.coordinates;
        const title = `${name(tour.vehicle_id)}, Halt ${v.number}: ${KIND[v.kind] || v.kind} ${v.stop_name}, ${time(v.planned_arrival)} Uhr`;
        if (mine) {
          L.marker([lat, lon], { icon: numberedIcon(v.number, c, `status-${v.status}`), title, keyboard: false, riseOnHover: true })
            .bindTooltip(esc(title)).addTo(layer);
        } else {
          L.circleMarker([lat, lon], { radius: many ? 3 : 4, color: "#ffffff", weight: 1, fillColor: c,
            fillOpacity: dim ? 0.15 : 0.9, opacity: dim ? 0.2 : 1 }).bindTooltip(esc(title)).addTo(layer);
        }
      }
    }
    this.element.dataset.duties = String(tours.filter((t) => t.visits.length).length);  // what is drawn (tests read it)
    this.element.dataset.focus = focus || "";
    if (focus) {
      const b = this.focusLayer.getBounds();
      if (b.isValid()) this.map.fitBounds(b, { padding: [24, 24], maxZoom: 13 });
    }
  }

  // positions: [{vehicle_id, lon, lat, age_s}] as read `since` seconds ago.
  drawPositions(positions, colour, name, focus, since) {
    const L = window.L;
    const permanent = positions.length <= PERMANENT_LABELS_UP_TO;
    if (permanent !== this.permanent) {  // the label mode changed: make the markers anew
      for (const m of this.markers.values()) m.remove();
      this.markers.clear();
      this.permanent = permanent;
    }
    const seen = new Set();
    for (const p of positions) {
      const id = String(p.vehicle_id);
      const age = p.age_s + since;
      const stale = age > STALE_S;
      const dim = Boolean(focus) && id !== String(focus);
      const text = `${name(id)} · ${ageText(age)}`;
      let marker = this.markers.get(id);
      if (!marker) {
        marker = L.marker([p.lat, p.lon], { icon: this.icon(colour(id), stale), keyboard: false, zIndexOffset: 1000,
          title: `${name(id)}: Standort ${ageText(age)}` })
          .bindTooltip(esc(text), { permanent, direction: "right", offset: [10, 0] })
          .addTo(this.map);
        marker.stale = stale;
        this.markers.set(id, marker);
      } else {
        marker.setLatLng([p.lat, p.lon]);
        marker.setTooltipContent(esc(text));
        if (marker.stale !== stale) {
          marker.setIcon(this.icon(colour(id), stale));
          marker.stale = stale;
        }
      }
      marker.setOpacity(dim ? 0.3 : 1);
      if (!permanent && focus && id === String(focus)) marker.openTooltip();
      seen.add(id);
    }
    for (const [id, marker] of this.markers) {
      if (!seen.has(id)) {
        marker.remove();
        this.markers.delete(id);
      }
    }
  }

  // The full marker while few vehicles report; a small dot in a white ring for a whole fleet.
  icon(colour, stale) {
    if (this.permanent) return positionIcon(colour, stale);
    const ring = stale ? "border:2px dashed #374151;opacity:0.6" : "border:2px solid #ffffff;box-shadow:0 0 0 1px #111827";
    return window.L.divIcon({ className: "vehicle-position", iconSize: [14, 14], iconAnchor: [7, 7],
      html: `<span style="display:block;width:14px;height:14px;border-radius:50%;background:${colour};${ring}"></span>` });
  }

  invalidate() {
    this.map.invalidateSize();
  }
}
