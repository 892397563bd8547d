"""ELS decisions on batches and uploads: one plain async function per incoming event (the
pipeline phases' commands and results are decided in phase_handlers.py, on the same rules).

Each takes the event, the envelope's correlation id (stamped on everything emitted) and a fresh
`UnitOfWork`; it does all its reads, writes and event emissions in that one transaction, so a
crash at any point either leaves no trace or a complete, already-published-or-queued result.
Every handler is idempotent: at-least-once delivery may hand it the same event again.

The per-essay events (contents, failures) come a Kafka poll at a time, applied in one
transaction: a 200-essay batch is then a few commits instead of 200. The single forms are the
batch forms with one event, so both make the same decisions.

A message moves one way through this service: worker_main.py (routes) -> here (decide) ->
domain.py (pure rules) and repository.py (state) -> outgoing.py (events to queue).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

import structlog

from common_core.enums import ContentType, EssayStatus
from common_core.events import (
    BatchDeleted,
    BatchEssaysRegistered,
    EssayContentReady,
    EssayValidationFailed,
)
from common_core.kafka import PermanentError
from common_core.logs import get_logger
from common_core.metadata import utc_now
from services.essay_lifecycle_service.domain import (
    DUPLICATE_CONTENT_CODE,
    DUPLICATE_CONTENT_MESSAGE,
    Batch,
    Placement,
    Upload,
    UploadKind,
    arrival_times,
    plan_placements,
    upload_from_content,
    upload_from_failure,
)
from services.essay_lifecycle_service.metrics import (
    BATCHES_READY,
    ESSAY_TRANSITIONS,
    UPLOAD_OUTCOMES,
)
from services.essay_lifecycle_service.outgoing import batch_essays_ready
from services.essay_lifecycle_service.protocols import EssayRepository, UnitOfWork

logger = get_logger(__name__)

Clock = Callable[[], datetime]

# Outcomes that count toward a batch's readiness (an excess or duplicate upload never does).
_COUNTED = frozenset({UploadKind.CONTENT, UploadKind.FAILED})


async def register_batch(
    event: BatchEssaysRegistered, correlation_id: str, uow: UnitOfWork, now: Clock = utc_now
) -> None:
    """Create the batch's slots, then place the uploads that arrived before it, oldest first."""
    if len(event.essay_ids) != event.expected_essay_count or len(set(event.essay_ids)) != len(
        event.essay_ids
    ):
        raise PermanentError(
            f"batch {event.batch_id}: essay_ids must be {event.expected_essay_count} unique ids"
        )
    at = now()
    async with uow:
        await uow.essays.lock_batch(event.batch_id)
        if await uow.essays.get_batch(event.batch_id) is not None:
            logger.info("batch_already_registered", batch_id=event.batch_id)
            return
        if await uow.essays.deleted_among([event.batch_id]):
            # The deletion overtook the registration (another topic): it stays deleted.
            logger.info("registration_for_deleted_batch_dropped", batch_id=event.batch_id)
            return
        taken = await uow.essays.taken_essay_ids(event.essay_ids)
        if taken:
            raise PermanentError(f"batch {event.batch_id}: essay ids already used: {sorted(taken)}")
        batch = Batch(
            event.batch_id,
            event.expected_essay_count,
            list(event.essay_ids),
            teacher_id=event.teacher_id,
        )
        await uow.essays.add_batch(batch, at)
        pending = await uow.essays.pending_uploads(event.batch_id)
        placed = await _place_uploads(uow.essays, batch, pending, at)
        await _publish_ready_if_complete(uow, batch, correlation_id, at)
        await uow.commit()
    for kind in placed:
        _count_upload(kind.value)
    logger.info(
        "batch_registered",
        batch_id=event.batch_id,
        expected_essay_count=event.expected_essay_count,
        pending_placed=len(placed),
    )


async def assign_content_to_slot(
    event: EssayContentReady, correlation_id: str, uow: UnitOfWork, now: Clock = utc_now
) -> None:
    """Give the content one free slot of its batch (exactly once), or keep it pending/excess."""
    await assign_contents_to_slots([(event, correlation_id)], uow, now)


