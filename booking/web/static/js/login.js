// Login per role with the booking service's token endpoint; residents may register themselves.
import { api, HOME_BY_ROLE, saveSession } from "./api.js";

const $ = (id) => document.getElementById(id);

function target(role) {
  const next = new URLSearchParams(location.search).get("next");
  const home = HOME_BY_ROLE[role] || "/";
  // Only follow a local path that belongs to the role; never an outside address.
  if (next && next.startsWith("/") && !next.startsWith("//") && next === home) return next;
  return home;
}

async function signIn(username, password) {
  const token = await api("/auth/token", { method: "POST", form: { username, password, grant_type: "password" }, auth: false });
  saveSession({ ...token, username: token.display_name || token.username || username });
  location.assign(target(token.role));
}

function showError(id, err) {
  const el = $(id);
  el.textContent = err.message;
  el.hidden = false;
}

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("login-error").hidden = true;
  try {
    await signIn($("login-user").value.trim(), $("login-password").value);
  } catch (err) {
    showError("login-error", err.status === 401 || err.status === 400 ? { message: "Benutzername oder Passwort stimmen nicht." } : err);
    $("login-password").focus();
  }
});

$("register-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("register-error").hidden = true;
  const username = $("reg-user").value.trim();
  const password = $("reg-password").value;
  try {
    await api("/auth/register", {
      method: "POST",
      auth: false,
      json: { username, password, display_name: $("reg-name").value.trim() || null, phone: $("reg-phone").value.trim() || null },
    });
    await signIn(username, password);
  } catch (err) {
    showError("register-error", err);
  }
});
