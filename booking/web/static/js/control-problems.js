// Problems the dispatcher acts on: who (name, phone), when (pickup window), where, why — and three actions:
// "Angerufen" (the rider was phoned), "Neu buchen" (on a vehicle in the promised window, or at a new time),
// "Absagen" (the rider gets the dispatcher's message). A list being worked on is not redrawn under the cursor.
import { api } from "./api.js";
import { berlinIso, day, esc, localParts, time, window_ } from "./format.js";
import { shortName } from "./control-vehicles.js";

const DEFAULT_MESSAGE = "Ihre Fahrt kann leider nicht stattfinden. Bitte rufen Sie uns an – wir suchen mit Ihnen eine andere Fahrt.";

function phoneLink(phone) {
  if (!phone) return `<span class="muted">keine Telefonnummer</span>`;
  const dial = String(phone).replace(/[^0-9+]/g, "");
  return `<a href="tel:${esc(dial)}">${esc(phone)}</a>`;
}

function hhmm(iso, addMinutes = 0) {
  const p = localParts(new Date(new Date(iso).getTime() + addMinutes * 60000).toISOString());
  return { date: p.date, time: p.time };
}

function vehicleOptions(vehicles) {
  return `<option value="">beliebigem Fahrzeug</option>` + vehicles.filter((v) => v.in_service !== false)
    .map((v) => `<option value="${esc(v.id)}">${esc(shortName(v))}</option>`).join("");
}

function item(p, vehicles) {
  const options = vehicleOptions(vehicles);
  const when = p.pickup_window ? `${day(p.pickup_window.earliest)}, ${window_(p.pickup_window.earliest, p.pickup_window.latest)}` : "–";
  const later = p.pickup_window ? hhmm(p.pickup_window.earliest, 30) : { date: "", time: "" };
  const who = `${esc(p.rider_name || "Fahrgast ohne Namen")}${p.rider_kind === "phone" ? ' <span class="muted">(Telefonkunde)</span>' : ""}`;
  const id = p.id;
  return `<li class="problem" data-problem-id="${id}" data-booking-id="${esc(p.booking_id)}">
    <p class="problem-head"><strong>Fahrt fällt aus</strong> <span class="muted" title="${esc(p.vehicle_name || "")}">${esc(shortName({ id: p.vehicle_id, name: p.vehicle_name }))}</span></p>
    <p class="problem-who">${who} · ${phoneLink(p.rider_phone)}</p>
    <p>Abholung <strong>${esc(when)}</strong>${p.pickup_passed ? ' <span class="badge badge-late">vorbei</span>' : ""}<br>
      ${esc(p.pickup_stop_name || "")} → ${esc(p.dropoff_stop_name || "")}${p.passengers > 1 ? ` · ${p.passengers} Personen` : ""}${p.wheelchairs ? " · Rollstuhl" : ""}</p>
    <p class="problem-reason">Grund: ${esc(p.reason)}</p>
    <div class="problem-actions">
      <button type="button" class="btn btn-small" data-act="called">Angerufen<span class="sr-only"> (${esc(p.rider_name || "")})</span></button>
      <details><summary class="btn btn-small">Neu buchen</summary>
        ${p.pickup_passed ? "" : `<form data-act="rebook-vehicle" class="problem-form">
          <label for="pv-${id}">Im zugesagten Zeitfenster auf</label>
          <select id="pv-${id}" name="vehicle">${options}</select>
          <button type="submit" class="btn btn-small btn-primary">Buchen</button></form>`}
        <form data-act="rebook-time" class="problem-form" data-date="${esc(later.date)}">
          <label for="pt-${id}">Neue Abfahrtszeit</label>
          <input id="pt-${id}" name="time" type="time" step="300" value="${esc(later.time)}" required>
          <button type="submit" class="btn btn-small btn-primary">Zu dieser Zeit buchen</button></form>
      </details>
      <details><summary class="btn btn-small btn-danger">Absagen</summary>
        <form data-act="cancel" class="problem-form">
          <label for="pm-${id}">Nachricht an den Fahrgast</label>
          <textarea id="pm-${id}" name="message" rows="3" maxlength="500" required>${esc(DEFAULT_MESSAGE)}</textarea>
          <button type="submit" class="btn btn-small btn-danger">Absagen und benachrichtigen</button></form>
      </details>
    </div>
    <p class="problem-result" role="status"></p>
  </li>`;
}

