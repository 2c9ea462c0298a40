// The one place that talks to the booking API: bearer token, problem+json errors, Server-Sent Events.
const SESSION_KEY = "salzland.session";

export const API = document.body.dataset.api || "/api/v1";

export const HOME_BY_ROLE = { resident: "/", dispatcher: "/dispatcher", admin: "/dispatcher", driver: "/driver" };

export const ROLE_LABEL = { resident: "Fahrgast", dispatcher: "Leitstelle", admin: "Verwaltung", driver: "Fahrer" };

export function session() {
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

export function saveSession(value) {
  localStorage.setItem(SESSION_KEY, JSON.stringify(value));
}

export function logout() {
  const s = session();
  localStorage.removeItem(SESSION_KEY);
  const done = () => location.assign("/login");
  if (!s || !s.access_token) return done();
  // end the sign-in on the server too (its tokens stop working at once), then leave
  fetch(API + "/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${s.access_token}` } })
    .catch(() => null)
    .finally(done);
}

// Access tokens live 15 minutes: trade the refresh token (good once) for a new pair. One refresh at a time.
let refreshing = null;
async function refreshSession() {
  const s = session();
  if (!s || !s.refresh_token) return false;
  refreshing = refreshing || fetch(API + "/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ refresh_token: s.refresh_token }),
  }).then(async (res) => {
    if (!res.ok) return false;
    const token = await res.json();
    saveSession({ ...s, ...token, username: s.username });
    return true;
  }).catch(() => false).finally(() => { refreshing = null; });
  return refreshing;
}

function toLogin() {
  localStorage.removeItem(SESSION_KEY);
  location.assign("/login?next=" + encodeURIComponent(location.pathname));
}

// The signed-in user if they have one of `roles`; otherwise go elsewhere and return null. Fills the header.
export function requireRole(roles) {
  const s = session();
  if (s && s.access_token && !roles.includes(s.role) && HOME_BY_ROLE[s.role]) {
    location.replace(HOME_BY_ROLE[s.role]);
    return null;
  }
  if (!s || !s.access_token) {
    toLogin();
    return null;
  }
  const who = document.getElementById("who");
  if (who) who.textContent = `${s.username || "Angemeldet"} (${ROLE_LABEL[s.role] || s.role})`;
  const out = document.getElementById("logout");
  if (out) {
    out.hidden = false;
    out.addEventListener("click", logout);
  }
  return s;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `Fehler ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function problemOf(res) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return { title: res.statusText, detail: text || `Der Server antwortete mit ${res.status}.` };
  }
}

// Call the API; JSON in and out. `form` sends application/x-www-form-urlencoded instead.
export async function api(path, { method = "GET", json, form, headers = {}, auth = true } = {}) {
  const h = { Accept: "application/json, application/problem+json", ...headers };
  let body;
  if (json !== undefined) {
    h["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = new URLSearchParams(form);
  }
  let res;
  for (let attempt = 0; attempt < 2; attempt++) {
    const s = session();
    if (auth && s && s.access_token) h.Authorization = `Bearer ${s.access_token}`;
    try {
      res = await fetch(API + path, { method, headers: h, body });
    } catch {
      throw new ApiError(0, { detail: "Keine Verbindung zum Server. Bitte später erneut versuchen." });
    }
    if (!(res.status === 401 && auth && attempt === 0 && (await refreshSession()))) break;
  }
  if (res.status === 401 && auth) {
    toLogin();
    throw new ApiError(401, { detail: "Bitte melden Sie sich erneut an." });
  }
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  if (res.status === 204) return null;
  const type = res.headers.get("Content-Type") || "";
  return type.includes("json") ? res.json() : res.text();
}

// A fresh key per user action, so a retried POST books once.
export function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

// Read a Server-Sent Events stream with the bearer token (EventSource cannot send headers); reconnects.
export function streamEvents(path, onEvent, onState = () => {}) {
  let stopped = false;
  let controller = null;

  async function once() {
    controller = new AbortController();
    const s = session();
    const res = await fetch(API + path, {
      headers: { Accept: "text/event-stream", Authorization: `Bearer ${s ? s.access_token : ""}` },
      signal: controller.signal,
      cache: "no-store",
    });
    if (res.status === 401) {
      if (await refreshSession()) throw new Error("token refreshed"); // reconnects with the new token
      return toLogin();
    }
    if (!res.ok || !res.body) throw new Error(`stream ${res.status}`);
    onState("open");
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        dispatchBlock(block, onEvent);
      }
    }
  }

  async function loop() {
    while (!stopped) {
      try {
        await once();
      } catch (err) {
        if (stopped) return;
      }
      if (stopped) return;
      onState("closed");
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  loop();
  return {
    close() {
      stopped = true;
      if (controller) controller.abort();
    },
  };
}

function dispatchBlock(block, onEvent) {
  let type = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length && type === "message") return;
  let payload = data.join("\n");
  try {
    payload = JSON.parse(payload);
  } catch {
    /* plain text payload */
  }
  onEvent(type, payload);
}
