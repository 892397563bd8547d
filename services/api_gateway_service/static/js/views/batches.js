// "My batches": the teacher's batches, newest first, with statuses that follow live updates.

import { get } from "../api.js";
import { el, focusHeading, replace } from "../dom.js";
import { chip, errorText, when } from "../format.js";
import { t } from "../i18n.js";
import { subscribe } from "../live.js";

export function renderBatches(main) {
  const body = el("div", { class: "loading", "aria-busy": "true" });
  replace(main, el("section", { class: "card" },
    el("div", { class: "heading-row" },
      el("h1", {}, t("batches_title")),
      el("a", { class: "button", href: "#/new" }, t("nav_new_batch"))),
    body));
  focusHeading(main);
  const chips = new Map();

  async function load() {
    try {
      const { batches } = await get("/v1/batches");
      body.removeAttribute("aria-busy");
      chips.clear();
      if (!batches.length) {
        replace(body, el("p", {}, t("no_batches")));
        return;
      }
      const rows = batches.map((batch) => {
        const cell = el("td", {}, chip(batch.status));
        chips.set(batch.batch_id, cell);
        return el("tr", { dataset: { batchId: batch.batch_id } },
          el("td", {}, el("a", { href: `#/batches/${batch.batch_id}` },
            `${batch.course_code} · ${batch.class_designation}`)),
          el("td", {}, String(batch.expected_essay_count)),
          cell,
          el("td", {}, when(batch.created_at)));
      });
      replace(body, el("div", { class: "table-scroll" }, el("table", { class: "list" },
        el("caption", { class: "visually-hidden" }, t("batches_title")),
        el("thead", {}, el("tr", {},
          [t("course"), t("essays"), t("status"), t("created")].map((label) =>
            el("th", { scope: "col" }, label)))),
        el("tbody", {}, rows))));
    } catch (error) {
      body.removeAttribute("aria-busy");
      replace(body, el("p", { class: "message", role: "alert" }, errorText(error)));
    }
  }

  const unsubscribe = subscribe((message) => {
    if (message.type === "resync") return load();
    const cell = chips.get(message.batch_id);
    if (!cell) {
      if (message.type === "batch_progress") load(); // a batch from another tab
      return;
    }
    if (message.type === "batch_progress" || message.type === "batch_completed") {
      replace(cell, chip(message.status));
    }
  });
  load();
  return unsubscribe;
}
