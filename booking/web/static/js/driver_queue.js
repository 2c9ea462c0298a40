// Driver events made while the connection is gone: kept on the phone (localStorage) with the time they happened and
// a key of their own, sent in order when the connection is back. The server takes the original time and applies an
// event only once per key, so a resend after a lost answer is harmless. The page goes on meanwhile: the manifest
// shown is updated on the phone the way the server will (arrived, boarded, dropped off …) until it answers again.
import { api, ApiError, idempotencyKey } from "./api.js";

const KEY = "salzland.driver.outbox";

export class EventQueue {
  constructor({ owner, onChange = () => {}, onRefused = () => {}, onSent = () => {} }) {
    this.key = `${KEY}.${owner}`;
    this.onChange = onChange;
    this.onRefused = onRefused;
    this.onSent = onSent;
    this.flushing = null;
    window.addEventListener("online", () => this.flush());
    setInterval(() => this.flush(), 15000);
  }

  items() {
    try {
      return JSON.parse(localStorage.getItem(this.key) || "[]");
    } catch {
      return [];
    }
  }

  save(items) {
    localStorage.setItem(this.key, JSON.stringify(items));
    this.onChange(items);
  }

  get size() {
    return this.items().length;
  }

  // Send one event now (after those still waiting); resolves to the server's answer, or null when it was queued.
  // A refusal by the server (4xx) is thrown as before; only a missing connection queues.
  async send(body, at) {
    const event = { ...body, at, event_id: idempotencyKey() };
    if (this.size) {
      this.save([...this.items(), event]);
      await this.flush();
      return null;
    }
    try {
      return await api("/driver/events", { method: "POST", json: event });
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 0) throw err;
      this.save([...this.items(), event]);
      return null;
    }
  }

  // Send what waits, oldest first; stops at the first missing connection; a refused event is dropped and reported.
  flush() {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      let last = null;
      for (;;) {
        const [next] = this.items();
        if (!next) break;
        try {
          last = await api("/driver/events", { method: "POST", json: next });
        } catch (err) {
          if (err instanceof ApiError && err.status === 0) break;  // still offline: try again later
          this.onRefused(next, err);
        }
        this.save(this.items().filter((e) => e.event_id !== next.event_id));
      }
      if (last) this.onSent(last);
      return last;
    })().finally(() => { this.flushing = null; });
    return this.flushing;
  }
}

// The manifest as it will be once the server has `event` (so the driver can go on without a connection).
export function applyLocally(m, event) {
  const copy = structuredClone(m);
  copy.now = event.at;  // the page's clock runs on from the time of the event
  const d = copy.duty;
  const stop = copy.stops.find((s) => s.stop_id === event.stop_id) || copy.stops[0];
  const drop = (list) => list.filter((p) => p.booking_id !== event.booking_id);
  const actions = new Set(copy.actions);
  switch (event.type) {
    case "duty_begin":
      if (d) d.status = "under_way";
      actions.delete("duty_begin");
      if (d && d.end_from && Date.parse(event.at) >= Date.parse(d.end_from) && !copy.stops.some((s) => s.kind !== "break")) actions.add("duty_end");
      break;
    case "duty_end": if (d) d.status = "ended"; copy.stops = []; actions.clear(); break;
    case "break_begin": if (d) d.on_break_since = event.at; actions.delete("break_begin"); actions.add("break_end"); break;
    case "break_end":
      if (d) d.on_break_since = null;
      copy.stops = copy.stops.filter((s) => s.kind !== "break" || s !== copy.stops[0]);
      actions.delete("break_end");
      break;
    case "arrived": if (stop) stop.status = "arrived"; break;
    case "boarded":
      for (const s of copy.stops) for (const p of s.alight) if (p.booking_id === event.booking_id) p.state = "STARTED";
      if (stop) stop.board = drop(stop.board);
      break;
    case "no_show":
      for (const s of copy.stops) { s.board = drop(s.board); s.alight = drop(s.alight); }
      break;
    case "dropped_off": if (stop) stop.alight = drop(stop.alight); break;
    default: break;
  }
  copy.actions = [...actions];
  // a stop the vehicle has reached with nobody left to board or alight is done
  copy.stops = copy.stops.filter((s) => s.kind === "break" || s.status !== "arrived" || s.board.length || s.alight.length);
  return copy;
}
