"""BOS's decisions, one plain function per command or event (event flow steps 1, 4 and 8 of
docs/architecture.md).

Each runs in one unit of work: the state change and the events reporting it commit together
(transactional outbox), and each is idempotent because Kafka delivers at least once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from common_core.enums import (
    BatchStatus,
    EssayStatus,
    language_for_course,
)
from common_core.events import (
    BatchEssaysReady,
    EssayLifecycleStateUpdated,
)
from common_core.kafka import PermanentError
from common_core.logs import get_logger
from common_core.metadata import utc_now
from common_core.pipeline import EssayCounts
from services.batch_orchestrator_service.domain import (
    Batch,
    BatchRegistration,
    ConcurrentUpdateError,
    ResultCounts,
    essay_counts,
    finish,
    new_batch,
    start_spellcheck,
    unique_ready_essays,
)
from services.batch_orchestrator_service.metrics import BATCHES_FINISHED, BATCHES_REGISTERED
from services.batch_orchestrator_service.outgoing import (
    batch_completed,
    batch_registered,
    progress_snapshot,
    spellcheck_command,
)
from services.batch_orchestrator_service.protocols import UnitOfWork

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
        course_code=batch.course_code.value,
        expected_essay_count=batch.expected_essay_count,
    )
    return batch


async def handle_batch_essays_ready(
    event: BatchEssaysReady, correlation_id: str, uow: UnitOfWork
) -> None:
    """Step 4: ready_for_processing -> language from course_code -> processing -> command."""
    async with uow:
        batch = await _existing_batch(uow, event.batch_id)
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
        if not ready:
            # Every upload failed: nothing to check, so the batch ends here instead of waiting.
            finish(batch, ResultCounts(), now)
            _publish_completion(uow, batch, correlation_id)
        else:
            batch.status = BatchStatus.READY_FOR_PROCESSING
            batch.pipeline_state.spellcheck.essay_counts = EssayCounts(
                total=len(ready), pending=len(ready)
            )
            uow.publish(progress_snapshot(batch), correlation_id)
            start_spellcheck(batch, ready, now)
            uow.publish(spellcheck_command(batch, ready), correlation_id)
            # Results can overtake this event (another topic, so another partition); any
            # already recorded count from the start.
            results = await uow.batches.result_counts(batch.batch_id, batch.ready_essay_ids)
            _apply_results(uow, batch, results, correlation_id, now, always_publish=True)
        await _save(uow, batch, BatchStatus.AWAITING_CONTENT)
        await uow.commit()
    _log_transition(batch, failed_uploads=len(batch.failed_uploads))


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
        if update.event.status.is_terminal:
            by_batch.setdefault(update.event.batch_id, []).append(update)
            continue
        # Half of all updates (awaiting_spellcheck) change nothing here: skip the database.
        with update.log_context():
            logger.debug(
                "essay_update_not_a_result",
                batch_id=update.event.batch_id,
                essay_id=update.event.entity_ref.entity_id,
            )
    if not by_batch:
        return
    async with uow:
        # Sorted, so two BOS instances lock the batches of overlapping polls in the same order.
        outcomes = [await _record_results(uow, b, by_batch[b]) for b in sorted(by_batch)]
        if not any(outcome.changed for outcome in outcomes):
            return  # only duplicates and ignorable updates: nothing to commit
        await uow.commit()
    for outcome in outcomes:
        _log_recorded(outcome)


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


async def _record_results(uow: UnitOfWork, batch_id: str, updates: list[StateUpdate]) -> _Recorded:
    """One batch's results, recorded in order; then its counts derived once from the rows."""
    batch = await _existing_batch(uow, batch_id)
    processing = batch.status is BatchStatus.PROCESSING
    outcome = _Recorded(batch, processing)
    known = batch.ready_essay_ids if processing else set(batch.essay_ids)
    finished = batch.status.is_terminal
    recorded = {} if finished else await uow.batches.recorded_results(batch_id)
    pending = len(known - recorded.keys())
    new: dict[str, EssayStatus] = {}
    for update in updates:
        essay_id, status = update.event.entity_ref.entity_id, update.event.status
        with update.log_context():
            log = logger.bind(batch_id=batch_id, essay_id=essay_id, essay_status=status)
            if finished:
                log.debug("essay_update_after_batch_finished")
                continue
            if essay_id not in known:
                log.warning("essay_result_for_unknown_essay", batch_status=batch.status)
                continue
            if recorded.get(essay_id) == status:
                log.debug("essay_result_duplicate")  # the stored row says so already
                if not outcome.written:
                    outcome.last = update
            else:
                if essay_id not in recorded:
                    pending -= 1
                recorded[essay_id] = new[essay_id] = status
                outcome.written, outcome.last = outcome.written + 1, update
            # One by one, the result leaving nothing pending finishes the batch and every later
            # update meets a finished batch; the same must hold within one call.
            finished = processing and pending == 0
    if new:
        await uow.batches.record_results(batch_id, new)
        outcome.changed = True
    # Before processing the results are only kept: results travel on another topic than
    # BatchEssaysReady, so they may overtake it, and the ready handler counts them.
    if processing and outcome.last is not None:
        results = ResultCounts.of(s for e, s in recorded.items() if e in known)
        if _apply_results(uow, batch, results, outcome.last.correlation_id, utc_now()):
            await _save(uow, batch, BatchStatus.PROCESSING)
            outcome.changed = True
    return outcome


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
            counts=batch.pipeline_state.spellcheck.essay_counts,
        )
        if batch.status.is_terminal:
            _log_transition(batch)


async def _existing_batch(uow: UnitOfWork, batch_id: str) -> Batch:
    batch = await uow.batches.get(batch_id, for_update=True)
    if batch is None:
        # Redelivery cannot make an unknown batch known: dead-letter instead of looping.
        raise PermanentError(f"unknown batch_id {batch_id!r}: BOS never registered it")
    return batch


async def _save(uow: UnitOfWork, batch: Batch, expected: BatchStatus) -> None:
    if not await uow.batches.save(batch, expected_status=expected):
        raise ConcurrentUpdateError(f"batch {batch.batch_id} left status {expected.value}")


def _apply_results(
    uow: UnitOfWork,
    batch: Batch,
    results: ResultCounts,
    correlation_id: str,
    now: datetime,
    *,
    always_publish: bool = False,
) -> bool:
    """Derive counts from `results`; finish the batch when nothing is pending.

    Publishes a progress snapshot (and BatchLifecycleCompleted when finishing) if the counts
    changed or `always_publish`; returns whether anything changed.
    """
    detail = batch.pipeline_state.spellcheck
    counts = essay_counts(len(batch.ready_essays), results)
    changed = counts != detail.essay_counts
    if counts.pending == 0:
        finish(batch, results, now)
        _publish_completion(uow, batch, correlation_id)
        return True
    if changed:
        detail.essay_counts = counts
        batch.updated_at = now
    if changed or always_publish:
        uow.publish(progress_snapshot(batch), correlation_id)
    return changed


def _publish_completion(uow: UnitOfWork, batch: Batch, correlation_id: str) -> None:
    """The final progress snapshot and BatchLifecycleCompleted, in the finishing transaction."""
    uow.publish(progress_snapshot(batch), correlation_id)
    uow.publish(batch_completed(batch), correlation_id)


def _log_transition(batch: Batch, **fields: object) -> None:
    if batch.status.is_terminal:
        BATCHES_FINISHED.labels(batch.status.value).inc()
        logger.info("batch_finished", batch_id=batch.batch_id, status=batch.status, **fields)
    else:
        logger.info("batch_status", batch_id=batch.batch_id, status=batch.status, **fields)