async def assign_contents_to_slots(
    events: Sequence[tuple[EssayContentReady, str]], uow: UnitOfWork, now: Clock = utc_now
) -> None:
    """`assign_content_to_slot` for several contents, in order, in one transaction."""
    times = arrival_times(now, len(events))
    uploads = [upload_from_content(e, cid, at) for (e, cid), at in zip(events, times, strict=True)]
    for upload in uploads:
        if upload.text_storage_id is None:
            raise PermanentError(
                f"upload {upload.file_upload_id} has no "
                f"{ContentType.ORIGINAL_ESSAY.value} reference"
            )
    await _accept_uploads(uploads, uow)


async def record_validation_failure(
    event: EssayValidationFailed, correlation_id: str, uow: UnitOfWork, now: Clock = utc_now
) -> None:
    """Count a rejected file toward the batch's readiness, so the batch never waits for it."""
    await record_validation_failures([(event, correlation_id)], uow, now)


async def record_validation_failures(
    events: Sequence[tuple[EssayValidationFailed, str]], uow: UnitOfWork, now: Clock = utc_now
) -> None:
    """`record_validation_failure` for several rejected files, in one transaction."""
    times = arrival_times(now, len(events))
    uploads = [upload_from_failure(e, cid, at) for (e, cid), at in zip(events, times, strict=True)]
    await _accept_uploads(uploads, uow)


async def _accept_uploads(uploads: Sequence[Upload], uow: UnitOfWork) -> None:
    """Record each upload once; place those of registered batches, keep the others pending."""
    outcomes: list[str] = []
    async with uow:
        await lock_batches(uow.essays, (upload.batch_id for upload in uploads))
        deleted = await uow.essays.deleted_among([upload.batch_id for upload in uploads])
        for upload in uploads:
            if upload.batch_id in deleted:  # in flight when its batch was deleted: not kept
                _log(upload, "upload_for_deleted_batch_dropped", batch_id=upload.batch_id)
        uploads = [upload for upload in uploads if upload.batch_id not in deleted]
        new_ids = await uow.essays.add_uploads(uploads)
        fresh: dict[str, list[Upload]] = {}  # batch id -> its new uploads, in arrival order
        for upload in uploads:
            if upload.file_upload_id in new_ids:
                new_ids.discard(upload.file_upload_id)  # a repeat in the same poll is seen too
                fresh.setdefault(upload.batch_id, []).append(upload)
            else:
                _log(upload, "upload_already_seen")
                outcomes.append("duplicate")
        for batch_id, batch_uploads in fresh.items():
            batch = await uow.essays.get_batch(batch_id)
            if batch is None:
                for upload in batch_uploads:
                    _log(upload, "upload_pending_registration", batch_id=batch_id)
                outcomes += [UploadKind.PENDING.value] * len(batch_uploads)
                continue
            last = batch_uploads[-1]
            kinds = await _place_uploads(uow.essays, batch, batch_uploads, last.received_at)
            outcomes += [kind.value for kind in kinds]
            counted = [u for u, kind in zip(batch_uploads, kinds, strict=True) if kind in _COUNTED]
            if counted:  # stamped with the upload that completed the batch, if one did
                await _publish_ready_if_complete(
                    uow, batch, counted[-1].correlation_id, counted[-1].received_at
                )
        await uow.commit()
    for outcome in outcomes:
        _count_upload(outcome)


async def forget_batch(
    event: BatchDeleted, correlation_id: str, uow: UnitOfWork, now: Clock = utc_now
) -> None:
    """BatchDeleted: remove every row of the batch (essays, student names, timelines, uploads
    still pending) and remember its id, so its late events are dropped instead of kept."""
    async with uow:
        await uow.essays.lock_batch(event.batch_id)
        first_time = await uow.essays.delete_batch(event.batch_id, now())
        await uow.commit()
    if first_time:
        logger.info("batch_forgotten", batch_id=event.batch_id)
    else:
        logger.info("batch_already_forgotten", batch_id=event.batch_id)


