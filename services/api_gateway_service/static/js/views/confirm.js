// A confirmation in the page's own <dialog>: modal, focus kept inside, Esc cancels.

import { t } from "../i18n.js";

export function confirmDialog(title, text, confirmLabel) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = confirmLabel;
  document.getElementById("confirm-cancel").textContent = t("cancel");
  dialog.returnValue = "cancel";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
    document.getElementById("confirm-cancel").focus();
  });
}
