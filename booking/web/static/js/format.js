// German formatting of times, dates, money and distances (Europe/Berlin).
const TZ = "Europe/Berlin";
const timeFmt = new Intl.DateTimeFormat("de-DE", { timeZone: TZ, hour: "2-digit", minute: "2-digit" });
const dateFmt = new Intl.DateTimeFormat("de-DE", { timeZone: TZ, weekday: "short", day: "numeric", month: "numeric" });
const money = new Intl.NumberFormat("de-DE", { style: "currency", currency: "EUR" });

export function time(iso) {
  return iso ? timeFmt.format(new Date(iso)) : "–";
}

export function day(iso) {
  return iso ? dateFmt.format(new Date(iso)) : "–";
}

export function dayTime(iso) {
  return iso ? `${day(iso)}, ${time(iso)} Uhr` : "–";
}

export function window_(earliest, latest) {
  return `${time(earliest)}–${time(latest)} Uhr`;
}

export function euro(cents) {
  return typeof cents === "number" ? money.format(cents / 100) : "–";
}

export function metres(m) {
  if (typeof m !== "number") return "–";
  return m >= 1000 ? `${(m / 1000).toLocaleString("de-DE", { maximumFractionDigits: 1 })} km` : `${Math.round(m)} m`;
}

export function minutes(seconds) {
  return `${Math.max(0, Math.round(seconds / 60))} min`;
}

export const STATE_LABEL = {
  NEW: "neu",
  PENDING: "reserviert",
  CONFIRMED: "gebucht",
  STARTED: "unterwegs",
  FINISHED: "abgeschlossen",
  REJECTED: "abgelehnt",
  EXPIRED: "abgelaufen",
  CANCELLED: "storniert",
};

export function state(value) {
  return STATE_LABEL[value] || value || "–";
}

const partsFmt = new Intl.DateTimeFormat("en-CA", {
  timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

function berlinParts(d) {
  return Object.fromEntries(partsFmt.formatToParts(d).map((p) => [p.type, p.value]));
}

// Berlin local date ("2026-05-04") and time ("09:35"): `minutesAhead` from now, rounded up to 5 minutes.
export function localDateTime(minutesAhead) {
  const step = 5 * 60000;
  const p = berlinParts(new Date(Math.ceil((Date.now() + minutesAhead * 60000) / step) * step));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

// Berlin local date ("2026-05-04") and time ("09:35") of an ISO instant, for date and time inputs.
export function localParts(iso) {
  const p = berlinParts(new Date(iso));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

// Offset of Berlin from UTC (minutes) at instant `d`.
function offsetMinutes(d) {
  const p = berlinParts(d);
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute);
  return Math.round((asUtc - Math.floor(d.getTime() / 60000) * 60000) / 60000);
}

// "2026-05-04" + "09:30" in Berlin local time → ISO 8601 with the right UTC offset.
export function berlinIso(date, hhmm) {
  const naive = new Date(`${date}T${hhmm}:00Z`);
  let off = offsetMinutes(new Date(naive.getTime() - offsetMinutes(naive) * 60000));
  off = offsetMinutes(new Date(naive.getTime() - off * 60000));
  const sign = off >= 0 ? "+" : "-";
  const abs = Math.abs(off);
  return `${date}T${hhmm}:00${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

export function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