export class ProblemList {
  constructor(list, count, { refresh }) {
    this.list = list;
    this.count = count;
    this.refresh = refresh;
    this.signature = "";
    this.waiting = null;
    this.readUntil = 0;  // after an action its result line stays this long before the list is redrawn
    list.addEventListener("click", (e) => this.click(e));
    list.addEventListener("submit", (e) => this.submit(e));
    list.addEventListener("focusout", () => setTimeout(() => this.flush(), 0));
  }

  busy() {
    return Date.now() < this.readUntil || this.list.contains(document.activeElement)
      || Boolean(this.list.querySelector("details[open]"));
  }

  render(problems, vehicles) {
    this.count.textContent = String(problems.length);
    this.count.classList.toggle("badge-late", problems.length > 0);
    const signature = JSON.stringify([problems, vehicles.map((v) => [v.id, v.in_service])]);
    if (signature === this.signature) return;
    if (this.busy()) {  // being worked on: only the vehicles to choose from follow at once
      this.waiting = [problems, vehicles];
      const options = vehicleOptions(vehicles);
      for (const select of this.list.querySelectorAll("select[name=vehicle]")) {
        const chosen = select.value;
        select.innerHTML = options;
        select.value = [...select.options].some((o) => o.value === chosen) ? chosen : "";
      }
      return;
    }
    this.signature = signature;
    this.waiting = null;
    this.list.innerHTML = problems.length ? problems.map((p) => item(p, vehicles)).join("")
      : `<li class="muted">Keine offenen Probleme.</li>`;
  }

  flush() {
    if (this.waiting && !this.busy()) this.render(...this.waiting);
  }

  say(li, text, ok) {
    const out = li.querySelector(".problem-result");
    out.className = `problem-result ${ok ? "success-line" : "error"}`;
    out.textContent = text;
  }

  async act(li, path, body, done) {
    const buttons = li.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const result = await api(`/dispatch/problems/${li.dataset.problemId}/${path}`, { method: "POST", json: body });
      this.say(li, done(result), true);
      li.classList.add("done");
      this.readUntil = Date.now() + 1400;  // a live update meanwhile must not redraw the line away at once
      document.activeElement?.blur?.();
      li.querySelectorAll("details[open]").forEach((d) => { d.open = false; });
      setTimeout(() => this.refresh(), 1500);  // the message is read first
    } catch (err) {
      this.say(li, err.message, false);
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  click(e) {
    const button = e.target.closest("button[data-act=called]");
    if (!button) return;
    const li = button.closest(".problem");
    this.act(li, "called", {}, () => "Als angerufen vermerkt – Problem erledigt.");
  }

  submit(e) {
    const form = e.target.closest("form[data-act]");
    if (!form) return;
    e.preventDefault();
    const li = form.closest(".problem");
    const act = form.dataset.act;
    if (act === "rebook-vehicle") {
      const vehicle = form.elements.vehicle.value;
      this.act(li, "rebook", vehicle ? { vehicle_id: vehicle } : {}, (r) => booked(r));
    } else if (act === "rebook-time") {
      const t = form.elements.time.value;
      if (!t) return this.say(li, "Bitte eine Uhrzeit angeben.", false);
      this.act(li, "rebook", { departure: berlinIso(form.dataset.date, t) }, (r) => booked(r));
    } else if (act === "cancel") {
      const message = form.elements.message.value.trim();
      if (!message) return this.say(li, "Bitte eine Nachricht an den Fahrgast eingeben.", false);
      this.act(li, "cancel", { message }, () => "Abgesagt – der Fahrgast wurde benachrichtigt.");
    }
    return undefined;
  }
}

function booked(result) {
  const b = result.booking;
  const w = b.pickup_window;
  return `Neu gebucht: ${shortName({ id: b.vehicle_id, name: b.vehicle_name })}, Abholung ${day(w.earliest)} ${time(w.earliest)}–${time(w.latest)} Uhr.`;
}
