// Log in (and, for a teacher without an account, register).

import { api, setToken } from "../api.js";
import { el, focusHeading, replace } from "../dom.js";
import { errorText } from "../format.js";
import { t } from "../i18n.js";

function field(id, label, attributes, hint) {
  const hintId = hint ? `${id}-hint` : undefined;
  return el("div", { class: "field" },
    el("label", { for: id }, label),
    el("input", { id, name: id, required: true, "aria-describedby": hintId, ...attributes }),
    hint ? el("p", { class: "hint", id: hintId }, hint) : null);
}

export function renderLogin(main, { onLoggedIn, notice }) {
  const message = el("p", { class: "message", role: "alert" }, notice || "");
  const form = el("form", { class: "card narrow", novalidate: false },
    el("h1", {}, t("login_title")),
    message,
    field("email", t("email"), { type: "email", autocomplete: "username" }),
    field("password", t("password"), { type: "password", autocomplete: "current-password" }),
    el("button", { type: "submit" }, t("log_in")),
    el("p", {}, el("a", { href: "#/register" }, t("create_account"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    try {
      const answer = await api("POST", "/v1/auth/login", {
        anonymous: true,
        json: { email: form.email.value.trim(), password: form.password.value },
      });
      setToken(answer.access_token);
      onLoggedIn();
    } catch (error) {
      message.textContent = error.status === 401 ? t("login_failed") : errorText(error);
      form.password.focus();
    }
  });
  replace(main, form);
  focusHeading(main);
}

export function renderRegister(main, { onRegistered }) {
  const message = el("p", { class: "message", role: "alert" });
  const form = el("form", { class: "card narrow" },
    el("h1", {}, t("register_title")),
    message,
    field("name", t("name"), { type: "text", autocomplete: "name", maxlength: 200 }),
    field("email", t("email"), { type: "email", autocomplete: "username" }),
    field("password", t("password"),
      { type: "password", autocomplete: "new-password", minlength: 10 }, t("password_hint")),
    el("button", { type: "submit" }, t("register")),
    el("p", {}, el("a", { href: "#/login" }, t("have_account"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    try {
      await api("POST", "/v1/auth/register", {
        anonymous: true,
        json: {
          name: form.name.value.trim(), email: form.email.value.trim(),
          password: form.password.value,
        },
      });
      onRegistered(t("registered"));
    } catch (error) {
      message.textContent = errorText(error);
    }
  });
  replace(main, form);
  focusHeading(main);
}
