// One batch: live progress, uploads, the essays' status chips, class summary, deletion.

import { api, ApiError, get } from "../api.js";
import { announce, el, focusHeading, replace } from "../dom.js";
import { chip, errorText, summaryTable } from "../format.js";
import { statusLabel, t } from "../i18n.js";
import { subscribe } from "../live.js";
import { confirmDialog } from "./confirm.js";
import { uploadSection } from "./upload.js";

const TERMINAL = new Set(["completed", "partially_completed", "failed"]);
// Essay statuses only move forward; an update older than what REST showed is ignored.
const ESSAY_RANK = {
  ready_for_processing: 0, awaiting_spellcheck: 1, spellchecked_success: 2,
  spellcheck_failed: 2, awaiting_nlp: 3, nlp_success: 4, nlp_failed: 4,
};

// Each pipeline's progress, in the order they run (requested_pipelines is in dependency order;
// the JSON object's own key order is not).
function pipelines(state) {
  const order = state?.requested_pipelines || [];
  const rank = (name) => (order.includes(name) ? order.indexOf(name) : order.length);
  return Object.entries(state || {})
    .filter(([name, value]) => name !== "requested_pipelines" && value && value.essay_counts)
    .sort(([a], [b]) => rank(a) - rank(b));
}

function progressRow(name, detail) {
  const counts = detail.essay_counts;
  const done = counts.successful + counts.failed;
  const labelId = `progress-${name}`;
  return el("div", { class: "progress-row", dataset: { pipeline: name } },
    el("div", { class: "progress-head" },
      el("span", { id: labelId }, t(`pipeline_${name}`)), chip(detail.status)),
    el("progress", { max: Math.max(counts.total, 1), value: done, "aria-labelledby": labelId }),
    el("p", { class: "progress-text" },
      t("progress_text", { done, total: counts.total, failed: counts.failed })));
}

function essayItem(essay, index) {
  const who = essay.student_name || essay.original_file_name;
  const label = who || `${t("essay_slot", { n: index + 1 })} (${t("waiting_for_file")})`;
  const title = essay.original_file_name
    ? el("a", { href: `#/essays/${essay.essay_id}` }, label) : el("span", {}, label);
  const file = essay.student_name && essay.original_file_name
    ? el("span", { class: "muted" }, essay.original_file_name) : null;
  return el("li", { class: "essay", dataset: { essayId: essay.essay_id } },
    chip(essay.status), title, file);
}

export function renderBatch(main, batchId, { onDeleted }) {
  const state = { batch: null, essays: null };
  const header = el("div", { class: "heading-row" });
  const progress = el("div", { class: "progress", "aria-live": "polite" });
  const essays = el("ul", { class: "essays" });
  const failures = el("div");
  const summary = el("div");
  const actions = el("div", { class: "actions" });
  const message = el("p", { class: "message", role: "alert" });
  const upload = uploadSection(batchId, () => load());
  replace(main,
    el("section", { class: "card" }, header, message, actions),
    el("section", { class: "card", "aria-labelledby": "progress-title" },
      el("h2", { id: "progress-title" }, t("progress")), progress),
    upload.node,
    el("section", { class: "card", "aria-labelledby": "essays-title" },
      el("h2", { id: "essays-title" }, t("essays_title")), essays, failures),
    summary);

  function draw() {
    const { batch } = state;
    if (!batch) return;
    replace(header,
      el("h1", {}, t("batch_title", { course: batch.course_code, class: batch.class_designation })),
      el("span", { id: "batch-status" }, chip(batch.status)));
    replace(progress, pipelines(batch.pipeline_state).map(([name, d]) => progressRow(name, d)));
    upload.show(batch.status === "awaiting_content");
    drawEssays();
    drawActions();
    replace(summary, batch.class_summary
      ? el("section", { class: "card" }, summaryTable(batch.class_summary)) : null);
  }

  function drawEssays() {
    const list = state.essays ? state.essays.essays
      : (state.batch.essay_ids || []).map((id) => ({ essay_id: id, status: "" }));
    replace(essays, list.map(essayItem));
    const failed = state.essays ? state.essays.failed_uploads : [];
    replace(failures, failed.length ? [el("h3", {}, t("failed_uploads")), el("ul", {},
      failed.map((f) => el("li", {}, el("strong", {}, f.file_name), ` — ${f.message}`)))] : null);
  }

  function drawActions() {
    const { batch } = state;
    const requested = batch.pipeline_state?.requested_pipelines || [];
    const nlpLater = TERMINAL.has(batch.status) && batch.status !== "failed"
      && !requested.includes("nlp_metrics");
    replace(actions,
      nlpLater ? el("button", { type: "button", class: "secondary", onclick: runNlp },
        t("run_nlp")) : null,
      el("button", { type: "button", class: "danger", onclick: remove }, t("delete_batch")));
  }

  async function runNlp() {
    try {
      await api("POST", `/v1/batches/${batchId}/pipelines`, {
        json: { pipelines: ["nlp_metrics"] },
      });
      await load();
    } catch (error) {
      message.textContent = errorText(error);
    }
  }

  async function remove() {
    const sure = await confirmDialog(t("delete_title"), t("delete_text"), t("delete_confirm"));
    if (!sure) return;
    try {
      await api("DELETE", `/v1/batches/${batchId}`);
      announce(t("deleted"));
      onDeleted();
    } catch (error) {
      message.textContent = errorText(error);
    }
  }

  async function load() {
    try {
      const [batch, listed] = await Promise.all([
        get(`/v1/batches/${batchId}`),
        get(`/v1/batches/${batchId}/essays`).catch((error) => {
          if (error instanceof ApiError && error.status === 404) return null; // not in ELS yet
          throw error;
        }),
      ]);
      const first = state.batch === null;
      state.batch = batch;
      state.essays = listed;
      draw();
      if (first) focusHeading(main);
    } catch (error) {
      message.textContent = errorText(error);
    }
  }

  function applyEssayStatus(update) {
    const essay = state.essays?.essays.find((e) => e.essay_id === update.essay_id);
    if (!essay) return load();
    if ((ESSAY_RANK[update.status] ?? 0) < (ESSAY_RANK[essay.status] ?? 0)) return undefined;
    essay.status = update.status;
    const item = essays.querySelector(`[data-essay-id="${CSS.escape(update.essay_id)}"]`);
    if (item) item.replaceChild(chip(update.status), item.querySelector(".chip"));
    return undefined;
  }

  const unsubscribe = subscribe((update) => {
    if (update.type === "resync") return load();
    if (update.batch_id !== batchId || !state.batch) return undefined;
    if (update.type === "essay_status") return applyEssayStatus(update);
    if (update.type === "batch_progress") {
      const before = state.batch.status;
      state.batch.status = update.status;
      state.batch.pipeline_state = update.pipeline_state;
      draw();
      if (before !== update.status) {
        announce(t("status_announce", { status: statusLabel(update.status) }));
      }
      if (before === "awaiting_content" || !state.essays) return load(); // slots just filled
    }
    if (update.type === "batch_completed") {
      announce(t("status_announce", { status: statusLabel(update.status) }));
      return load(); // names, results and the class summary are in the REST views
    }
    return undefined;
  });
  load();
  return unsubscribe;
}
