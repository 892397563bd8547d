// Small shared pieces of the views: status chips, dates, numbers and metric tables.

import { el } from "./dom.js";
import { currentLanguage, statusLabel, t } from "./i18n.js";

const TONE = {
  completed: "good", spellchecked_success: "good", nlp_success: "good",
  partially_completed: "warn", completed_with_failures: "warn",
  failed: "bad", spellcheck_failed: "bad", nlp_failed: "bad",
};

/** A status as a chip: the word is always there, the colour only helps. */
export function chip(status) {
  return el("span", { class: `chip ${TONE[status] || "neutral"}`, dataset: { status } },
    statusLabel(status));
}

export function when(iso) {
  if (!iso) return "";
  const locale = currentLanguage() === "sv" ? "sv-SE" : "en-GB";
  return new Date(iso).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}

export function number(value) {
  if (value === null || value === undefined) return "–";
  const locale = currentLanguage() === "sv" ? "sv-SE" : "en-GB";
  return Number(value).toLocaleString(locale, { maximumFractionDigits: 2 });
}

export const METRICS = [
  "word_count", "sentence_count", "paragraph_count", "mean_sentence_length",
  "type_token_ratio", "mtld", "lix", "flesch_reading_ease", "long_word_share",
  "rare_word_share", "spelling_error_rate",
];

/** A two-column table of one essay's metrics. */
export function metricsTable(metrics, caption) {
  const rows = METRICS.filter((name) => name in metrics).map((name) =>
    el("tr", {}, el("th", { scope: "row" }, t(`metric_${name}`)),
      el("td", {}, number(metrics[name]))));
  return el("table", { class: "metrics" }, el("caption", {}, caption), el("tbody", {}, rows));
}

/** The class summary: one row per metric with mean, median, min and max. */
export function summaryTable(summary) {
  const head = el("tr", {}, ["metric", "mean", "median", "min", "max"].map((key) =>
    el("th", { scope: "col" }, t(key))));
  const rows = METRICS.filter((name) => summary[name]).map((name) => {
    const s = summary[name];
    return el("tr", {}, el("th", { scope: "row" }, t(`metric_${name}`)),
      [s.mean, s.median, s.min, s.max].map((value) => el("td", {}, number(value))));
  });
  return el("table", { class: "metrics" }, el("caption", {}, t("class_summary")),
    el("thead", {}, head), el("tbody", {}, rows));
}

/** The message to show for an error from the API (or the network). */
export function errorText(error) {
  if (error && error.status === 404) return t("not_found");
  if (error && (error.status === 502 || error.status === 503 || error.status === 504)) {
    return t("unavailable");
  }
  return t("error", { message: (error && error.message) || String(error) });
}
