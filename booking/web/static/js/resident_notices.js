// Resident page: what the rider is told about their rides (lost, moved, delayed) — live over the rider's stream, kept
// at the top of the page until read — and how they want to be told besides (e-mail, SMS, the page only).
import { api, ApiError, streamEvents } from "./api.js";
import * as fmt from "./format.js";

const $ = (id) => document.getElementById(id);
const state = { notices: new Map(), phone: null };
const CHANNEL_DONE = { email: "per E-Mail", sms: "per SMS" };

// Load notices and the rider's choice, follow the live stream; resolves to the Leitstelle's phone number.
export async function initNotices({ onNotice = () => {} } = {}) {
  $("notices").addEventListener("click", onNoticeClick);
  $("notify-form").addEventListener("submit", (e) => { e.preventDefault(); savePreferences(); });
  $("notify-form").addEventListener("change", (e) => { if (e.target.name === "channel") showChannelFields(); });
  $("notify-form").addEventListener("input", () => { state.touched = true; });  // never overwrite what was chosen
  streamEvents("/me/stream", (type, data) => {
    if (type !== "rider_notice" || !data.notice) return;
    addNotice(data.notice, { live: true });
    onNotice(data);
  });
  await Promise.all([loadNotices(), loadPreferences()]);
  return state.phone;
}

async function loadNotices() {
  let list;
  try {
    list = await api("/me/notices?limit=20");
  } catch {
    return;
  }
  for (const n of list.slice().reverse()) addNotice(n, { live: false });
}

function paragraphs(text) {
  return String(text || "").split(/\n\n+/).map((p) => `<p>${fmt.esc(p)}</p>`).join("");
}

function telLink(phone) {
  if (!phone) return "";
  return `<a class="btn btn-secondary" href="tel:${fmt.esc(String(phone).replace(/[^0-9+]/g, ""))}">Leitstelle anrufen: ${fmt.esc(phone)}</a>`;
}

function deliveryNote(n) {
  if (n.channel === "none" || n.status === "page_only") return "Nur hier auf der Seite.";
  const how = CHANNEL_DONE[n.channel] || n.channel;
  return n.status === "sent" ? `Auch ${how} geschickt.` : `Wird auch ${how} geschickt.`;
}

// Show a notice (newest first); a live one is announced, and brought into view unless the person is typing.
function addNotice(n, { live }) {
  if (!n || n.id === undefined) return;
  state.notices.set(String(n.booking_id || n.id) + ":" + n.kind, n);
  if (n.seen) return;
  const card = $("notices-card");
  const list = $("notices");
  list.querySelector(`[data-notice-id="${CSS.escape(String(n.id))}"]`)?.remove();
  list.insertAdjacentHTML("afterbegin", `
    <li class="notice notice-${fmt.esc(n.kind)}" data-notice-id="${fmt.esc(String(n.id))}" data-booking-id="${fmt.esc(n.booking_id || "")}">
      <h3>${fmt.esc(n.subject)}</h3>
      ${paragraphs(n.body)}
      <p class="hint">${fmt.esc(n.created_label || fmt.dayTime(n.created_at))} · ${fmt.esc(deliveryNote(n))}</p>
      <div class="button-row">${telLink(state.phone)}
        <button type="button" class="btn btn-quiet" data-action="seen" data-id="${fmt.esc(String(n.id))}">Gelesen<span class="sr-only">: ${fmt.esc(n.subject)}</span></button>
      </div>
    </li>`);
  card.hidden = false;
  if (!live) return;
  $("notice-live").textContent = `${n.subject}. ${String(n.body || "").split("\n")[0]}`;
  const typing = document.activeElement && ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
  if (!typing) {
    card.scrollIntoView({ block: "start" });
    $("nachrichten-titel").focus({ preventScroll: true });
  }
}

async function onNoticeClick(e) {
  const button = e.target.closest("button[data-action=seen]");
  if (!button) return;
  button.disabled = true;
  try {
    await api(`/me/notices/${encodeURIComponent(button.dataset.id)}/seen`, { method: "POST" });
  } catch {
    button.disabled = false;
    return;
  }
  button.closest("li").remove();
  if (!$("notices").children.length) $("notices-card").hidden = true;
}

// The reason of a lost ride under the booking, in the rider's words (from its notice).
export function lostNote(booking, phone) {
  const n = state.notices.get(`${booking.id}:lost`);
  const reason = n ? (String(n.body).split(/\n\n+/).find((p) => p.startsWith("Grund:")) || "") : "";
  const why = reason || "Diese Fahrt kann leider nicht stattfinden.";
  const call = phone ? ` Fragen? Leitstelle: <a href="tel:${fmt.esc(String(phone).replace(/[^0-9+]/g, ""))}">${fmt.esc(phone)}</a>.` : "";
  return `<p class="lost-note">${fmt.esc(why)} Sie zahlen dafür nichts.${call}</p>`;
}

// -- how the rider wants to be told --------------------------------------------------------------------------
async function loadPreferences() {
  let prefs;
  try {
    prefs = await api("/me/notifications");
  } catch {
    return;
  }
  state.phone = prefs.control_room_phone || state.phone;
  const offered = new Set(prefs.channels || []);
  const keep = state.touched;  // the rider began to choose before the stored choice arrived
  for (const input of document.querySelectorAll("#notify-form input[name=channel]")) {
    if (!keep) input.checked = input.value === prefs.channel;
    input.disabled = input.value !== "none" && !offered.has(input.value);
    const label = input.closest("label");
    label.classList.toggle("unavailable", input.disabled);
    if (input.disabled && !label.querySelector(".option-note")) {
      label.insertAdjacentHTML("beforeend", ` <span class="option-note">(hier nicht eingerichtet)</span>`);
    }
  }
  if (!$("notify-email").value) $("notify-email").value = prefs.email || "";
  if (!$("notify-phone").value) $("notify-phone").value = prefs.phone || "";
  showChannelFields();
}

function chosenChannel() {
  return (document.querySelector("#notify-form input[name=channel]:checked") || {}).value || "none";
}

function showChannelFields() {
  const channel = chosenChannel();
  $("notify-email-field").hidden = channel !== "email";
  $("notify-phone-field").hidden = channel !== "sms";
}

async function savePreferences() {
  const status = $("notify-status");
  const channel = chosenChannel();
  const body = { channel, email: $("notify-email").value.trim() || null, phone: $("notify-phone").value.trim() || null };
  for (const id of ["notify-email", "notify-phone"]) $(id).removeAttribute("aria-invalid");
  status.classList.remove("error");
  try {
    const saved = await api("/me/notifications", { method: "PUT", json: body });
    const where = saved.channel === "email" ? ` per E-Mail an ${saved.email}`
      : saved.channel === "sms" ? ` per SMS an ${saved.phone}` : " nur hier auf der Seite";
    status.textContent = `Gespeichert: Nachrichten zu Ihren Fahrten kommen${where}.`;
  } catch (err) {
    const field = err instanceof ApiError ? err.problem.field : null;
    const input = field === "email" ? $("notify-email") : field === "phone" ? $("notify-phone") : null;
    status.textContent = err.message;
    status.classList.add("error");
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }
}
