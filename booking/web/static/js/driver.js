// Driver page: the current duty with its date and state, its stops with who boards and alights, and a big button
// for whatever comes next in the shift: Dienst beginnen → Angekommen → Eingestiegen / Nicht erschienen /
// Ausgestiegen → Pause beginnen / beenden → Dienst beenden. Times come from the server's clock (manifest.now).
import { api, requireRole, streamEvents } from "./api.js";
import { applyLocally, EventQueue } from "./driver_queue.js";
import * as fmt from "./format.js";

const $ = (id) => document.getElementById(id);
const state = { manifest: null, loadedAt: 0, busy: false, timer: null, wake: null, sender: null };
const CONSENT_KEY = "salzland.driver.sendPosition";
const POSITION_EVERY_MS = 20000;

const LABEL = {
  duty_begin: "Dienst beginnen",
  duty_end: "Dienst beenden",
  break_begin: "Pause beginnen",
  break_end: "Pause beenden",
  arrived: "Angekommen",
  boarded: "Eingestiegen",
  no_show: "Nicht erschienen",
  dropped_off: "Ausgestiegen",
};
const DONE = {
  duty_begin: "Dienst begonnen",
  duty_end: "Dienst beendet",
  break_begin: "Pause begonnen",
  break_end: "Pause beendet",
  arrived: "Ankunft gemeldet",
  boarded: "Eingestiegen gemeldet",
  no_show: "Nicht erschienen gemeldet",
  dropped_off: "Ausgestiegen gemeldet",
};
const DUTY_STATE = { planned: "geplant", under_way: "im Dienst", ended: "beendet" };
const DASH = "\u2060–\u2060";  // a time range never breaks at its dash
const WEEKDAYS = ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"];
const dayParts = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin", year: "numeric", month: "numeric", day: "numeric" });

function init() {
  const session = requireRole(["driver"]);
  if (!session) return;
  state.queue = new EventQueue({ owner: session.username || "fahrer", onChange: showWaiting, onRefused: refused,
    onSent: (res) => {
      $("driver-status").textContent = "Verbindung wieder da: die gespeicherten Meldungen sind übernommen.";
      $("driver-error").textContent = "";  // a failed reload while offline is over
      show(res.manifest);
    } });
  showWaiting(state.queue.items());
  for (const id of ["duty", "current", "duty-end"]) $(id).addEventListener("click", onAction);
  const consent = $("send-position");
  consent.checked = localStorage.getItem(CONSENT_KEY) === "1";
  consent.addEventListener("change", () => {
    localStorage.setItem(CONSENT_KEY, consent.checked ? "1" : "0");
    updatePosition();
  });
  load();
  // Live: the server says when this vehicle's tour changed (a new booking, a cancellation, a re-plan).
  streamEvents("/driver/stream", (type) => { if (type !== "hello") scheduleLoad(); },
    (s) => { if (s === "open") scheduleLoad(); });
  setInterval(() => { if (!state.busy) load(); }, 60000);  // safety net if the stream is cut
}

function scheduleLoad() {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => { if (!state.busy) load(); else scheduleLoad(); }, 150);
}

async function load() {
  try {
    if (state.queue && state.queue.size && await state.queue.flush()) return;  // what waits first, then the news
    show(await api("/driver/manifest"));
  } catch (err) {
    $("driver-error").textContent = err.message;
  }
}

function show(m) {
  state.manifest = m;
  state.loadedAt = Date.now();
  render(m);
  updatePosition();
  scheduleWake(m);
}

// -- time, in German and on the server's clock -------------------------------------------------------------------
function serverNow() {
  return Date.parse(state.manifest.now) + (Date.now() - state.loadedAt);
}

