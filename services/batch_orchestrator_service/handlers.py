"""BOS's decisions, one plain function per command or event (event flow steps 1, 4 and 8 of
docs/architecture.md).

Each runs in one unit of work: the state change and the events reporting it commit together
(transactional outbox), and each is idempotent because Kafka delivers at least once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import NamedTuple

from common_core.enums import BatchStatus, PipelineExecutionStatus, language_for_course
from common_core.events import BatchEssaysReady, EssayLifecycleStateUpdated
from common_core.kafka import PermanentError
from common_core.logs import get_logger
from common_core.metadata import utc_now
from common_core.pipeline_catalog import PIPELINES, pipeline_for_stage
from services.batch_orchestrator_service.domain import (
    Batch,
    BatchNotFoundError,
    BatchRegistration,
    ConcurrentUpdateError,
    Results,
    add_pipelines,
    advance,
    class_summary,
    new_batch,
    phase_inputs,
    start_processing,
    unique_ready_essays,
)
from services.batch_orchestrator_service.metrics import BATCHES_FINISHED, BATCHES_REGISTERED
from services.batch_orchestrator_service.outgoing import (
    batch_completed,
    batch_registered,
    phase_command,
    progress_snapshot,
)
from services.batch_orchestrator_service.protocols import RecordedResult, UnitOfWork

logger = get_logger(__name__)


async def register_batch(
    registration: BatchRegistration, correlation_id: str, uow: UnitOfWork
) -> Batch:
    """Step 1: store the batch (awaiting_content) and announce it without its course context."""
    batch = new_batch(registration, utc_now())
    async with uow:
        await uow.batches.add(batch)
        uow.publish(batch_registered(batch), correlation_id)
        await uow.commit()
    BATCHES_REGISTERED.inc()
    logger.info(
        "batch_registered",
        batch_id=batch.batch_id,
        teacher_id=batch.teacher_id,
        course_code=batch.course_code.value,
        expected_essay_count=batch.expected_essay_count,
    )
    return batch


async def handle_batch_essays_ready(
    event: BatchEssaysReady, correlation_id: str, uow: UnitOfWork
) -> None:
    """Step 4: ready_for_processing -> language from course_code -> processing -> the first
    phase's command (or, with no essay at all, straight to `failed`)."""
    async with uow:
        batch = await _existing_batch(uow, event.batch_id)
        if batch is None:
            return  # deleted meanwhile: nothing of it is kept, so nothing is started
        if batch.status is not BatchStatus.AWAITING_CONTENT:
            logger.info("batch_essays_ready_ignored", batch_id=batch.batch_id, status=batch.status)
            return
        ready = unique_ready_essays(event.ready_essays)
        strangers = [ref.essay_id for ref in ready if ref.essay_id not in set(batch.essay_ids)]
        if strangers:
            logger.warning("ready_essays_not_in_batch", batch_id=batch.batch_id, ids=strangers[:10])
        batch.failed_uploads = list(event.failed_uploads)
        batch.language = language_for_course(batch.course_code)
        now = utc_now()
        start_processing(batch, ready, now)
        if ready:
            batch.status = BatchStatus.READY_FOR_PROCESSING
            uow.publish(progress_snapshot(batch), correlation_id)
            batch.status = BatchStatus.PROCESSING
        # Results can overtake this event (another topic, so another partition); any already
        # recorded count from the start. With no essay every phase ends at once: a batch whose
        # every upload failed never waits.
        results = await uow.batches.recorded_results(batch.batch_id)
        await _advance(uow, batch, results, correlation_id, always_publish=True)
        await _save(uow, batch, BatchStatus.AWAITING_CONTENT)
        await uow.commit()
    _log_transition(batch, failed_uploads=len(batch.failed_uploads))


async def request_pipelines(
    batch_id: str, pipelines: list[str], teacher_id: str, correlation_id: str, uow: UnitOfWork
) -> Batch:
    """POST /v1/batches/{id}/pipelines: run more pipelines on the teacher's finished batch.

    Raises BatchNotFoundError (also for another teacher's batch), BatchNotFinishedError or
    PipelineAlreadyRequestedError (the API maps them to 404/409); nothing changes then.
    """
    async with uow:
        batch = await uow.batches.get(batch_id, for_update=True)
        if batch is None or not batch.owned_by(teacher_id):
            raise BatchNotFoundError(f"no batch with id {batch_id!r}")
        finished_as = batch.status
        added = add_pipelines(batch, pipelines, utc_now())
        results = await uow.batches.recorded_results(batch_id)
        await _advance(uow, batch, results, correlation_id, always_publish=True)
        await _save(uow, batch, finished_as)
        await uow.commit()
    logger.info("pipelines_requested", batch_id=batch_id, added=added)
    _log_transition(batch)
    return batch


