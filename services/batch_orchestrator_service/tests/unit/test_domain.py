"""The pure rules: phases in dependency order, derived counts, terminal statuses, summaries."""

from __future__ import annotations

import pytest

from common_core.enums import (
    BatchStatus,
    CourseCode,
    EssayStatus,
    Language,
    PipelineExecutionStatus,
)
from common_core.events import EssayProcessingInputRef
from common_core.metadata import utc_now
from common_core.pipeline import EssayCounts
from common_core.pipeline_catalog import PIPELINES, UnknownPipelineError
from services.batch_orchestrator_service.domain import (
    Batch,
    BatchNotFinishedError,
    BatchRegistration,
    PipelineAlreadyRequestedError,
    Results,
    add_pipelines,
    advance,
    class_summary,
    final_counts,
    final_phase_status,
    new_batch,
    phase_counts,
    start_processing,
    unique_ready_essays,
)

OK, FAILED = EssayStatus.SPELLCHECKED_SUCCESS, EssayStatus.SPELLCHECK_FAILED
NLP_OK, NLP_FAILED = EssayStatus.NLP_SUCCESS, EssayStatus.NLP_FAILED
Status = PipelineExecutionStatus


def processing(n: int, pipelines: list[str], failed_uploads: int = 0) -> Batch:
    ids = [f"e{i}" for i in range(n + failed_uploads)]
    registration = BatchRegistration(
        CourseCode.ENG5, "9A", "x", len(ids), essay_ids=ids, requested_pipelines=pipelines
    )
    batch = new_batch(registration, utc_now())
    ready = [EssayProcessingInputRef(essay_id=e, text_storage_id=f"t-{e}") for e in ids[:n]]
    start_processing(batch, ready, utc_now())
    batch.failed_uploads = [object()] * failed_uploads  # type: ignore[list-item]
    return batch


def statuses(batch: Batch) -> dict[str, Status]:
    return {name: detail.status for name, detail in batch.pipeline_state.details()}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (EssayCounts(total=2, successful=2), Status.COMPLETED),
        (EssayCounts(total=2, successful=1, failed=1), Status.COMPLETED_WITH_FAILURES),
        (EssayCounts(total=2, failed=2), Status.FAILED),
        (EssayCounts(total=3, successful=1, skipped=2), Status.COMPLETED),
    ],
)
def test_a_phase_is_judged_on_the_essays_it_ran_on(counts: EssayCounts, expected: Status) -> None:
    assert final_phase_status(counts) is expected


def test_counts_are_derived_from_results_with_the_skipped_ones_apart() -> None:
    spec = PIPELINES["nlp_metrics"]
    results = {"a": NLP_OK, "b": NLP_FAILED, "x": NLP_OK}  # x is not among the inputs
    assert phase_counts(spec, 5, ["a", "b", "c"], results) == EssayCounts(
        total=5, successful=1, failed=1, pending=1, skipped=2
    )


def test_the_first_phase_starts_on_every_ready_essay() -> None:
    batch = processing(3, ["spellcheck", "nlp_metrics"])

    progress = advance(batch, {}, utc_now())

    [(spec, essays)] = progress.started
    assert spec.name == "spellcheck" and [e.essay_id for e in essays] == ["e0", "e1", "e2"]
    assert statuses(batch) == {"spellcheck": Status.IN_PROGRESS, "nlp_metrics": Status.PENDING}
    assert batch.pipeline_state.detail("nlp_metrics").essay_counts == EssayCounts(
        total=3, pending=3
    )


def test_the_next_phase_starts_on_the_essays_that_succeeded_and_skips_the_others() -> None:
    batch = processing(3, ["spellcheck", "nlp_metrics"])
    advance(batch, {}, utc_now())
    results: dict[str, dict[str, EssayStatus]] = {"spellcheck": {"e0": OK, "e1": FAILED}}
    assert advance(batch, results, utc_now()).started == []

    results["spellcheck"]["e2"] = OK
    progress = advance(batch, results, utc_now())

    [(spec, essays)] = progress.started
    assert spec.name == "nlp_metrics" and [e.essay_id for e in essays] == ["e0", "e2"]
    assert progress.finished == ["spellcheck"] and not progress.batch_finished
    nlp = batch.pipeline_state.detail("nlp_metrics")
    assert nlp.status is Status.IN_PROGRESS and nlp.started_at is not None
    assert nlp.essay_counts == EssayCounts(total=3, pending=2, skipped=1)
    assert batch.pipeline_state.detail("spellcheck").status is Status.COMPLETED_WITH_FAILURES


