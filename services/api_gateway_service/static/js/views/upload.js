// Uploading essays: drop several files (or choose them); each file's outcome is listed.

import { api } from "../api.js";
import { announce, el } from "../dom.js";
import { errorText } from "../format.js";
import { t } from "../i18n.js";

function outcome(kind, fileName, reason) {
  return el("li", { class: `upload-result ${kind}`, dataset: { outcome: kind } },
    el("span", { class: "file-name" }, fileName), " — ", el("strong", {}, t(kind)),
    reason ? `: ${reason}` : "");
}

export function uploadSection(batchId, onUploaded) {
  const input = el("input", {
    type: "file", id: "upload-files", multiple: true, class: "visually-hidden",
    accept: ".txt,.docx,.pdf,text/plain,application/pdf,"
      + "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  });
  const status = el("p", { role: "status", class: "upload-status" });
  const results = el("ul", { class: "upload-results", "aria-label": t("upload_title") });
  const zone = el("div", { class: "drop-zone" },
    el("p", {}, t("upload_help")),
    el("label", { for: "upload-files", class: "button" }, t("choose_files")),
    input);
  const node = el("section", { class: "card", "aria-labelledby": "upload-title", hidden: true },
    el("h2", { id: "upload-title" }, t("upload_title")), zone, status, results);

  async function upload(files) {
    if (!files.length) return;
    const form = new FormData();
    form.append("batch_id", batchId);
    for (const file of files) form.append("files", file, file.name);
    status.textContent = t("uploading", { count: files.length });
    zone.classList.add("busy");
    try {
      const answer = await api("POST", "/v1/files/batch", { body: form });
      const items = [
        ...answer.accepted.map((a) =>
          outcome(a.duplicate ? "duplicate" : "accepted", a.file_name)),
        ...answer.rejected.map((r) => outcome("rejected", r.file_name, r.message)),
      ];
      results.append(...items);
      status.textContent = "";
      const counts = `${answer.accepted.length} / ${answer.rejected.length}`;
      announce(`${t("accepted")} / ${t("rejected")}: ${counts}`);
      onUploaded();
    } catch (error) {
      status.textContent = error.status === 409 ? t("upload_closed")
        : t("upload_failed", { message: errorText(error) });
    } finally {
      zone.classList.remove("busy");
      input.value = "";
    }
  }

  input.addEventListener("change", () => upload([...input.files]));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    upload([...event.dataTransfer.files]);
  });
  return {
    node,
    show(visible) {
      node.hidden = !visible && results.childElementCount === 0;
      zone.hidden = !visible;
    },
  };
}