class StateUpdate(NamedTuple):
    """One EssayLifecycleStateUpdated and the correlation_id its consequences carry."""

    event: EssayLifecycleStateUpdated
    correlation_id: str
    # Binds this event's log context around its own work in a multi-event call (the consumer
    # passes `bound_to`); a one-message call already runs inside the loop's binding.
    log_context: Callable[[], AbstractContextManager[None]] = nullcontext


async def handle_essay_lifecycle_state_updated(
    event: EssayLifecycleStateUpdated, correlation_id: str, uow: UnitOfWork
) -> None:
    """Step 8 for one message: the batch path with a single update (same rules, one code path)."""
    await handle_essay_lifecycle_state_updates([StateUpdate(event, correlation_id)], uow)


async def handle_essay_lifecycle_state_updates(
    updates: Sequence[StateUpdate], uow: UnitOfWork
) -> None:
    """Step 8: record terminal essay results, all of them in ONE transaction.

    A commit costs far more than a row (and one batch's updates arrive serially on one
    partition), so a whole poll is applied at once. Per batch: lock and load it once, record its
    results in order, derive the counts once, publish at most one snapshot, save, and one
    commit at the end. All-or-nothing: anything raised (PermanentError for an unknown batch, a
    lost compare-and-set) rolls back every batch, and the consumer then redoes them one by one.
    """
    by_batch: dict[str, list[StateUpdate]] = {}
    for update in updates:
        if _is_result(update.event):
            by_batch.setdefault(update.event.batch_id, []).append(update)
            continue
        # Half of all updates (awaiting_<phase>) change nothing here: skip the database.
        with update.log_context():
            logger.debug(
                "essay_update_not_a_result",
                batch_id=update.event.batch_id,
                essay_id=update.event.entity_ref.entity_id,
                essay_status=update.event.status,
            )
    if not by_batch:
        return
    async with uow:
        # Sorted, so two BOS instances lock the batches of overlapping polls in the same order.
        outcomes = []
        for batch_id in sorted(by_batch):
            batch = await _existing_batch(uow, batch_id)
            if batch is not None:  # a deleted batch's late results are dropped
                outcomes.append(await _record_results(uow, batch, by_batch[batch_id]))
        if not any(outcome.changed for outcome in outcomes):
            return  # only duplicates and ignorable updates: nothing to commit
        await uow.commit()
    for outcome in outcomes:
        _log_recorded(outcome)


def _is_result(event: EssayLifecycleStateUpdated) -> bool:
    """True when the update is a success or failure result of the pipeline of its phase."""
    try:
        spec = pipeline_for_stage(event.phase)
    except KeyError:
        return False  # a phase no pipeline runs in (registration, ingestion)
    return spec.result_of(event.status) is not None


@dataclass
class _Recorded:
    """What one batch's share of a call did, for the commit and the log lines after it."""

    batch: Batch
    processing: bool
    written: int = 0  # results written (new or changed)
    # The last update taken as a result (the last written one, if any): its correlation_id goes
    # on the snapshot, as the one-by-one handler's would.
    last: StateUpdate | None = None
    changed: bool = False  # rows or batch written: the transaction must commit


async def _record_results(uow: UnitOfWork, batch: Batch, updates: list[StateUpdate]) -> _Recorded:
    """One batch's results, recorded in order; then its pipelines advanced once from the rows.

    A result counts while its phase runs (or, before BatchEssaysReady, is kept for later: the
    results travel on another topic and may overtake it). A phase's results after it ended are
    ignored, and so is everything after the batch ended.
    """
    batch_id = batch.batch_id
    processing = batch.status is BatchStatus.PROCESSING
    outcome = _Recorded(batch, processing)
    if batch.status.is_terminal:
        for update in updates:
            with update.log_context():
                logger.debug("essay_update_after_batch_finished", batch_id=batch_id)
        return outcome
    recorded = {
        name: dict(rows) for name, rows in (await uow.batches.recorded_results(batch_id)).items()
    }
    known = _accepting(batch, recorded)
    new: dict[str, dict[str, RecordedResult]] = {}
    for update in updates:
        event = update.event
        name = pipeline_for_stage(event.phase).name
        essay_id, status = event.entity_ref.entity_id, event.status
        with update.log_context():
            log = logger.bind(batch_id=batch_id, essay_id=essay_id, essay_status=status)
            if name not in known:
                log.debug("essay_result_outside_a_running_phase", pipeline=name)
                continue
            if essay_id not in known[name]:
                log.warning("essay_result_for_unknown_essay", batch_status=batch.status)
                continue
            results = recorded.setdefault(name, {})
            if results.get(essay_id) == status:
                log.debug("essay_result_duplicate")  # the stored row says so already
                if not outcome.written:
                    outcome.last = update
            else:
                results[essay_id] = status
                new.setdefault(name, {})[essay_id] = RecordedResult(status, event.metrics)
                outcome.written, outcome.last = outcome.written + 1, update
            # One by one, the result leaving nothing pending ends the phase and every later
            # result of it meets an ended phase; the same must hold within one call.
            if processing and known[name] <= results.keys():
                del known[name]
    for name, rows in new.items():
        await uow.batches.record_results(batch_id, name, rows)
        outcome.changed = True
    last = outcome.last
    if (
        processing
        and last is not None
        and await _advance(uow, batch, recorded, last.correlation_id)
    ):
        await _save(uow, batch, BatchStatus.PROCESSING, progress_only=True)
        outcome.changed = True
    return outcome


