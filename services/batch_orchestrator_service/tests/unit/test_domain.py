"""The pure rules: derived counts and terminal statuses."""

from __future__ import annotations

import pytest

from common_core.enums import BatchStatus, CourseCode, Language, PipelineExecutionStatus
from common_core.events import EssayProcessingInputRef
from common_core.metadata import utc_now
from common_core.pipeline import EssayCounts
from services.batch_orchestrator_service.domain import (
    BatchRegistration,
    ResultCounts,
    essay_counts,
    final_batch_status,
    final_pipeline_status,
    new_batch,
    unique_ready_essays,
)


@pytest.mark.parametrize(
    ("successful", "failed", "failed_uploads", "expected"),
    [
        (3, 0, 0, BatchStatus.COMPLETED),
        (2, 1, 0, BatchStatus.PARTIALLY_COMPLETED),
        (3, 0, 1, BatchStatus.PARTIALLY_COMPLETED),
        (0, 3, 0, BatchStatus.FAILED),
        (0, 0, 2, BatchStatus.FAILED),
        (0, 1, 1, BatchStatus.FAILED),
    ],
)
def test_final_batch_status(
    successful: int, failed: int, failed_uploads: int, expected: BatchStatus
) -> None:
    assert final_batch_status(ResultCounts(successful, failed), failed_uploads) is expected


@pytest.mark.parametrize(
    ("successful", "failed", "expected"),
    [
        (2, 0, PipelineExecutionStatus.COMPLETED),
        (1, 1, PipelineExecutionStatus.PARTIALLY_COMPLETED),
        (0, 2, PipelineExecutionStatus.FAILED),
        (0, 0, PipelineExecutionStatus.FAILED),
    ],
)
def test_final_pipeline_status(
    successful: int, failed: int, expected: PipelineExecutionStatus
) -> None:
    assert final_pipeline_status(ResultCounts(successful, failed)) is expected


def test_counts_are_derived_and_pending_never_negative() -> None:
    assert essay_counts(5, ResultCounts(2, 1)) == EssayCounts(
        total=5, successful=2, failed=1, pending=2
    )
    assert essay_counts(1, ResultCounts(1, 1)).pending == 0


def test_new_batch_makes_unique_slots_and_infers_language() -> None:
    batch = new_batch(
        BatchRegistration(CourseCode.SV2, "9A", "Skriv om sommaren.", expected_essay_count=4),
        utc_now(),
    )
    assert batch.status is BatchStatus.AWAITING_CONTENT
    assert batch.language is Language.SWEDISH
    assert len(batch.essay_ids) == 4 == len(set(batch.essay_ids))
    assert batch.pipeline_state.requested_pipelines == ["spellcheck"]
    assert batch.pipeline_state.spellcheck.status is PipelineExecutionStatus.PENDING
    assert batch.pipeline_state.spellcheck.essay_counts.pending == 4


def test_new_batch_keeps_given_ids() -> None:
    registration = BatchRegistration(CourseCode.ENG5, "9A", "x", 2, essay_ids=["a", "b"])
    batch = new_batch(registration, utc_now())
    assert batch.essay_ids == ["a", "b"]
    assert batch.language is Language.ENGLISH


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
