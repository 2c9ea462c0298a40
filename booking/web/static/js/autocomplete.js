// An accessible stop combobox (WAI-ARIA 1.2 pattern): type, arrow keys, Enter to choose, Escape to close.
// Nothing is highlighted until the arrow keys move: the first ArrowDown highlights the FIRST suggestion.
// Enter takes the highlighted suggestion, or — with none highlighted — the best match for what was typed
// (the server puts a town's central stop first: "Egeln" → "ZOB, Egeln"). A name typed in full and never picked
// is resolved the same way when the form is sent (resolve()).
import { api } from "./api.js";
import { esc } from "./format.js";
import { stopCoordinates } from "./map.js";

const CONFIDENT = new Set(["central", "exact"]);

export class StopCombobox {
  constructor(input, list, { onSelect = () => {}, limit = 8 } = {}) {
    this.input = input;
    this.list = list;
    this.onSelect = onSelect;
    this.limit = limit;
    this.items = [];
    this.itemsFor = null; // the text the items were found for
    this.active = -1;
    this.value = null; // {stop_id, name, coordinates} or {coordinates, name}
    this.timer = null;
    this.seq = 0;
    this.pending = null; // the search under way (a promise)
    input.addEventListener("input", () => this.changed());
    input.addEventListener("keydown", (e) => this.key(e));
    input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    list.addEventListener("mousedown", (e) => e.preventDefault());
    list.addEventListener("click", (e) => {
      const li = e.target.closest("[role=option][data-index]");
      if (li) this.choose(Number(li.dataset.index));
    });
  }

  text() {
    return this.input.value.trim();
  }

  changed() {
    this.value = null;
    this.input.removeAttribute("aria-invalid");
    clearTimeout(this.timer);
    const q = this.text();
    if (q.length < 2) {
      this.items = [];
      this.itemsFor = null;
      return this.close();
    }
    this.timer = setTimeout(() => this.search(q), 150);
  }

  // Find suggestions for `q` and show them; resolves to the items (a newer search makes an older one moot).
  search(q) {
    clearTimeout(this.timer);
    this.timer = null;
    const mine = ++this.seq;
    this.pending = (async () => {
      let found;
      try {
        found = await api(`/stops?q=${encodeURIComponent(q)}&limit=${this.limit}`, { auth: false });
      } catch {
        return this.items;
      }
      if (mine !== this.seq) return this.items; // a newer query is under way
      this.items = Array.isArray(found) ? found : found.items || found.stops || [];
      this.itemsFor = q;
      if (document.activeElement === this.input) this.render();
      return this.items;
    })();
    return this.pending;
  }

  // The suggestions for the text in the field now (waits for a search under way or starts one).
  async current() {
    const q = this.text();
    if (q.length < 2) return [];
    if (this.itemsFor === q && !this.timer) return this.items;
    return this.search(q);
  }

  render() {
    this.active = -1;
    this.list.dataset.query = this.itemsFor || "";  // what the suggestions are for (tests wait for it)
    if (!this.items.length) {
      this.list.innerHTML = `<li class="option-empty" role="option" aria-disabled="true" aria-selected="false">Keine Haltestelle gefunden</li>`;
    } else {
      this.list.innerHTML = this.items
        .map((s, i) => `<li role="option" id="${this.list.id}-${i}" data-index="${i}" aria-selected="false">`
          + `<span class="option-name">${esc(s.name)}</span>`
          + ` <span class="option-meta">${esc(meta(s))}</span>`
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
      if (!open) {
        if (this.items.length && this.itemsFor === this.text()) this.render();
        else this.changed();
        return;
      }
      this.active = (this.active + 1) % this.items.length;
      this.highlight();
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      if (!open) return;
      this.active = this.active <= 0 ? this.items.length - 1 : this.active - 1;
      this.highlight();
    } else if (e.key === "Enter") {
      if (open && this.active >= 0) {
        e.preventDefault();
        this.choose(this.active);
      } else if (!this.value && this.text().length >= 2) {
        e.preventDefault(); // take the best match for what was typed, once it is known
        this.current().then((items) => {
          if (items.length) this.choose(0);
          else this.render();
        });
      }
    } else if (e.key === "Escape") {
      if (!this.list.hidden) {
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
    this.itemsFor = null;
    this.input.removeAttribute("aria-invalid");
    this.onSelect(value);
  }

  // A name typed but never picked: take the best match if it is certain (a town's centre or every word of a
  // stop's name). Returns whether the field now holds a place.
  async resolve() {
    if (this.value) return true;
    const items = await this.current();
    if (items.length && (CONFIDENT.has(items[0].match) || items.length === 1)) {
      this.choose(0);
      return true;
    }
    return false;
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

// The grey line under a suggestion: where it is ("Ortsmitte Egeln" for a town's central stop).
function meta(stop) {
  if (stop.match === "central" && stop.locality) return `Ortsmitte ${stop.locality}`;
  return stop.municipality || "";
}