def _accepting(batch: Batch, recorded: Results) -> dict[str, set[str]]:
    """Per pipeline whose results count now, the essays they may be about."""
    if batch.status is not BatchStatus.PROCESSING:  # before ready: kept, counted later
        return {name: set(batch.essay_ids) for name in batch.requested_pipelines}
    return {
        name: {ref.essay_id for ref in phase_inputs(batch, PIPELINES[name], recorded)}
        for name, detail in batch.pipeline_state.details()
        if detail.status is PipelineExecutionStatus.IN_PROGRESS
    }


def _log_recorded(outcome: _Recorded) -> None:
    """After commit: one line per batch (in its last result's context), and its transition."""
    batch, last = outcome.batch, outcome.last
    if last is None or not outcome.changed:
        return
    with last.log_context():
        if not outcome.processing:
            logger.info(
                "essay_results_before_processing",
                batch_id=batch.batch_id,
                batch_status=batch.status,
                results=outcome.written,
            )
            return
        logger.debug(
            "essay_results_recorded",
            batch_id=batch.batch_id,
            results=outcome.written,
            pipelines={n: d.status.value for n, d in batch.pipeline_state.details()},
        )
        if batch.status.is_terminal:
            _log_transition(batch)


async def _existing_batch(uow: UnitOfWork, batch_id: str) -> Batch | None:
    """The batch, locked; None (logged) when it was deleted: events still in flight for it are
    dropped, neither retried nor dead-lettered, and nothing of the batch comes back."""
    batch = await uow.batches.get(batch_id, for_update=True)
    if batch is not None:
        return batch
    if await uow.batches.was_deleted(batch_id):
        logger.info("event_for_deleted_batch_dropped", batch_id=batch_id)
        return None
    # Redelivery cannot make an unknown batch known: dead-letter instead of looping.
    raise PermanentError(f"unknown batch_id {batch_id!r}: BOS never registered it")


async def _save(
    uow: UnitOfWork, batch: Batch, expected: BatchStatus, *, progress_only: bool = False
) -> None:
    """Compare-and-set the batch; `progress_only` when just results were recorded (then only
    the pipelines' progress changed, and the ready essays need not be written again)."""
    save = uow.batches.save_progress if progress_only else uow.batches.save
    if not await save(batch, expected_status=expected):
        raise ConcurrentUpdateError(f"batch {batch.batch_id} left status {expected.value}")


async def _advance(
    uow: UnitOfWork,
    batch: Batch,
    results: Results,
    correlation_id: str,
    *,
    always_publish: bool = False,
) -> bool:
    """Advance the batch's pipelines (`domain.advance`) and queue what that says: each started
    phase's command, the class summary of a finished phase that measured metrics, a snapshot
    if anything changed (or `always_publish`), and BatchLifecycleCompleted when the batch ends.

    Returns whether the batch changed.
    """
    before = (batch.status, batch.pipeline_state.model_copy(deep=True))
    progress = advance(batch, results, utc_now())
    for spec, essays in progress.started:
        uow.publish(phase_command(batch, spec, essays), correlation_id)
        logger.info(
            "phase_started", batch_id=batch.batch_id, pipeline=spec.name, essays=len(essays)
        )
    for name in progress.finished:
        metrics = await uow.batches.result_metrics(batch.batch_id, name)
        if metrics:
            batch.class_summary = {**(batch.class_summary or {}), **class_summary(metrics)}
    changed = (batch.status, batch.pipeline_state) != before
    if changed or always_publish:
        uow.publish(progress_snapshot(batch), correlation_id)
    if progress.batch_finished:
        uow.publish(batch_completed(batch, results), correlation_id)
    return changed


def _log_transition(batch: Batch, **fields: object) -> None:
    if batch.status.is_terminal:
        BATCHES_FINISHED.labels(batch.status.value).inc()
        logger.info("batch_finished", batch_id=batch.batch_id, status=batch.status, **fields)
    else:
        logger.info("batch_status", batch_id=batch.batch_id, status=batch.status, **fields)
