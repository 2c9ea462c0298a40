// The bookings table: search (name, phone, booking number, stop, vehicle), day and state filters, the next pickup
// first, pages of 50 with the total ("51–100 von 312") — the server counts, nothing is cut off silently.
import { api } from "./api.js";
import { day, esc, state as stateLabel, time } from "./format.js";
import { shortName } from "./control-vehicles.js";

const PAGE_SIZE = 50;

export function shortId(id) {
  return String(id).slice(0, 8).toUpperCase();
}

function stateBadge(b) {
  const label = b.state_reason === "no_show" ? "nicht erschienen" : b.state === "REJECTED" ? "ausgefallen" : stateLabel(b.state);
  return `<span class="badge state-${esc(String(b.state).toLowerCase())}">${esc(label)}</span>`;
}

// The planned pickup with the promised window; red with the minutes when it is planned after the window.
function pickupCell(b, date) {
  const w = b.pickup_window;
  const behind = Math.round((new Date(b.planned_pickup) - new Date(w.latest)) / 60000);
  const late = ["CONFIRMED", "PENDING"].includes(b.state) && behind > 0;
  return `<strong${late ? ' class="late-min" title="nach dem zugesagten Zeitfenster geplant"' : ""}>${esc(date)}${time(b.planned_pickup)}${late ? ` (+${behind} min)` : ""}</strong>`
    + `<br><span class="muted">${time(w.earliest)}–${time(w.latest)}</span>`;
}

function riderCell(b) {
  const name = b.rider_name || (b.rider_kind === "phone" ? "Anrufer" : "Fahrgast (App)");
  const kind = b.rider_kind === "phone" ? ' <span class="muted">(Tel.)</span>' : "";
  const phone = b.rider_phone ? `<br><span class="muted">${esc(b.rider_phone)}</span>` : "";
  return `${esc(name)}${kind}${phone}`;
}

export class BookingTable {
  constructor(els, { onCancel }) {
    this.els = els;  // {rows, search, day, state, prev, next, info, total}
    this.onCancel = onCancel;
    this.page = 1;
    this.pages = 1;
    this.timer = null;
    this.seq = 0;
    this.serviceDay = "";
    els.search.addEventListener("input", () => this.changed(250));
    els.day.addEventListener("change", () => this.changed(0));
    els.state.addEventListener("change", () => this.changed(0));
    els.prev.addEventListener("click", () => this.go(this.page - 1));
    els.next.addEventListener("click", () => this.go(this.page + 1));
    els.rows.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-action=cancel]");
      if (b) this.onCancel(b.dataset.id, b);
    });
  }

  // The page's service day changed: the table follows it (unless the dispatcher chose another day here).
  followDay(value) {
    if (this.els.day.value === this.serviceDay || !this.els.day.value) this.els.day.value = value;
    this.serviceDay = value;
  }

  changed(delay) {
    clearTimeout(this.timer);
    this.page = 1;
    this.timer = setTimeout(() => this.load(), delay);
  }

  go(page) {
    if (page < 1 || page > this.pages) return;
    this.page = page;
    this.load();
  }

  query() {
    const p = new URLSearchParams({ page: String(this.page), page_size: String(PAGE_SIZE) });
    const q = this.els.search.value.trim();
    if (q) p.set("q", q);
    if (this.els.day.value) p.set("day", this.els.day.value);
    if (this.els.state.value) p.set("state", this.els.state.value);
    return p.toString();
  }

  async load() {
    const mine = ++this.seq;
    let body;
    try {
      body = await api(`/dispatch/bookings?${this.query()}`);
    } catch (err) {
      if (mine === this.seq) this.els.info.textContent = err.message;
      return null;
    }
    if (mine !== this.seq) return null;  // a newer search answered first or is under way
    this.render(body);
    return body;
  }

  render(body) {
    const { items, total, page, page_size: size, pages } = body;
    this.page = page;
    this.pages = pages;
    const chosen = this.els.day.value;
    this.els.rows.innerHTML = items.map((b) => {
      const w = b.pickup_window;
      const date = !chosen || w.earliest.slice(0, 10) !== chosen ? `${day(w.earliest)}, ` : "";
      const cancellable = ["CONFIRMED", "PENDING"].includes(b.state);
      return `<tr data-booking-id="${esc(b.id)}" data-state="${esc(b.state)}" data-reason="${esc(b.state_reason || "")}">
        <td class="nowrap">${pickupCell(b, date)}</td>
        <td>${riderCell(b)}</td>
        <td>${esc(b.pickup_stop_name)} → ${esc(b.dropoff_stop_name)}${b.passengers > 1 ? ` <span class="muted">(${b.passengers} P.)</span>` : ""}${b.wheelchairs ? ' <span title="Rollstuhl">♿</span>' : ""}</td>
        <td title="${esc(b.vehicle_name || b.vehicle_id)}">${esc(shortName({ id: b.vehicle_id, name: b.vehicle_name }))}</td>
        <td>${stateBadge(b)}</td>
        <td class="mono">${esc(shortId(b.id))}</td>
        <td>${cancellable ? `<button type="button" class="btn btn-danger btn-small" data-action="cancel" data-id="${esc(b.id)}">Stornieren<span class="sr-only"> Buchung ${esc(shortId(b.id))}</span></button>` : ""}</td>
      </tr>`;
    }).join("") || `<tr><td colspan="7" class="muted">Keine Buchung gefunden.</td></tr>`;
    const first = total ? (page - 1) * size + 1 : 0;
    const last = Math.min(total, page * size);
    this.els.info.textContent = total ? `${first}–${last} von ${total} · Seite ${page} von ${pages}` : "0 Buchungen";
    this.els.total.textContent = String(total);
    this.els.prev.disabled = page <= 1;
    this.els.next.disabled = page >= pages;
  }
}
