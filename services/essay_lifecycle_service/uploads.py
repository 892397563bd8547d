"""What becomes of uploads: each recorded once, then placed in a slot, kept pending until its
batch is registered, or reported as failed, excess or duplicate; and when a batch is accounted
for, its BatchEssaysReady (once).

These run inside the caller's transaction (the handlers open it), a whole poll at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import structlog

from common_core.enums import EssayStatus
from common_core.logs import get_logger
from services.essay_lifecycle_service.domain import (
    DUPLICATE_CONTENT_CODE,
    DUPLICATE_CONTENT_MESSAGE,
    Batch,
    Placement,
    Upload,
    UploadKind,
    plan_placements,
)
from services.essay_lifecycle_service.metrics import (
    BATCHES_READY,
    ESSAY_TRANSITIONS,
    UPLOAD_OUTCOMES,
)
from services.essay_lifecycle_service.outgoing import batch_essays_ready
from services.essay_lifecycle_service.protocols import EssayStore, EssayTransaction

logger = get_logger(__name__)


async def lock_batches(tx: EssayTransaction, batch_ids: Iterable[str]) -> None:
    """Lock every batch a transaction touches, in one order, so two workers cannot deadlock."""
    for batch_id in sorted(set(batch_ids)):
        await tx.lock_batch(batch_id)


# Outcomes that count toward a batch's readiness (an excess or duplicate upload never does).
_COUNTED = frozenset({UploadKind.CONTENT, UploadKind.FAILED})


async def accept_uploads(uploads: Sequence[Upload], store: EssayStore) -> None:
    """Record each upload once; place those of registered batches, keep the others pending."""
    outcomes: list[str] = []
    async with store.transaction() as tx:
        await lock_batches(tx, (upload.batch_id for upload in uploads))
        new_ids = await tx.add_uploads(uploads)
        fresh: dict[str, list[Upload]] = {}  # batch id -> its new uploads, in arrival order
        for upload in uploads:
            if upload.file_upload_id in new_ids:
                new_ids.discard(upload.file_upload_id)  # a repeat in the same poll is seen too
                fresh.setdefault(upload.batch_id, []).append(upload)
            else:
                _log(upload, "upload_already_seen")
                outcomes.append("duplicate")
        for batch_id, batch_uploads in fresh.items():
            batch = await tx.get_batch(batch_id)
            if batch is None:
                for upload in batch_uploads:
                    _log(upload, "upload_pending_registration", batch_id=batch_id)
                outcomes += [UploadKind.PENDING.value] * len(batch_uploads)
                continue
            last = batch_uploads[-1]
            kinds = await place_uploads(tx, batch, batch_uploads, last.received_at)
            outcomes += [kind.value for kind in kinds]
            counted = [u for u, kind in zip(batch_uploads, kinds, strict=True) if kind in _COUNTED]
            if counted:  # stamped with the upload that completed the batch, if one did
                await publish_ready_if_complete(
                    tx, batch, counted[-1].correlation_id, counted[-1].received_at
                )
    for outcome in outcomes:
        count_upload(outcome)


def count_upload(outcome: str) -> None:
    """Metrics after commit, so a rolled-back attempt is not counted."""
    UPLOAD_OUTCOMES.labels(outcome).inc()
    if outcome == UploadKind.CONTENT.value:
        ESSAY_TRANSITIONS.labels(EssayStatus.READY_FOR_PROCESSING.value).inc()


async def place_uploads(
    tx: EssayTransaction, batch: Batch, uploads: Sequence[Upload], at: datetime
) -> list[UploadKind]:
    """Decide what a registered batch's new uploads become and record it, in a few statements.

    The batch's state is read once and the decisions are made in memory (domain), so a poll of
    200 contents is a handful of queries rather than ten per upload.
    """
    if not uploads:
        return []
    plan = plan_placements(
        uploads,
        batch.expected_essay_count,
        await tx.slot_counts(batch.batch_id),
        await tx.free_slots(batch.batch_id),
        await tx.assigned_content_hashes(batch.batch_id),
    )
    claims = [(p.essay_id, p.upload) for p in plan if p.essay_id is not None]
    await tx.claim_slots(claims)
    for kind in (UploadKind.CONTENT, UploadKind.FAILED, UploadKind.EXCESS):
        ids = [p.upload.file_upload_id for p in plan if p.kind is kind]
        if ids:
            await tx.set_upload_kinds(ids, kind)
    duplicates = [p.upload.file_upload_id for p in plan if p.kind is UploadKind.DUPLICATE]
    if duplicates:
        await tx.set_upload_kinds(
            duplicates,
            UploadKind.DUPLICATE,
            error_code=DUPLICATE_CONTENT_CODE,
            message=DUPLICATE_CONTENT_MESSAGE,
        )
    if claims:
        await tx.set_statuses(
            [essay_id for essay_id, _ in claims], EssayStatus.READY_FOR_PROCESSING, at
        )
    for placement in plan:
        _log_placement(batch, placement)
    return [p.kind for p in plan]


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
        _log(
            upload,
            "excess_upload",
            level="warning",
            file_name=upload.file_name,
            expected_essay_count=batch.expected_essay_count,
            **fields,
        )


def _log(upload: Upload, event: str, level: str = "info", **fields: object) -> None:
    """Log about one upload under its own correlation id (a poll mixes several)."""
    with structlog.contextvars.bound_contextvars(correlation_id=upload.correlation_id):
        getattr(logger, level)(event, **fields)


async def publish_ready_if_complete(
    tx: EssayTransaction, batch: Batch, correlation_id: str, at: datetime
) -> None:
    """Queue BatchEssaysReady when every expected essay is accounted for, once per batch."""
    counts = await tx.slot_counts(batch.batch_id)
    if not counts.is_complete(batch.expected_essay_count):
        return
    if not await tx.mark_ready_published(batch.batch_id, at):
        return  # already published by an earlier transaction
    essays = await tx.essays_of_batch(batch.batch_id)
    failed = await tx.failed_uploads(batch.batch_id)
    tx.publish(batch_essays_ready(batch.batch_id, essays, failed), correlation_id)
    BATCHES_READY.inc()
    logger.info(
        "batch_essays_ready",
        batch_id=batch.batch_id,
        ready=counts.assigned,
        failed=counts.failed,
    )
