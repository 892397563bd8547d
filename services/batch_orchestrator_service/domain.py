"""The batch and the rules BOS decides by: no I/O here, so every rule is unit-testable.

Nothing here names a pipeline: which pipelines exist, what each depends on and which essay
statuses are its results come from common_core.pipeline_catalog (see `advance`).
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from common_core.enums import (
    BatchStatus,
    CourseCode,
    EssayStatus,
    Language,
    PipelineExecutionStatus,
)
from common_core.events import EssayProcessingInputRef, FailedUpload
from common_core.pipeline import EssayCounts, PipelineStateDetail, ProcessingPipelineState
from common_core.pipeline_catalog import PIPELINES, PipelineSpec, resolve_pipelines

DEFAULT_PIPELINES = ("spellcheck",)
"""What a registration without `requested_pipelines` runs (the contract's default)."""

# pipeline name -> essay id -> the result recorded for it (its success or failure status).
Results = Mapping[str, Mapping[str, EssayStatus]]
# metric name -> {mean, median, min, max}
ClassSummary = dict[str, dict[str, float]]


class EssayIdsInUseError(Exception):
    """Some requested essay ids already belong to another batch."""


class ConcurrentUpdateError(Exception):
    """The batch changed status under us; the consumer retries and then sees the new state."""


class BatchNotFoundError(Exception):
    """No batch with that id, or not the caller's: the two must look the same to a client."""


class BatchNotFinishedError(Exception):
    """More pipelines were asked of a batch that is still running or failed."""


class PipelineAlreadyRequestedError(Exception):
    """A pipeline was asked of a batch that has already run (or is running) it."""


@dataclass(frozen=True)
class BatchRegistration:
    """A validated registration request (the REST layer has checked every field)."""

    course_code: CourseCode
    class_designation: str
    essay_instructions: str
    expected_essay_count: int
    essay_ids: list[str] | None = None
    # Resolved: dependencies included, in the order the pipelines run.
    requested_pipelines: list[str] = field(default_factory=lambda: list(DEFAULT_PIPELINES))
    # The teacher registering it (their token's subject): the batch is theirs alone.
    teacher_id: str | None = None


@dataclass
class Batch:
    """A batch as BOS knows it: the teacher's context plus where its pipelines stand."""

    batch_id: str
    status: BatchStatus
    course_code: CourseCode
    class_designation: str
    essay_instructions: str
    language: Language
    expected_essay_count: int
    essay_ids: list[str]
    # Every pipeline the batch runs, dependencies included, in dependency order.
    requested_pipelines: list[str]
    pipeline_state: ProcessingPipelineState
    created_at: datetime
    updated_at: datetime
    failed_uploads: list[FailedUpload] = field(default_factory=list)
    # The essays that got content (BatchEssaysReady): the first phase runs on them.
    ready_essays: list[EssayProcessingInputRef] = field(default_factory=list)
    # Per metric over the class, once a phase whose results carry metrics has finished.
    class_summary: ClassSummary | None = None
    # Who owns it; None only for batches registered before teachers existed (nobody's).
    teacher_id: str | None = None

    @property
    def ready_essay_ids(self) -> set[str]:
        """Ids of the essays that are being (or were) processed."""
        return {ref.essay_id for ref in self.ready_essays}

    def owned_by(self, teacher_id: str) -> bool:
        """True when `teacher_id` registered the batch (a batch of nobody is nobody's)."""
        return self.teacher_id is not None and self.teacher_id == teacher_id


@dataclass
class Progress:
    """What one `advance` did: phases to start (their commands go out), phases that ended."""

    started: list[tuple[PipelineSpec, list[EssayProcessingInputRef]]] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    batch_finished: bool = False


def resolved_pipelines(requested: Iterable[str]) -> list[str]:
    """The names to run for a request, dependencies added; UnknownPipelineError (a ValueError
    naming the known pipelines) for a name not in the catalog."""
    return [spec.name for spec in resolve_pipelines(requested)]


def new_batch(registration: BatchRegistration, now: datetime) -> Batch:
    """A freshly registered batch awaiting content; BOS makes the essay slots if none given."""
    count = registration.expected_essay_count
    essay_ids = list(registration.essay_ids or [str(uuid.uuid4()) for _ in range(count)])
    pipelines = list(registration.requested_pipelines)
    return Batch(
        batch_id=str(uuid.uuid4()),
        status=BatchStatus.AWAITING_CONTENT,
        course_code=registration.course_code,
        class_designation=registration.class_designation,
        essay_instructions=registration.essay_instructions,
        language=registration.course_code.language,
        expected_essay_count=count,
        essay_ids=essay_ids,
        requested_pipelines=pipelines,
        pipeline_state=ProcessingPipelineState.pending(pipelines, count),
        created_at=now,
        updated_at=now,
        teacher_id=registration.teacher_id,
    )


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """Batches registered before this are purged (BOS_RETENTION_DAYS)."""
    return now - timedelta(days=retention_days)


def unique_ready_essays(refs: list[EssayProcessingInputRef]) -> list[EssayProcessingInputRef]:
    """Ready essays without repeats (first wins), so a doubled entry is never counted twice."""
    seen: set[str] = set()
    unique = []
    for ref in refs:
        if ref.essay_id not in seen:
            seen.add(ref.essay_id)
            unique.append(ref)
    return unique


def start_processing(batch: Batch, ready: list[EssayProcessingInputRef], now: datetime) -> None:
    """BatchEssaysReady: the essays with content are known; every pipeline counts them."""
    batch.ready_essays = ready
    batch.status = BatchStatus.PROCESSING
    batch.updated_at = now
    for name, detail in batch.pipeline_state.details():
        batch.pipeline_state.set_detail(
            name,
            detail.model_copy(
                update={"essay_counts": EssayCounts(total=len(ready), pending=len(ready))}
            ),
        )


def add_pipelines(batch: Batch, requested: Sequence[str], now: datetime) -> list[str]:
    """Run more pipelines on a finished batch: they (and dependencies not yet run) are added
    pending, and the batch is processing again. Returns the names added.

    Raises:
        BatchNotFinishedError: the batch is not `completed` or `partially_completed`.
        PipelineAlreadyRequestedError: a requested pipeline has run on this batch already.
        UnknownPipelineError: a name is not in the catalog.
    """
    wanted = resolved_pipelines(requested)
    if batch.status not in (BatchStatus.COMPLETED, BatchStatus.PARTIALLY_COMPLETED):
        raise BatchNotFinishedError(
            f"batch {batch.batch_id} is {batch.status.value}; pipelines can be added to a "
            "completed or partially_completed batch"
        )
    again = [name for name in requested if name in batch.requested_pipelines]
    if again:
        raise PipelineAlreadyRequestedError(
            f"batch {batch.batch_id} has already run {', '.join(sorted(set(again)))}"
        )
    added = [name for name in wanted if name not in batch.requested_pipelines]
    total = len(batch.ready_essays)
    for name in added:
        counts = EssayCounts(total=total, pending=total)
        batch.pipeline_state.set_detail(name, PipelineStateDetail(essay_counts=counts))
    # The catalog's order is a dependency order, so the combined list keeps running in order.
    batch.requested_pipelines = [n for n in PIPELINES if n in {*batch.requested_pipelines, *added}]
    batch.pipeline_state.requested_pipelines = list(batch.requested_pipelines)
    batch.status = BatchStatus.PROCESSING
    batch.updated_at = now
    return added


def phase_inputs(
    batch: Batch, spec: PipelineSpec, results: Results
) -> list[EssayProcessingInputRef]:
    """The essays a phase runs on: those with content that succeeded in every prerequisite."""
    return [
        ref
        for ref in batch.ready_essays
        if all(
            PIPELINES[dep].result_of(results.get(dep, {}).get(ref.essay_id, _NO_RESULT)) is True
            for dep in spec.depends_on
        )
    ]


_NO_RESULT = EssayStatus.READY_FOR_PROCESSING  # stands for "no result recorded"


def phase_counts(
    spec: PipelineSpec, total: int, inputs: Iterable[str], results: Mapping[str, EssayStatus]
) -> EssayCounts:
    """Counts of a running phase, derived from its recorded results (never incremented)."""
    ids = set(inputs)
    outcomes = [spec.result_of(results[e]) for e in ids if e in results]
    successful, failed = outcomes.count(True), outcomes.count(False)
    return EssayCounts(
        total=total,
        successful=successful,
        failed=failed,
        pending=len(ids) - successful - failed,
        skipped=total - len(ids),
    )


def final_phase_status(counts: EssayCounts) -> PipelineExecutionStatus:
    """A phase's outcome once nothing is pending, judged on the essays it ran on."""
    if counts.successful == 0:
        return PipelineExecutionStatus.FAILED
    if counts.failed == 0:
        return PipelineExecutionStatus.COMPLETED
    return PipelineExecutionStatus.COMPLETED_WITH_FAILURES


def advance(batch: Batch, results: Results, now: datetime) -> Progress:
    """Bring a processing batch's pipelines up to date with the recorded results.

    In dependency order: a running phase's counts are derived again and it ends when nothing
    is pending; a pending phase whose prerequisites have all ended starts on the essays that
    succeeded in them, or ends `skipped` at once if there are none (the batch never waits for
    it). When every pipeline has ended, so has the batch (`final_batch_status`).
    """
    progress = Progress()
    if batch.status is not BatchStatus.PROCESSING:
        return progress
    state, total = batch.pipeline_state, len(batch.ready_essays)
    moved = True
    while moved:  # an ending phase may let the next one start (or be skipped) in this pass
        moved = False
        for name, detail in state.details():
            spec = PIPELINES[name]
            if detail.status is PipelineExecutionStatus.PENDING:
                if not all(state.detail(dep).status.is_terminal for dep in spec.depends_on):
                    continue
                moved = True
                inputs = phase_inputs(batch, spec, results)
                if not inputs:
                    _skip(state, spec, total, now)
                    progress.finished.append(name)
                    continue
                detail.status, detail.started_at = PipelineExecutionStatus.IN_PROGRESS, now
                progress.started.append((spec, inputs))
            if detail.status is PipelineExecutionStatus.IN_PROGRESS:
                ids = [ref.essay_id for ref in phase_inputs(batch, spec, results)]
                detail.essay_counts = phase_counts(spec, total, ids, results.get(name, {}))
                if detail.essay_counts.pending == 0:
                    detail.status, detail.completed_at = (
                        final_phase_status(detail.essay_counts),
                        now,
                    )
                    progress.finished.append(name)
                    moved = True
    if all(detail.status.is_terminal for _, detail in state.details()):
        batch.status = final_batch_status(batch, results)
        progress.batch_finished = True
    batch.updated_at = now
    return progress


def _skip(state: ProcessingPipelineState, spec: PipelineSpec, total: int, now: datetime) -> None:
    """A phase with no essays to run on: `skipped` when a prerequisite failed every essay;
    a first phase without a single essay (every upload failed) has simply `failed`."""
    status = PipelineExecutionStatus.SKIPPED if spec.depends_on else PipelineExecutionStatus.FAILED
    state.set_detail(
        spec.name,
        PipelineStateDetail(
            status=status,
            essay_counts=EssayCounts(total=total, skipped=total if spec.depends_on else 0),
            started_at=now,
            completed_at=now,
        ),
    )


def essays_through(batch: Batch, results: Results) -> list[str]:
    """Essays that succeeded in every requested pipeline."""
    return [
        ref.essay_id
        for ref in batch.ready_essays
        if all(
            PIPELINES[name].result_of(results.get(name, {}).get(ref.essay_id, _NO_RESULT)) is True
            for name in batch.requested_pipelines
        )
    ]


def final_batch_status(batch: Batch, results: Results) -> BatchStatus:
    """The batch's terminal status once every pipeline has ended.

    `completed` if every essay got through every pipeline and no upload failed; `failed` if
    no essay got through (including a batch whose every upload failed); else
    `partially_completed`.
    """
    through = len(essays_through(batch, results))
    if through == 0:
        return BatchStatus.FAILED
    if through == len(batch.ready_essays) and not batch.failed_uploads:
        return BatchStatus.COMPLETED
    return BatchStatus.PARTIALLY_COMPLETED


def final_counts(batch: Batch, results: Results) -> EssayCounts:
    """BatchLifecycleCompleted's counts: essays through every pipeline vs. the others."""
    total, through = len(batch.ready_essays), len(essays_through(batch, results))
    return EssayCounts(total=total, successful=through, failed=total - through)


def class_summary(metrics: Sequence[Mapping[str, float | int | None]]) -> ClassSummary:
    """Mean, median, min and max of each metric over the essays that have it, to 4 decimals (a
    metric no essay has, such as Flesch reading ease for Swedish, is left out)."""
    names: dict[str, None] = {}
    for essay in metrics:
        names.update(dict.fromkeys(essay))
    summary: ClassSummary = {}
    for name in names:
        values = [float(v) for essay in metrics if (v := essay.get(name)) is not None]
        if values:
            figures = {
                "mean": statistics.fmean(values),
                "median": statistics.median(values),
                "min": min(values),
                "max": max(values),
            }
            # Rounded alike (rounding keeps the order min <= median, mean <= max).
            summary[name] = {key: round(value, 4) for key, value in figures.items()}
    return summary
