// The phone booking, always at hand (F2 or Alt+N puts the cursor into the caller's name): one ride, or a standing
// order for a regular caller (every Tuesday 08:00 …) whose rides the nightly plan books; and the standing orders list.
import { api, idempotencyKey } from "./api.js";
import { StopCombobox } from "./autocomplete.js";
import { berlinIso, day, esc, euro, window_ } from "./format.js";
import { shortId } from "./control-bookings.js";

const WEEKDAYS = [["1", "Mo"], ["2", "Di"], ["3", "Mi"], ["4", "Do"], ["5", "Fr"], ["6", "Sa"], ["7", "So"]];
const $ = (id) => document.getElementById(id);

export class PhoneDesk {
  constructor({ refresh }) {
    this.refresh = refresh;
    this.origin = new StopCombobox($("p-origin-input"), $("p-origin-list"));
    this.destination = new StopCombobox($("p-destination-input"), $("p-destination-list"));
    $("p-recurring-fields").querySelector(".cr-weekday-row").innerHTML = WEEKDAYS.map(([n, label]) =>
      `<label class="check cr-weekday"><input type="checkbox" name="weekday" value="${n}"> ${label}</label>`).join("");
    $("p-recurring").addEventListener("change", () => this.recurringChanged());
    $("p-date").addEventListener("change", () => this.recurringChanged());
    $("phone-form").addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
    this.recurringChanged();
  }

  // Default date and time: the next five minutes an hour from the service's clock.
  setDefaults(nowIso) {
    if ($("p-date").value) return;
    const when = new Date(Math.ceil((new Date(nowIso).getTime() + 3600000) / 300000) * 300000).toISOString();
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(when));
    const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
    $("p-date").value = `${p.year}-${p.month}-${p.day}`;
    $("p-time").value = `${p.hour}:${p.minute}`;
    this.recurringChanged();
  }

  focus() {
    const name = $("caller-name");
    name.scrollIntoView({ block: "nearest" });
    name.focus();
  }

  recurringChanged() {
    const on = $("p-recurring").checked;
    $("p-recurring-fields").hidden = !on;
    $("phone-submit").textContent = on ? "Dauerauftrag anlegen" : "Für Anrufer buchen";
    if (on && !$("phone-form").querySelector("input[name=weekday]:checked") && $("p-date").value) {
      const weekday = ((new Date(`${$("p-date").value}T12:00:00Z`).getUTCDay() + 6) % 7) + 1;
      const box = $("phone-form").querySelector(`input[name=weekday][value="${weekday}"]`);
      if (box) box.checked = true;
    }
  }

  say(html) {
    $("phone-result").innerHTML = html;
  }

  async submit() {
    const name = $("caller-name").value.trim();
    const phone = $("caller-phone").value.trim();
    const [hasOrigin, hasDestination] = await Promise.all([this.origin.resolve(), this.destination.resolve()]);
    const origin = hasOrigin && this.origin.place();
    const destination = hasDestination && this.destination.place();
    const missing = [!name && "Name", !phone && "Telefon", !origin && "Start", !destination && "Ziel",
      !$("p-time").value && "Uhrzeit"].filter(Boolean);
    if (missing.length) {
      this.say(`<span class="error">Bitte angeben: ${missing.join(", ")}.</span>`);
      return;
    }
    const button = $("phone-submit");
    button.disabled = true;
    try {
      if ($("p-recurring").checked) await this.standingOrder(name, phone, origin, destination);
      else await this.book(name, phone, origin, destination);
    } catch (err) {
      this.say(`<span class="error">${esc(err.message)}</span>`);
    } finally {
      button.disabled = false;
    }
    this.refresh();
  }

  party() {
    return {
      passengers: Number($("p-passengers").value || 1),
      wheelchairs: Number($("p-wheelchairs").value || 0),
      strollers: Number($("p-strollers").value || 0),
    };
  }

  async book(name, phone, origin, destination) {
    const request = { origin, destination, ...this.party() };
    request[$("p-time-kind").value] = berlinIso($("p-date").value, $("p-time").value);
    const r = await api("/dispatch/bookings", {
      method: "POST", json: { caller_name: name, caller_phone: phone, request }, headers: { "Idempotency-Key": idempotencyKey() },
    });
    const b = r.booking;
    const o = r.offer;
    const w = o.pickup_window;
    this.say(`<span class="success-line" data-booking-id="${esc(b.id)}">Gebucht für ${esc(name)}: ${day(w.earliest)}, Abholung ${window_(w.earliest, w.latest)} an ${esc(o.pickup_stop.name)} · ${euro(o.price_cents)} · Buchung ${esc(shortId(b.id))}</span>`);
    this.clearCaller();
  }

  async standingOrder(name, phone, origin, destination) {
    const weekdays = [...$("phone-form").querySelectorAll("input[name=weekday]:checked")].map((x) => Number(x.value));
    if (!weekdays.length) throw new Error("Bitte mindestens einen Wochentag wählen.");
    if (!origin.stop_id || !destination.stop_id) throw new Error("Für Daueraufträge Start und Ziel als Haltestelle wählen.");
    const body = { caller_name: name, caller_phone: phone, origin_stop_id: origin.stop_id,
      destination_stop_id: destination.stop_id, weekdays, time: $("p-time").value, time_kind: $("p-time-kind").value,
      first_day: $("p-date").value, ...this.party() };
    if ($("p-last-day").value) body.last_day = $("p-last-day").value;
    const o = await api("/dispatch/standing-orders", { method: "POST", json: body });
    const runs = o.runs.map((r) => runText(r)).join(" ");
    this.say(`<span class="success-line" data-order-id="${esc(o.id)}">Dauerauftrag für ${esc(name)}: ${esc(o.weekdays_label)} ${esc(o.time)} Uhr, ${esc(o.origin_name)} → ${esc(o.destination_name)}.</span> ${runs || "Die Fahrten bucht die Nachtplanung jeweils für den nächsten Tag."}`);
    this.clearCaller();
  }

  clearCaller() {
    for (const id of ["caller-name", "caller-phone", "p-origin-input", "p-destination-input"]) $(id).value = "";
    this.origin.value = null;
    this.destination.value = null;
    $("p-recurring").checked = false;
    this.recurringChanged();
  }
}