def test_the_batch_ends_when_its_last_phase_does() -> None:
    batch = processing(3, ["spellcheck", "nlp_metrics"])
    results: dict[str, dict[str, EssayStatus]] = {
        "spellcheck": {"e0": OK, "e1": FAILED, "e2": OK},
        "nlp_metrics": {"e0": NLP_OK},
    }
    assert not advance(batch, results, utc_now()).batch_finished
    results["nlp_metrics"]["e2"] = NLP_FAILED

    progress = advance(batch, results, utc_now())

    assert progress.batch_finished and progress.finished == ["nlp_metrics"]
    assert batch.status is BatchStatus.PARTIALLY_COMPLETED
    assert batch.pipeline_state.detail("nlp_metrics").essay_counts == EssayCounts(
        total=3, successful=1, failed=1, skipped=1
    )
    assert final_counts(batch, results) == EssayCounts(total=3, successful=1, failed=2)


def test_a_phase_whose_prerequisite_failed_every_essay_is_skipped_and_the_batch_fails() -> None:
    batch = processing(2, ["spellcheck", "nlp_metrics"])
    results: Results = {"spellcheck": {"e0": FAILED, "e1": FAILED}}

    progress = advance(batch, results, utc_now())

    assert progress.started[1:] == [] and progress.batch_finished
    assert statuses(batch) == {"spellcheck": Status.FAILED, "nlp_metrics": Status.SKIPPED}
    nlp = batch.pipeline_state.detail("nlp_metrics")
    assert nlp.essay_counts == EssayCounts(total=2, skipped=2)
    assert nlp.completed_at is not None
    assert batch.status is BatchStatus.FAILED


def test_no_essay_at_all_fails_the_first_phase_and_skips_the_rest() -> None:
    batch = processing(0, ["spellcheck", "nlp_metrics"], failed_uploads=2)

    progress = advance(batch, {}, utc_now())

    assert progress.started == [] and progress.batch_finished
    assert statuses(batch) == {"spellcheck": Status.FAILED, "nlp_metrics": Status.SKIPPED}
    assert batch.status is BatchStatus.FAILED


@pytest.mark.parametrize(
    ("spell", "nlp", "failed_uploads", "expected"),
    [
        ([OK, OK], [NLP_OK, NLP_OK], 0, BatchStatus.COMPLETED),
        ([OK, OK], [NLP_OK, NLP_OK], 1, BatchStatus.PARTIALLY_COMPLETED),
        ([OK, FAILED], [NLP_OK], 0, BatchStatus.PARTIALLY_COMPLETED),
        ([OK, OK], [NLP_FAILED, NLP_OK], 0, BatchStatus.PARTIALLY_COMPLETED),
        ([OK, OK], [NLP_FAILED, NLP_FAILED], 0, BatchStatus.FAILED),
    ],
)
def test_the_batch_outcome_counts_essays_through_every_pipeline(
    spell: list[EssayStatus],
    nlp: list[EssayStatus],
    failed_uploads: int,
    expected: BatchStatus,
) -> None:
    batch = processing(2, ["spellcheck", "nlp_metrics"], failed_uploads)
    through_spell = [f"e{i}" for i, s in enumerate(spell) if s is OK]
    results: Results = {
        "spellcheck": {f"e{i}": s for i, s in enumerate(spell)},
        "nlp_metrics": dict(zip(through_spell, nlp, strict=True)),
    }
    advance(batch, results, utc_now())
    assert batch.status is expected


