// A new batch: course, class, instructions, how many essays, which analyses.

import { api } from "../api.js";
import { el, focusHeading, replace } from "../dom.js";
import { errorText } from "../format.js";
import { t } from "../i18n.js";

const COURSES = ["ENG5", "ENG6", "ENG7", "SV1", "SV2", "SV3"];

export function renderNewBatch(main, { onCreated }) {
  const message = el("p", { class: "message", role: "alert" });
  const fieldErrors = {};
  const control = (id, label, input) => {
    fieldErrors[id] = el("p", { class: "field-error", id: `${id}-error` });
    input.setAttribute("aria-describedby", `${id}-error`);
    return el("div", { class: "field" }, el("label", { for: id }, label), input,
      fieldErrors[id]);
  };
  const form = el("form", { class: "card narrow" },
    el("h1", {}, t("new_batch_title")),
    message,
    control("course_code", t("course"), el("select", { id: "course_code", name: "course_code" },
      COURSES.map((code) => el("option", { value: code }, code)))),
    control("class_designation", t("class"), el("input", {
      id: "class_designation", name: "class_designation", required: true, maxlength: 100,
    })),
    control("essay_instructions", t("instructions"), el("textarea", {
      id: "essay_instructions", name: "essay_instructions", rows: 4, required: true,
    })),
    control("expected_essay_count", t("essay_count"), el("input", {
      id: "expected_essay_count", name: "expected_essay_count", type: "number", min: 1,
      max: 500, value: 3, required: true, inputmode: "numeric",
    })),
    el("fieldset", {},
      el("legend", {}, t("pipelines")),
      el("label", { class: "check" },
        el("input", { type: "checkbox", name: "spellcheck", checked: true, disabled: true }),
        `${t("pipeline_spellcheck")} (${t("spellcheck_always")})`),
      el("label", { class: "check" },
        el("input", { type: "checkbox", name: "nlp_metrics", id: "nlp_metrics" }),
        t("pipeline_nlp_metrics"))),
    el("button", { type: "submit" }, t("create_batch")));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    Object.values(fieldErrors).forEach((node) => { node.textContent = ""; });
    const pipelines = ["spellcheck", ...(form.nlp_metrics.checked ? ["nlp_metrics"] : [])];
    try {
      const answer = await api("POST", "/v1/batches/register", {
        json: {
          course_code: form.course_code.value,
          class_designation: form.class_designation.value.trim(),
          essay_instructions: form.essay_instructions.value.trim(),
          expected_essay_count: Number(form.expected_essay_count.value),
          requested_pipelines: pipelines,
        },
      });
      onCreated(answer.batch_id);
    } catch (error) {
      const details = Array.isArray(error.details) ? error.details : [];
      for (const detail of details) {
        const target = fieldErrors[detail.field];
        if (target) target.textContent = detail.message;
      }
      message.textContent = errorText(error);
    }
  });
  replace(main, form);
  focusHeading(main);
}
