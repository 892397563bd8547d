"""The batch and the rules BOS decides by: no I/O here, so every rule is unit-testable."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from common_core.enums import (
    BatchStatus,
    CourseCode,
    EssayStatus,
    Language,
    PipelineExecutionStatus,
)
from common_core.events import EssayProcessingInputRef, FailedUpload
from common_core.pipeline import EssayCounts, PipelineStateDetail, ProcessingPipelineState

SPELLCHECK = "spellcheck"


class EssayIdsInUseError(Exception):
    """Some requested essay ids already belong to another batch."""


class ConcurrentUpdateError(Exception):
    """The batch changed status under us; the consumer retries and then sees the new state."""


@dataclass(frozen=True)
class BatchRegistration:
    """A validated registration request (the REST layer has checked every field)."""

    course_code: CourseCode
    class_designation: str
    essay_instructions: str
    expected_essay_count: int
    essay_ids: list[str] | None = None
    requested_pipelines: list[str] = field(default_factory=lambda: [SPELLCHECK])


@dataclass
class Batch:
    """A batch as BOS knows it: the teacher's context plus where its pipeline stands."""

    batch_id: str
    status: BatchStatus
    course_code: CourseCode
    class_designation: str
    essay_instructions: str
    language: Language
    expected_essay_count: int
    essay_ids: list[str]
    requested_pipelines: list[str]
    pipeline_state: ProcessingPipelineState
    created_at: datetime
    updated_at: datetime
    failed_uploads: list[FailedUpload] = field(default_factory=list)
    # The essays the spellcheck command was sent for; only their results count.
    ready_essays: list[EssayProcessingInputRef] = field(default_factory=list)

    @property
    def ready_essay_ids(self) -> set[str]:
        """Ids of the essays that are being (or were) processed."""
        return {ref.essay_id for ref in self.ready_essays}


@dataclass(frozen=True)
class ResultCounts:
    """Terminal essay results recorded for a batch, counted from the stored rows."""

    successful: int = 0
    failed: int = 0

    @classmethod
    def of(cls, statuses: Iterable[EssayStatus]) -> ResultCounts:
        """Count recorded results (one status per essay)."""
        tally = list(statuses)
        return cls(
            successful=tally.count(EssayStatus.SPELLCHECKED_SUCCESS),
            failed=tally.count(EssayStatus.SPELLCHECK_FAILED),
        )


def new_batch(registration: BatchRegistration, now: datetime) -> Batch:
    """A freshly registered batch awaiting content; BOS makes the essay slots if none given."""
    count = registration.expected_essay_count
    essay_ids = list(registration.essay_ids or [str(uuid.uuid4()) for _ in range(count)])
    state = ProcessingPipelineState(
        requested_pipelines=list(registration.requested_pipelines),
        spellcheck=PipelineStateDetail(essay_counts=EssayCounts(total=count, pending=count)),
    )
    return Batch(
        batch_id=str(uuid.uuid4()),
        status=BatchStatus.AWAITING_CONTENT,
        course_code=registration.course_code,
        class_designation=registration.class_designation,
        essay_instructions=registration.essay_instructions,
        language=registration.course_code.language,
        expected_essay_count=count,
        essay_ids=essay_ids,
        requested_pipelines=list(registration.requested_pipelines),
        pipeline_state=state,
        created_at=now,
        updated_at=now,
    )


def unique_ready_essays(refs: list[EssayProcessingInputRef]) -> list[EssayProcessingInputRef]:
    """Ready essays without repeats (first wins), so a doubled entry is never counted twice."""
    seen: set[str] = set()
    unique = []
    for ref in refs:
        if ref.essay_id not in seen:
            seen.add(ref.essay_id)
            unique.append(ref)
    return unique


def essay_counts(total: int, results: ResultCounts) -> EssayCounts:
    """Counts derived from the recorded results; `pending` is whatever has no result yet."""
    done = results.successful + results.failed
    return EssayCounts(
        total=total,
        successful=results.successful,
        failed=results.failed,
        pending=max(0, total - done),
    )


def final_batch_status(results: ResultCounts, failed_uploads: int) -> BatchStatus:
    """The batch's terminal status once every processed essay has a result.

    `completed` only if every essay succeeded and no upload failed; `failed` if nothing
    succeeded (including a batch whose every upload failed); else `partially_completed`.
    """
    if results.successful == 0:
        return BatchStatus.FAILED
    if results.failed == 0 and failed_uploads == 0:
        return BatchStatus.COMPLETED
    return BatchStatus.PARTIALLY_COMPLETED


def final_pipeline_status(results: ResultCounts) -> PipelineExecutionStatus:
    """The spellcheck pipeline's terminal status, judged on the essays it ran on."""
    if results.successful == 0:
        return PipelineExecutionStatus.FAILED
    if results.failed == 0:
        return PipelineExecutionStatus.COMPLETED
    return PipelineExecutionStatus.PARTIALLY_COMPLETED


def start_spellcheck(batch: Batch, ready: list[EssayProcessingInputRef], now: datetime) -> None:
    """Mark the spellcheck pipeline as running on `ready` (BatchEssaysReady, step 4)."""
    total = len(ready)
    batch.ready_essays = ready
    batch.pipeline_state.spellcheck = PipelineStateDetail(
        status=PipelineExecutionStatus.IN_PROGRESS,
        essay_counts=EssayCounts(total=total, pending=total),
        started_at=now,
    )
    batch.status = BatchStatus.PROCESSING
    batch.updated_at = now


def finish(batch: Batch, results: ResultCounts, now: datetime) -> None:
    """Put the batch and its pipeline in their terminal statuses (step 8, or no essays at all)."""
    detail = batch.pipeline_state.spellcheck
    detail.status = final_pipeline_status(results)
    detail.essay_counts = essay_counts(len(batch.ready_essays), results)
    detail.completed_at = now
    if detail.started_at is None:
        detail.started_at = now
    batch.status = final_batch_status(results, len(batch.failed_uploads))
    batch.updated_at = now