def test_more_pipelines_reopen_a_finished_batch_and_start_at_once() -> None:
    batch = processing(2, ["spellcheck"])
    results: Results = {"spellcheck": {"e0": OK, "e1": FAILED}}
    advance(batch, results, utc_now())
    finished_as = batch.status

    assert add_pipelines(batch, ["nlp_metrics"], utc_now()) == ["nlp_metrics"]
    reopened_as = batch.status
    progress = advance(batch, results, utc_now())

    assert (finished_as, reopened_as) == (BatchStatus.PARTIALLY_COMPLETED, BatchStatus.PROCESSING)
    assert batch.requested_pipelines == ["spellcheck", "nlp_metrics"]
    assert batch.pipeline_state.requested_pipelines == batch.requested_pipelines
    [(spec, essays)] = progress.started
    assert spec.name == "nlp_metrics" and [e.essay_id for e in essays] == ["e0"]


def test_more_pipelines_are_refused_when_already_run_or_the_batch_is_not_finished() -> None:
    batch = processing(1, ["spellcheck"])
    with pytest.raises(BatchNotFinishedError, match="processing"):
        add_pipelines(batch, ["nlp_metrics"], utc_now())
    advance(batch, {"spellcheck": {"e0": OK}}, utc_now())
    with pytest.raises(PipelineAlreadyRequestedError, match="spellcheck"):
        add_pipelines(batch, ["spellcheck", "nlp_metrics"], utc_now())
    with pytest.raises(UnknownPipelineError, match="known pipelines: nlp_metrics, spellcheck"):
        add_pipelines(batch, ["grammar"], utc_now())
    assert batch.requested_pipelines == ["spellcheck"]
    failed = processing(1, ["spellcheck"])
    advance(failed, {"spellcheck": {"e0": FAILED}}, utc_now())
    with pytest.raises(BatchNotFinishedError, match="failed"):
        add_pipelines(failed, ["nlp_metrics"], utc_now())


def test_class_summary_per_metric_leaves_out_metrics_no_essay_has() -> None:
    summary = class_summary(
        [
            {"word_count": 100, "lix": 30.0, "flesch_reading_ease": None},
            {"word_count": 200, "lix": 40.0, "flesch_reading_ease": None},
            {"word_count": 600, "lix": 41.5, "flesch_reading_ease": None},
        ]
    )
    assert summary == {
        "word_count": {"mean": 300.0, "median": 200.0, "min": 100.0, "max": 600.0},
        "lix": {"mean": 37.1667, "median": 40.0, "min": 30.0, "max": 41.5},
    }
    assert class_summary([]) == {}


def test_new_batch_makes_unique_slots_infers_language_and_waits_in_every_pipeline() -> None:
    batch = new_batch(
        BatchRegistration(
            CourseCode.SV2,
            "9A",
            "Skriv om sommaren.",
            expected_essay_count=4,
            requested_pipelines=["spellcheck", "nlp_metrics"],
        ),
        utc_now(),
    )
    assert batch.status is BatchStatus.AWAITING_CONTENT
    assert batch.language is Language.SWEDISH
    assert len(batch.essay_ids) == 4 == len(set(batch.essay_ids))
    assert batch.pipeline_state.requested_pipelines == ["spellcheck", "nlp_metrics"]
    for _, detail in batch.pipeline_state.details():
        assert detail.status is Status.PENDING
        assert detail.essay_counts == EssayCounts(total=4, pending=4)


def test_new_batch_keeps_given_ids_and_runs_spellcheck_by_default() -> None:
    registration = BatchRegistration(CourseCode.ENG5, "9A", "x", 2, essay_ids=["a", "b"])
    batch = new_batch(registration, utc_now())
    assert batch.essay_ids == ["a", "b"]
    assert batch.language is Language.ENGLISH
    assert batch.requested_pipelines == ["spellcheck"]


def test_unique_ready_essays_drops_repeats() -> None:
    refs = [
        EssayProcessingInputRef(essay_id="a", text_storage_id="1"),
        EssayProcessingInputRef(essay_id="b", text_storage_id="2"),
        EssayProcessingInputRef(essay_id="a", text_storage_id="3"),
    ]
    assert [(r.essay_id, r.text_storage_id) for r in unique_ready_essays(refs)] == [
        ("a", "1"),
        ("b", "2"),
    ]
