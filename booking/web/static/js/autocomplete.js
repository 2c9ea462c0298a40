// An accessible stop combobox (WAI-ARIA 1.2 pattern): type, arrow keys, Enter to choose, Escape to close.
import { api } from "./api.js";
import { esc } from "./format.js";
import { stopCoordinates } from "./map.js";

export class StopCombobox {
  constructor(input, list, { onSelect = () => {}, limit = 8 } = {}) {
    this.input = input;
    this.list = list;
    this.onSelect = onSelect;
    this.limit = limit;
    this.items = [];
    this.active = -1;
    this.value = null; // {stop_id, name, coordinates} or {coordinates, name}
    this.timer = null;
    this.seq = 0;
    input.addEventListener("input", () => this.changed());
    input.addEventListener("keydown", (e) => this.key(e));
    input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    list.addEventListener("mousedown", (e) => e.preventDefault());
    list.addEventListener("click", (e) => {
      const li = e.target.closest("[role=option]");
      if (li) this.choose(Number(li.dataset.index));
    });
  }

  changed() {
    this.value = null;
    this.input.removeAttribute("aria-invalid");
    clearTimeout(this.timer);
    const q = this.input.value.trim();
    if (q.length < 2) return this.close();
    this.timer = setTimeout(() => this.search(q), 150);
  }

  async search(q) {
    const mine = ++this.seq;
    let found;
    try {
      found = await api(`/stops?q=${encodeURIComponent(q)}&limit=${this.limit}`);
    } catch {
      return;
    }
    if (mine !== this.seq) return; // a newer query is under way
    this.items = Array.isArray(found) ? found : found.items || found.stops || [];
    this.render();
  }

  render() {
    this.active = this.items.length ? 0 : -1;
    if (!this.items.length) {
      this.list.innerHTML = `<li class="option-empty" role="option" aria-disabled="true" aria-selected="false">Keine Haltestelle gefunden</li>`;
    } else {
      this.list.innerHTML = this.items
        .map((s, i) => `<li role="option" id="${this.list.id}-${i}" data-index="${i}" aria-selected="${i === 0}">`
          + `<span class="option-name">${esc(s.name)}</span>`
          + (s.municipality ? ` <span class="option-meta">${esc(s.municipality)}</span>` : "")
          + `</li>`)
        .join("");
    }
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.highlight();
  }

  highlight() {
    const options = this.list.querySelectorAll("[role=option][data-index]");
    options.forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
    if (this.active >= 0 && options[this.active]) {
      this.input.setAttribute("aria-activedescendant", options[this.active].id);
      options[this.active].scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  key(e) {
    const open = !this.list.hidden && this.items.length > 0;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (!open) return this.changed();
      this.active = (this.active + 1) % this.items.length;
      this.highlight();
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      if (!open) return;
      this.active = (this.active - 1 + this.items.length) % this.items.length;
      this.highlight();
    } else if (e.key === "Enter") {
      if (open && this.active >= 0) {
        e.preventDefault();
        this.choose(this.active);
      }
    } else if (e.key === "Escape") {
      if (open) {
        e.preventDefault();
        this.close();
      }
    }
  }

  choose(index) {
    const stop = this.items[index];
    if (!stop) return;
    this.set({ stop_id: String(stop.id), name: stop.name, coordinates: stopCoordinates(stop) });
    this.close();
  }

  // Set the value from outside (a map click): a stop or bare coordinates.
  set(value) {
    this.value = value;
    this.input.value = value.name;
    this.input.removeAttribute("aria-invalid");
    this.onSelect(value);
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  // The place for the API: {stop_id} or {coordinates:[lon, lat]}.
  place() {
    if (!this.value) return null;
    return this.value.stop_id ? { stop_id: this.value.stop_id } : { coordinates: this.value.coordinates };
  }
}