function dayKey(iso) {
  const p = Object.fromEntries(dayParts.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return { y: +p.year, m: +p.month, d: +p.day };
}

function shortDay(iso) {
  const { y, m, d } = dayKey(iso);
  return `${WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]}\u00a0${d}.${m}.`;  // never "Mo" alone on a line
}

function isToday(iso) {
  return shortDay(iso) === shortDay(state.manifest.now);
}

// "08:20 Uhr" today, "Di 24.11., 08:20 Uhr" on another day.
function when(iso) {
  if (!iso) return "–";
  return isToday(iso) ? `${fmt.time(iso)} Uhr` : `${shortDay(iso)}, ${fmt.time(iso)} Uhr`;
}

function span(from, to) {
  const head = isToday(from) ? "" : `${shortDay(from)}, `;
  return `${head}${fmt.time(from)}${DASH}${fmt.time(to)} Uhr`;
}

// -- rendering ---------------------------------------------------------------------------------------------------
function button(type, { enabled = true, sub = "", extra = "", data = {}, kind = "btn-primary" } = {}) {
  const attrs = Object.entries(data).map(([k, v]) => ` data-${k}="${fmt.esc(v)}"`).join("");
  return `<button type="button" class="btn btn-huge ${kind}" data-type="${type}"${attrs}${enabled ? "" : " disabled"}>`
    + `${LABEL[type]}${sub ? ` <span class="btn-sub">${fmt.esc(sub)}</span>` : ""}${extra}</button>`;
}

function render(m) {
  const duty = m.duty;
  $("duty").innerHTML = renderDuty(m);
  if (!duty) {
    $("current").innerHTML = `<p class="muted">Kein Dienst geplant.</p>`;
    $("upcoming").innerHTML = "";
    $("duty-end").innerHTML = "";
    return;
  }
  const [next, ...rest] = m.stops;
  const can = (a) => m.actions.includes(a);
  const there = next && (next.status === "arrived" || (next.kind === "break" && duty.on_break_since));
  $("naechster-titel").textContent = there ? "Jetzt" : "Nächster Halt";
  if (!next) {
    $("current").innerHTML = duty.status === "ended" ? `<p class="muted">Dienst beendet.</p>`
      : `<p class="muted">Keine weiteren Halte geplant.</p>${endButton(m)}`;
  } else {
    $("current").innerHTML = next.kind === "break" ? renderBreak(next, m) : renderStop(next, m);
  }
  $("upcoming").innerHTML = rest.length ? rest.map(upcomingItem).join("")
    : `<li class="muted">Keine weiteren Halte.</li>`;
  $("duty-end").innerHTML = next && can("duty_end") ? `<section class="card" aria-label="Dienstende">
      ${button("duty_end", { kind: "btn-end btn-block" })}</section>` : "";
}

// "Dienst beenden" with nothing left to drive: offered from half an hour before the shift ends; before that it is
// shown disabled with the time it can be pressed (an earlier end goes through the Leitstelle).
function endButton(m) {
  if (m.actions.includes("duty_end")) return button("duty_end", { kind: "btn-end btn-block" });
  const from = m.duty && m.duty.end_from;
  if (!from || m.duty.status !== "under_way" || m.duty.on_break_since) return "";
  return button("duty_end", { enabled: false, sub: `ab ${when(from)}`, kind: "btn-end btn-block" });
}

function renderDuty(m) {
  const d = m.duty;
  const title = $("dienst-titel");
  const vehicle = m.vehicle_name || m.vehicle_id || "";
  title.textContent = d ? d.label.replace(/ (\d+\.\d+\.)$/, "\u00a0$1") : "Kein Dienst geplant";
  title.dataset.dutyId = d ? d.id : "";
  $("vehicle-line").textContent = !d ? vehicle
    : `${vehicle} · Schicht ${shortDay(d.start)}, ${fmt.time(d.start)}${DASH}${fmt.time(d.end)} Uhr · Depot ${d.depot.name}`;
  if (!d) return "";
  const stateWord = d.on_break_since ? "in Pause" : DUTY_STATE[d.status] || d.status;
  const parts = [
    `<p><span class="badge duty-state duty-${fmt.esc(d.status)}">${fmt.esc(stateWord)}</span>`
      + `${d.in_service ? "" : ` <span class="badge badge-warn">außer Dienst</span>`}`
      + `${m.overdue ? ` <span class="badge badge-overdue">${m.overdue} überfällig</span>` : ""}</p>`,
  ];
  if (d.status === "planned") {
    const ok = m.actions.includes("duty_begin");
    parts.push(button("duty_begin", { enabled: ok, sub: ok ? "" : `ab ${when(d.begin_from)}`, kind: "btn-primary btn-block" }));
  }
  return parts.join("");
}

const NOT_BEGUN = `<p class="hint not-begun">Erst oben „Dienst beginnen“, dann hier melden.</p>`;

function overdueBadge(s) {
  return s.overdue ? ` <span class="badge badge-overdue">überfällig</span>` : "";
}

function renderBreak(s, m) {
  const d = m.duty;
  const b = s.break;
  const can = (a) => m.actions.includes(a);
  if (d.on_break_since) {
    return `<p class="stop-name">Pause</p>
      <p class="stop-time">seit ${when(d.on_break_since)} · ${b.minutes} min</p>
      ${button("break_end", { enabled: can("break_end"), sub: `geplant bis ${fmt.time(b.planned_end)} Uhr`, kind: "btn-primary btn-block" })}`;
  }
  const head = `<p class="stop-name">Pause <span class="muted">(${b.minutes} min)</span></p>
    <p class="stop-time">geplant ${span(b.planned_start, b.planned_end)} · ${fmt.esc(s.place)}</p>`;
  if (d.status === "planned") return `${head}${NOT_BEGUN}`;
  const early = serverNow() < Date.parse(b.begin_from);
  const why = can("break_begin") || early ? "" : "Erst alle Fahrgäste absetzen.";
  return `${head}
    ${button("break_begin", { enabled: can("break_begin"), sub: early ? `ab ${when(b.begin_from)}` : "", kind: "btn-primary btn-block" })}
    ${why ? `<p class="hint">${why}</p>` : ""}`;
}

function renderStop(s, m) {
  const begun = m.duty.status === "under_way";
  const arrived = s.status === "arrived";
  const here = arrived ? ` <span class="badge badge-ok">Angekommen</span>` : "";
  const head = `<p class="stop-name" data-stop-id="${fmt.esc(s.stop_id)}">${fmt.esc(s.name)}</p>
    <p class="stop-time">geplant ${when(s.planned_arrival)}${overdueBadge(s)}${here}</p>`;
  const reach = !begun ? NOT_BEGUN : arrived ? ""
    : button("arrived", { data: { stop: s.stop_id }, kind: "btn-primary btn-block" });
  const riders = (list, kind) => list.map((p) => rider(p, kind, arrived, s, begun)).join("");
  return `${head}${reach}
    ${s.alight.length ? `<h3>Aussteigen</h3><ul class="riders">${riders(s.alight, "alight")}</ul>` : ""}
    ${s.board.length ? `<h3>Einsteigen</h3><ul class="riders">${riders(s.board, "board")}</ul>` : ""}`;
}

function needs(p) {
  const n = p.passengers ?? 1;
  const parts = [`${n} ${n === 1 ? "Person" : "Personen"}`];
  if (p.wheelchairs) parts.push(`<span class="need need-wheelchair">${p.wheelchairs} × Rollstuhl</span>`);
  if (p.strollers) parts.push(`<span class="need need-stroller">${p.strollers} × Kinderwagen</span>`);
  return parts.join(" · ");
}

function rider(p, kind, arrived, stop, begun) {
  const name = p.name || "Fahrgast";
  const who = `<span class="sr-only">: ${fmt.esc(name)}</span>`;
  const data = { booking: p.booking_id, stop: stop.stop_id };
  let buttons = "";  // before the duty: who is coming, no buttons yet
  if (begun && kind === "board") {
    const noShowFrom = p.no_show_from ? Date.parse(p.no_show_from) : 0;
    const noShowOk = arrived && noShowFrom <= serverNow();
    buttons = button("boarded", { enabled: arrived, extra: who, data })
      + button("no_show", { enabled: noShowOk, sub: noShowOk || !p.no_show_from ? "" : `ab ${when(p.no_show_from)}`,
        extra: who, data, kind: "btn-danger" });
  } else if (begun) {
    buttons = button("dropped_off", { enabled: arrived && p.state === "STARTED", extra: who, data });
  }
  const slot = kind === "board" && p.window ? `<p class="rider-window">Abholfenster ${span(p.window.earliest, p.window.latest)}</p>` : "";
  return `<li class="rider" data-booking-id="${fmt.esc(p.booking_id)}">
    <p class="rider-name"><strong>${fmt.esc(name)}</strong></p>
    ${p.phone ? `<p class="rider-phone"><a href="tel:${fmt.esc(p.phone.replace(/[^0-9+]/g, ""))}">${fmt.esc(p.phone)}</a></p>` : ""}
    <p class="rider-needs">${needs(p)}</p>${slot}
    ${buttons ? `<div class="button-row">${buttons}</div>` : ""}
  </li>`;
}

function upcomingItem(s) {
  if (s.kind === "break") {
    return `<li class="upcoming-break"><strong>Pause</strong> ${span(s.break.planned_start, s.break.planned_end)}
      <span class="muted">(${s.break.minutes} min, ${fmt.esc(s.place)})</span></li>`;
  }
  const up = s.board.length;
  const down = s.alight.length;
  return `<li><strong>${when(s.planned_arrival)}</strong> ${fmt.esc(s.name)}${overdueBadge(s)}
    <span class="muted">${up ? `↑ ${up} ein` : ""}${up && down ? " · " : ""}${down ? `↓ ${down} aus` : ""}</span></li>`;
}

// Reload when something changes by time alone (a no-show after the wait, the duty or a break may begin, a break ends).
function scheduleWake(m) {
  clearTimeout(state.wake);
  const now = serverNow();
  const times = [];
  if (m.duty && m.duty.status === "planned") times.push(Date.parse(m.duty.begin_from));
  if (m.duty && m.duty.status === "under_way" && m.duty.end_from) times.push(Date.parse(m.duty.end_from));
  const first = m.stops[0];
  for (const p of (first && first.board) || []) if (p.no_show_from) times.push(Date.parse(p.no_show_from));
  if (first && first.break) times.push(Date.parse(first.break.begin_from), Date.parse(first.break.planned_end));
  const next = Math.min(...times.filter((t) => t > now));
  if (Number.isFinite(next)) state.wake = setTimeout(load, Math.min(next - now + 500, 60000));
}

// -- actions -----------------------------------------------------------------------------------------------------
async function onAction(e) {
  const target = e.target.closest("button[data-type]");
  if (!target || target.disabled || state.busy) return;
  const type = target.dataset.type;
  if (type === "no_show" && !window.confirm("Fahrgast wirklich als nicht erschienen melden?")) return;
  if (type === "duty_end" && !window.confirm("Dienst wirklich beenden?")) return;
  state.busy = true;
  target.disabled = true;
  const body = { type };
  if (target.dataset.booking) body.booking_id = target.dataset.booking;
  if (target.dataset.stop) body.stop_id = target.dataset.stop;
  if (state.manifest && state.manifest.duty) body.duty_id = state.manifest.duty.id;  // refused if ended meanwhile
  try {
    const at = new Date(serverNow()).toISOString();
    const res = await state.queue.send(body, at);  // kept on the phone and sent later when there is no connection
    $("driver-error").textContent = "";
    if (res) {
      $("driver-status").textContent = `${DONE[type]}.`;
      show(res.manifest);
    } else if (state.manifest) {
      show(applyLocally(state.manifest, { ...body, at }));
      showWaiting(state.queue.items());
    }
  } catch (err) {
    $("driver-status").textContent = "";
    $("driver-error").textContent = err.message;
    await load();
  } finally {
    state.busy = false;
  }
  const first = document.querySelector("#duty button:not([disabled]), #current button:not([disabled]), #duty-end button:not([disabled])");
  if (first) first.focus();
}

// Events waiting for the connection, in the status line; one the server refused later, in the error line.
function showWaiting(items) {
  $("driver-status").classList.toggle("status-offline", items.length > 0);
  if (!items.length) return;
  const n = items.length;
  const lastTime = fmt.time(items[n - 1].at);
  $("driver-status").textContent = `Keine Verbindung: ${n === 1 ? "1 Meldung wartet" : `${n} Meldungen warten`}`
    + ` (zuletzt „${LABEL[items[n - 1].type]}“ ${lastTime} Uhr) und ${n === 1 ? "wird" : "werden"} mit ${n === 1 ? "ihrer" : "ihren"} Uhrzeit gesendet, sobald wieder Netz da ist.`;
}

function refused(event, err) {
  $("driver-error").textContent = `Nicht übernommen: „${LABEL[event.type]}“ von ${fmt.time(event.at)} Uhr – ${err.message}`;
}

// -- position, with the driver's consent and only while on duty --------------------------------------------------
function updatePosition() {
  const m = state.manifest;
  const want = $("send-position").checked && m && m.duty && m.duty.status === "under_way" && "geolocation" in navigator;
  if (want && state.sender === null) {
    locate();
    state.sender = setInterval(locate, POSITION_EVERY_MS);
  } else if (!want && state.sender !== null) {
    clearInterval(state.sender);
    state.sender = null;
  }
  if (!want) {
    $("position-status").textContent = $("send-position").checked ? "Wird erst im Dienst gesendet." : "";
  }
}

function locate() {
  navigator.geolocation.getCurrentPosition(sendPosition, (err) => {
    $("position-status").textContent = err.code === 1 ? "Standortfreigabe im Browser verweigert."
      : "Standort derzeit nicht verfügbar.";
  }, { enableHighAccuracy: true, maximumAge: 15000, timeout: 15000 });
}

async function sendPosition(pos) {
  if (state.sender === null) return;
  const c = pos.coords;
  const body = { lon: c.longitude, lat: c.latitude };
  const optional = { accuracy_m: c.accuracy, speed_mps: c.speed, heading_deg: c.heading };
  for (const [k, v] of Object.entries(optional)) if (typeof v === "number" && Number.isFinite(v)) body[k] = v;
  try {
    await api("/driver/position", { method: "POST", json: body });
    $("position-status").textContent = "Standort wird gesendet.";
  } catch (err) {
    if (err.status === 404) return;  // the server does not take positions (yet)
    $("position-status").textContent = `Standort nicht übernommen: ${err.message}`;
  }
}

init();