async def _place_uploads(
    essays: EssayRepository, batch: Batch, uploads: Sequence[Upload], at: datetime
) -> list[UploadKind]:
    """Decide what a registered batch's new uploads become and record it, in a few statements.

    The batch's state is read once and the decisions are made in memory (`plan_placements`),
    so a poll of 200 contents is a handful of queries rather than ten per upload.
    """
    if not uploads:
        return []
    plan = plan_placements(
        uploads,
        batch.expected_essay_count,
        await essays.slot_counts(batch.batch_id),
        await essays.free_slots(batch.batch_id),
        await essays.assigned_content_hashes(batch.batch_id),
    )
    claims = [(p.essay_id, p.upload) for p in plan if p.essay_id is not None]
    await essays.claim_slots(claims)
    for kind in (UploadKind.CONTENT, UploadKind.FAILED, UploadKind.EXCESS):
        ids = [p.upload.file_upload_id for p in plan if p.kind is kind]
        if ids:
            await essays.set_upload_kinds(ids, kind)
    duplicates = [p.upload.file_upload_id for p in plan if p.kind is UploadKind.DUPLICATE]
    if duplicates:
        await essays.set_upload_kinds(
            duplicates,
            UploadKind.DUPLICATE,
            error_code=DUPLICATE_CONTENT_CODE,
            message=DUPLICATE_CONTENT_MESSAGE,
        )
    if claims:
        await essays.set_statuses(
            [essay_id for essay_id, _ in claims], EssayStatus.READY_FOR_PROCESSING, at
        )
    for placement in plan:
        _log_placement(batch, placement)
    return [p.kind for p in plan]


async def _publish_ready_if_complete(
    uow: UnitOfWork, batch: Batch, correlation_id: str, at: datetime
) -> None:
    """Queue BatchEssaysReady when every expected essay is accounted for, once per batch."""
    counts = await uow.essays.slot_counts(batch.batch_id)
    if not counts.is_complete(batch.expected_essay_count):
        return
    if not await uow.essays.mark_ready_published(batch.batch_id, at):
        return  # already published by an earlier transaction
    essays = await uow.essays.essays_of_batch(batch.batch_id)
    failed = await uow.essays.failed_uploads(batch.batch_id)
    uow.publish(batch_essays_ready(batch.batch_id, essays, failed), correlation_id)
    BATCHES_READY.inc()
    logger.info(
        "batch_essays_ready", batch_id=batch.batch_id, ready=counts.assigned, failed=counts.failed
    )


async def lock_batches(essays: EssayRepository, batch_ids: Iterable[str]) -> None:
    """Lock every batch a transaction touches, in one order, so two workers cannot deadlock."""
    for batch_id in sorted(set(batch_ids)):
        await essays.lock_batch(batch_id)


def _count_upload(outcome: str) -> None:
    """Metrics after commit, so a rolled-back attempt is not counted."""
    UPLOAD_OUTCOMES.labels(outcome).inc()
    if outcome == UploadKind.CONTENT.value:
        ESSAY_TRANSITIONS.labels(EssayStatus.READY_FOR_PROCESSING.value).inc()


def _log_placement(batch: Batch, placement: Placement) -> None:
    upload, kind = placement.upload, placement.kind
    fields = {"batch_id": batch.batch_id, "file_upload_id": upload.file_upload_id}
    if kind is UploadKind.CONTENT:
        _log(upload, "content_assigned", essay_id=placement.essay_id, **fields)
    elif kind is UploadKind.FAILED:
        _log(upload, "upload_failed", **fields)
    elif kind is UploadKind.DUPLICATE:
        _log(upload, "duplicate_content", level="warning", **fields)
    else:
        # No file name: teachers name files after their students (ids only in logs).
        _log(
            upload,
            "excess_upload",
            level="warning",
            expected_essay_count=batch.expected_essay_count,
            **fields,
        )


def _log(upload: Upload, event: str, level: str = "info", **fields: object) -> None:
    """Log about one upload under its own correlation id (a poll mixes several)."""
    with structlog.contextvars.bound_contextvars(correlation_id=upload.correlation_id):
        getattr(logger, level)(event, **fields)