function runText(r) {
  const d = day(`${r.day}T12:00:00Z`);
  return r.outcome === "booked"
    ? `<span class="run-ok">${esc(d)}: gebucht.</span>`
    : `<span class="run-refused">${esc(d)}: nicht möglich – ${esc(r.detail || "")}</span>`;
}

// The standing orders with their latest runs; a refused day can be tried again, an order ended.
export class StandingList {
  constructor(list, count, status, { refresh }) {
    this.list = list;
    this.count = count;
    this.status = status;
    this.refresh = refresh;
    list.addEventListener("click", (e) => this.click(e));
  }

  render(orders, runsOfDay, dayLabel) {
    this.count.textContent = String(orders.length);
    const refused = runsOfDay.filter((r) => r.outcome === "refused").length;
    const booked = runsOfDay.length - refused;
    this.status.textContent = runsOfDay.length ? `${dayLabel}: ${booked} gebucht, ${refused} nicht möglich.`
      : `${dayLabel}: noch keine Fahrt aus Daueraufträgen gebucht.`;
    this.status.classList.toggle("error", refused > 0);
    this.list.innerHTML = orders.map((o) => {
      const runs = o.runs.map((r) => `<li>${runText(r)}${r.outcome === "refused"
        ? ` <button type="button" class="btn btn-small" data-retry="${esc(o.id)}" data-day="${esc(r.day)}">Erneut buchen</button>` : ""}</li>`).join("");
      return `<li class="standing" data-order-id="${esc(o.id)}">
        <p><strong>${esc(o.caller_name)}</strong> · ${esc(o.caller_phone || "")}<br>
          ${esc(o.weekdays_label)} ${esc(o.time)} Uhr${o.time_kind === "arrival" ? " (Ankunft)" : ""} · ${esc(o.origin_name)} → ${esc(o.destination_name)}${o.last_day ? ` · bis ${esc(day(`${o.last_day}T12:00:00Z`))}` : ""}</p>
        ${runs ? `<ul class="standing-runs">${runs}</ul>` : ""}
        <button type="button" class="btn btn-small btn-danger" data-end="${esc(o.id)}">Beenden<span class="sr-only"> (${esc(o.caller_name)})</span></button>
      </li>`;
    }).join("") || `<li class="muted">Keine Daueraufträge.</li>`;
  }

  async click(e) {
    const retry = e.target.closest("button[data-retry]");
    const end = e.target.closest("button[data-end]");
    try {
      if (retry) {
        retry.disabled = true;
        await api(`/dispatch/standing-orders/${encodeURIComponent(retry.dataset.retry)}/book?day=${retry.dataset.day}`, { method: "POST" });
      } else if (end) {
        if (!window.confirm("Dauerauftrag beenden? Schon gebuchte Fahrten bleiben.")) return;
        await api(`/dispatch/standing-orders/${encodeURIComponent(end.dataset.end)}/end`, { method: "POST" });
      } else {
        return;
      }
    } catch (err) {
      this.status.textContent = err.message;
    }
    this.refresh();
  }
}
