// One essay: who wrote it, its text with every correction marked in place, its counts and
// metrics, and a download of the corrected text.

import { get } from "../api.js";
import { el, focusHeading, replace } from "../dom.js";
import { chip, errorText, metricsTable } from "../format.js";
import { t } from "../i18n.js";
import { subscribe } from "../live.js";

/**
 * The original text as nodes: plain runs as text, each correction as <del>original</del>
 * <ins>corrected</ins> inside one focusable mark. Offsets count code points (as Python
 * does), so the text is split into code points, not UTF-16 units.
 */
export function markedText(text, corrections) {
  const chars = Array.from(text);
  const nodes = [];
  let at = 0;
  const ordered = [...corrections].sort((a, b) => a.start - b.start);
  for (const fix of ordered) {
    if (fix.start < at || fix.end > chars.length || fix.end < fix.start) continue; // overlap
    if (fix.start > at) nodes.push(chars.slice(at, fix.start).join(""));
    const original = chars.slice(fix.start, fix.end).join("");
    const label = t("correction_label", { original, corrected: fix.corrected });
    nodes.push(el("span", { class: "fix", tabindex: 0, title: label, "aria-label": label },
      el("del", {}, original), el("ins", {}, fix.corrected)));
    at = fix.end;
  }
  if (at < chars.length) nodes.push(chars.slice(at).join(""));
  return nodes;
}

function download(fileName, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  const link = el("a", { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function correctedName(essay) {
  const base = (essay.original_file_name || essay.essay_id).replace(/\.[^.]+$/, "");
  return `${base}-corrected.txt`;
}

export function renderEssay(main, essayId) {
  const message = el("p", { class: "message", role: "alert" });
  const card = el("section", { class: "card" }, el("p", { "aria-busy": "true" }));
  replace(main, message, card);
  const texts = { original: "", corrected: null, corrections: [] };
  let mode = "marked";
  let focused = false;

  const textBox = el("div", { class: "essay-text", id: "essay-text" });
  function drawText() {
    if (mode === "marked") replace(textBox, markedText(texts.original, texts.corrections));
    else replace(textBox, mode === "corrected" ? texts.corrected ?? "" : texts.original);
  }

  function modeSwitch() {
    return el("fieldset", { class: "modes" }, el("legend", {}, t("view")),
      ["marked", "corrected", "original"].map((value) => el("label", { class: "check" },
        el("input", {
          type: "radio", name: "mode", value, checked: value === mode,
          onchange: () => { mode = value; drawText(); },
        }), t(`show_${value}`))));
  }

  async function load() {
    try {
      const essay = await get(`/v1/essays/${essayId}`);
      const spell = essay.spellcheck || {};
      const hasLog = Boolean(essay.storage_references?.spellcheck_log);
      const [original, corrections] = await Promise.all([
        get(`/v1/essays/${essayId}/text?version=original`),
        hasLog ? get(`/v1/essays/${essayId}/corrections`) : Promise.resolve([]),
      ]);
      Object.assign(texts, { original, corrections, corrected: null });
      const facts = el("dl", { class: "facts" },
        el("dt", {}, t("student")), el("dd", {}, essay.student_name || "–"),
        el("dt", {}, t("file")), el("dd", {}, essay.original_file_name || "–"),
        el("dt", {}, t("status")), el("dd", {}, chip(essay.status)),
        el("dt", {}, t("corrections")),
        el("dd", { id: "corrections-count" }, String(spell.corrections_made ?? corrections.length)));
      const downloadButton = hasLog ? el("button", {
        type: "button", class: "secondary",
        onclick: async () => {
          try {
            texts.corrected ??= await get(`/v1/essays/${essayId}/text?version=corrected`);
            download(correctedName(essay), texts.corrected);
          } catch (error) {
            message.textContent = errorText(error);
          }
        },
      }, t("download_corrected")) : null;
      if (hasLog) texts.corrected = await get(`/v1/essays/${essayId}/text?version=corrected`);
      replace(card,
        el("div", { class: "heading-row" },
          el("h1", {}, essay.student_name || essay.original_file_name || t("essay_title")),
          el("a", { href: `#/batches/${essay.batch_id}` }, t("back_to_batch"))),
        facts,
        el("h2", {}, t("text_title")),
        el("p", { class: "muted" }, t("legend")),
        modeSwitch(),
        textBox,
        el("div", { class: "actions" }, downloadButton),
        essay.nlp ? metricsTable(essay.nlp, t("nlp_title")) : null);
      drawText();
      if (!focused) focusHeading(main);
      focused = true;
    } catch (error) {
      replace(card, el("p", {}, error.status === 404 ? t("no_text") : errorText(error)));
    }
  }

  const unsubscribe = subscribe((update) => {
    if (update.type === "resync") load();
    else if (update.type === "essay_status" && update.essay_id === essayId) load();
  });
  load();
  return unsubscribe;
}

