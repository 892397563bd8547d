// The teacher web app: a hash router over a few views, the live connection and the header.
// Views read the REST API and follow live updates; nothing is ever parsed as HTML.

import { onUnauthorized, setToken, token } from "./api.js";
import { setLanguage, currentLanguage, t, translateStatic } from "./i18n.js";
import * as live from "./live.js";
import { renderBatch } from "./views/batch.js";
import { renderBatches } from "./views/batches.js";
import { renderEssay } from "./views/essay.js";
import { renderLogin, renderRegister } from "./views/login.js";
import { renderNewBatch } from "./views/new_batch.js";

const main = document.getElementById("main");
let leaveView = null;
let notice = "";

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function logOut(message = "") {
  setToken(null);
  live.disconnect();
  notice = message;
  go("#/login");
}

function showHeader(loggedIn) {
  document.getElementById("nav").hidden = !loggedIn;
  document.getElementById("logout").hidden = !loggedIn;
  document.getElementById("live-indicator").hidden = !loggedIn;
}

function route() {
  if (leaveView) leaveView();
  leaveView = null;
  const hash = location.hash || "#/batches";
  const loggedIn = Boolean(token());
  showHeader(loggedIn);
  if (hash === "#/register") {
    renderRegister(main, { onRegistered: (message) => { notice = message; go("#/login"); } });
    return;
  }
  if (!loggedIn || hash === "#/login") {
    if (loggedIn) return go("#/batches");
    renderLogin(main, { notice, onLoggedIn: () => { notice = ""; startLive(); go("#/batches"); } });
    notice = "";
    return;
  }
  const batch = hash.match(/^#\/batches\/([\w.:-]+)$/);
  const essay = hash.match(/^#\/essays\/([\w.:-]+)$/);
  if (batch) leaveView = renderBatch(main, batch[1], { onDeleted: () => go("#/batches") });
  else if (essay) leaveView = renderEssay(main, essay[1]);
  else if (hash === "#/new") renderNewBatch(main, { onCreated: (id) => go(`#/batches/${id}`) });
  else leaveView = renderBatches(main);
}

function startLive() {
  live.connect(token(), () => logOut(t("session_expired")));
}

function init() {
  const picker = document.getElementById("language");
  picker.value = currentLanguage();
  picker.addEventListener("change", () => {
    setLanguage(picker.value);
    route(); // redraw the current view in the new language
  });
  document.getElementById("logout").addEventListener("click", () => logOut());
  live.onConnectionChange((isLive) => {
    const indicator = document.getElementById("live-indicator");
    indicator.textContent = isLive ? t("live_on") : t("live_off");
    indicator.classList.toggle("on", isLive);
  });
  onUnauthorized(() => logOut(t("session_expired")));
  translateStatic();
  window.addEventListener("hashchange", route);
  if (token()) startLive();
  route();
}

init();
