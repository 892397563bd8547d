"""ELS decisions: one plain async function per incoming event.

Each takes the event, the envelope's correlation id (stamped on everything emitted) and an
`EssayStore`; it does all its reads, writes and event emissions in one transaction, so a crash
at any point either leaves no trace or a complete, already-published-or-queued result. Every
handler is idempotent: at-least-once delivery may hand it the same event again.

The per-essay events (contents, failures, results) also come in a batch form that applies a
whole Kafka poll in one transaction: a 200-essay batch is then a few commits instead of 200.
The single form is the batch form with one event, so both make the same decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

import structlog
from prometheus_client import Counter

from common_core.enums import ContentType, ErrorCode, EssayStatus, ProcessingEvent, ProcessingStage
from common_core.events import (
    BatchEssaysReady,
    BatchEssaysRegistered,
    BatchServiceSpellcheckInitiateCommandDataV1,
    EssayContentReady,
    EssayLifecycleStateUpdated,
    EssayProcessingInputRef,
    EssayValidationFailed,
    FailedUpload,
    SpellcheckRequestedDataV1,
    SpellcheckResultDataV1,
)
from common_core.kafka import PermanentError
from common_core.logs import get_logger
from common_core.metadata import EntityReference, SystemProcessingMetadata, utc_now
from services.essay_lifecycle_service.domain import (
    DUPLICATE_CONTENT_CODE,
    DUPLICATE_CONTENT_MESSAGE,
    TERMINAL_SPELLCHECK_STATUSES,
    Batch,
    SpellcheckOutcome,
    Upload,
    UploadKind,
    upload_from_content,
    upload_from_failure,
)
from services.essay_lifecycle_service.protocols import EssayStore, EssayTransaction

logger = get_logger(__name__)

Clock = Callable[[], datetime]

UPLOAD_OUTCOMES = Counter(
    "huleedu_els_uploads_total",
    "Upload events by what became of them: content, failed, excess, pending or duplicate.",
    ["outcome"],
)
ESSAY_TRANSITIONS = Counter(
    "huleedu_els_essay_transitions_total", "Essay status changes by new status.", ["status"]
)
BATCHES_READY = Counter("huleedu_els_batches_ready_total", "BatchEssaysReady events queued.")


async def register_batch(
    event: BatchEssaysRegistered, correlation_id: str, store: EssayStore, now: Clock = utc_now
) -> None:
    """Create the batch's slots, then place the uploads that arrived before it, oldest first."""
    if len(event.essay_ids) != event.expected_essay_count or len(set(event.essay_ids)) != len(
        event.essay_ids
    ):
        raise PermanentError(
            f"batch {event.batch_id}: essay_ids must be {event.expected_essay_count} unique ids"
        )
    at = now()
    placed: list[UploadKind] = []
    async with store.transaction() as tx:
        await tx.lock_batch(event.batch_id)
        if await tx.get_batch(event.batch_id) is not None:
            logger.info("batch_already_registered", batch_id=event.batch_id)
            return
        taken = await tx.taken_essay_ids(event.essay_ids)
        if taken:
            raise PermanentError(f"batch {event.batch_id}: essay ids already used: {sorted(taken)}")
        batch = Batch(event.batch_id, event.expected_essay_count, list(event.essay_ids))
        await tx.add_batch(batch, at)
        for upload in await tx.pending_uploads(event.batch_id):
            placed.append(await _place_upload(tx, batch, upload, at))
        await _publish_ready_if_complete(tx, batch, correlation_id, at)
    for kind in placed:
        _count_upload(kind.value)
    logger.info(
        "batch_registered",
        batch_id=event.batch_id,
        expected_essay_count=event.expected_essay_count,
        pending_placed=len(placed),
    )


async def assign_content_to_slot(
    event: EssayContentReady, correlation_id: str, store: EssayStore, now: Clock = utc_now
) -> None:
    """Give the content one free slot of its batch (exactly once), or keep it pending/excess."""
    await assign_contents_to_slots([(event, correlation_id)], store, now)


async def assign_contents_to_slots(
    events: Sequence[tuple[EssayContentReady, str]], store: EssayStore, now: Clock = utc_now
) -> None:
    """`assign_content_to_slot` for several contents, in order, in one transaction."""
    times = _arrival_times(now, len(events))
    uploads = [upload_from_content(e, cid, at) for (e, cid), at in zip(events, times, strict=True)]
    for upload in uploads:
        if upload.text_storage_id is None:
            raise PermanentError(
                f"upload {upload.file_upload_id} has no "
                f"{ContentType.ORIGINAL_ESSAY.value} reference"
            )
    await _accept_uploads(uploads, store)


async def record_validation_failure(
    event: EssayValidationFailed, correlation_id: str, store: EssayStore, now: Clock = utc_now
) -> None:
    """Count a rejected file toward the batch's readiness, so the batch never waits for it."""
    await record_validation_failures([(event, correlation_id)], store, now)


async def record_validation_failures(
    events: Sequence[tuple[EssayValidationFailed, str]], store: EssayStore, now: Clock = utc_now
) -> None:
    """`record_validation_failure` for several rejected files, in one transaction."""
    times = _arrival_times(now, len(events))
    await _accept_uploads(
        [upload_from_failure(e, cid, at) for (e, cid), at in zip(events, times, strict=True)],
        store,
    )


def _arrival_times(now: Clock, count: int) -> list[datetime]:
    """Strictly increasing receive times: pending uploads are placed in arrival order later."""
    times = [now()]
    for _ in range(count - 1):
        times.append(max(now(), times[-1] + timedelta(microseconds=1)))
    return times


async def start_spellcheck(
    event: BatchServiceSpellcheckInitiateCommandDataV1,
    correlation_id: str,
    store: EssayStore,
    now: Clock = utc_now,
) -> None:
    """Hand each ready essay to the spell checker; essays already handed out are skipped."""
    at = now()
    language = event.language.value
    requested: list[str] = []
    async with store.transaction() as tx:
        await tx.lock_batch(event.batch_id)
        if await tx.get_batch(event.batch_id) is None:
            raise PermanentError(f"spellcheck command for unknown batch {event.batch_id}")
        await tx.set_batch_language(event.batch_id, language)
        # One query for the batch's essays, not one per essay (200 essays: 1.6 s -> less).
        essays = {e.essay_id: e for e in await tx.essays_of_batch(event.batch_id)}
        for ref in event.essays_to_process:
            essay = essays.get(ref.essay_id)
            if essay is None:
                raise PermanentError(f"essay {ref.essay_id} is not in batch {event.batch_id}")
            if essay.status != EssayStatus.READY_FOR_PROCESSING.value:
                logger.info("spellcheck_already_requested", essay_id=essay.essay_id)
                continue
            requested.append(essay.essay_id)
            entity = _essay_ref(essay.essay_id, event.batch_id)
            tx.publish(
                SpellcheckRequestedDataV1(
                    batch_id=event.batch_id,
                    entity_ref=entity,
                    text_storage_id=ref.text_storage_id,
                    language=event.language,
                    metadata=_metadata(entity, ProcessingEvent.ESSAY_SPELLCHECK_REQUESTED),
                ),
                correlation_id,
            )
            tx.publish(_state_updated(entity, EssayStatus.AWAITING_SPELLCHECK), correlation_id)
        if requested:
            await tx.set_statuses(requested, EssayStatus.AWAITING_SPELLCHECK, at, language=language)
    ESSAY_TRANSITIONS.labels(EssayStatus.AWAITING_SPELLCHECK.value).inc(len(requested))
    logger.info("spellcheck_requested", batch_id=event.batch_id, essays=len(requested))


async def record_spellcheck_result(
    event: SpellcheckResultDataV1, correlation_id: str, store: EssayStore, now: Clock = utc_now
) -> None:
    """Store the result's status and artifacts and tell BOS; a repeated result changes nothing."""
    await record_spellcheck_results([(event, correlation_id)], store, now)


async def record_spellcheck_results(
    events: Sequence[tuple[SpellcheckResultDataV1, str]],
    store: EssayStore,
    now: Clock = utc_now,
) -> None:
    """`record_spellcheck_result` for several results, in order, in one transaction."""
    for event, _ in events:
        if event.status.value not in TERMINAL_SPELLCHECK_STATUSES:
            raise PermanentError(f"spellcheck result with non-terminal status {event.status.value}")
    at = now()
    recorded: list[str] = []
    async with store.transaction() as tx:
        await _lock_batches(tx, (event.batch_id for event, _ in events))
        for event, correlation_id in events:
            with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
                if await _record_result(tx, event, correlation_id, at):
                    recorded.append(event.status.value)
    for status in recorded:
        ESSAY_TRANSITIONS.labels(status).inc()
    logger.info("spellcheck_results_recorded", recorded=len(recorded), received=len(events))


async def _record_result(
    tx: EssayTransaction, event: SpellcheckResultDataV1, correlation_id: str, at: datetime
) -> bool:
    """Record one result unless its essay already has one; returns whether it was recorded."""
    essay_id = event.entity_ref.entity_id
    essay = await tx.get_essay(essay_id)
    if essay is None or essay.batch_id != event.batch_id:
        raise PermanentError(f"spellcheck result for unknown essay {essay_id}")
    if essay.status in TERMINAL_SPELLCHECK_STATUSES:
        # The first result wins: BOS has already counted it, a second would contradict it.
        logger.info("spellcheck_result_already_recorded", essay_id=essay_id)
        return False
    references = event.storage_metadata
    outcome = SpellcheckOutcome(
        status=event.status,
        language=event.language.value,
        corrected_text_storage_id=(
            references.storage_id(ContentType.CORRECTED_TEXT) if references else None
        ),
        spellcheck_log_storage_id=(
            references.storage_id(ContentType.SPELLCHECK_LOG) if references else None
        ),
        corrections_made=event.corrections_made,
        error=event.error,
    )
    await tx.record_spellcheck(essay_id, outcome, at)
    tx.publish(_state_updated(_essay_ref(essay_id, event.batch_id), event.status), correlation_id)
    logger.debug("spellcheck_result_recorded", essay_id=essay_id, status=event.status.value)
    return True


async def _lock_batches(tx: EssayTransaction, batch_ids: Iterable[str]) -> None:
    """Lock every batch a transaction touches, in one order, so two workers cannot deadlock."""
    for batch_id in sorted(set(batch_ids)):
        await tx.lock_batch(batch_id)


# Outcomes that count toward a batch's readiness (an excess or duplicate upload never does).
_COUNTED = frozenset({UploadKind.CONTENT.value, UploadKind.FAILED.value})


async def _accept_uploads(uploads: Sequence[Upload], store: EssayStore) -> None:
    """Record each upload once, in order; readiness is decided once per batch, at the end."""
    outcomes: list[str] = []
    async with store.transaction() as tx:
        await _lock_batches(tx, (upload.batch_id for upload in uploads))
        placed: dict[str, tuple[Batch, Upload]] = {}
        for upload in uploads:
            with structlog.contextvars.bound_contextvars(correlation_id=upload.correlation_id):
                outcome, batch = await _accept_upload(tx, upload)
            outcomes.append(outcome)
            if batch is not None and outcome in _COUNTED:
                placed[batch.batch_id] = (batch, upload)
        # Checking once after the last upload of a batch publishes at the same moment as
        # checking after each: an upload placed after completion is excess, never "ready".
        for batch, last in placed.values():
            await _publish_ready_if_complete(tx, batch, last.correlation_id, last.received_at)
    for outcome in outcomes:
        _count_upload(outcome)


async def _accept_upload(tx: EssayTransaction, upload: Upload) -> tuple[str, Batch | None]:
    """Record one upload; returns its outcome and its batch when the batch is registered."""
    if not await tx.add_upload(upload):
        logger.info("upload_already_seen", file_upload_id=upload.file_upload_id)
        return "duplicate", None
    batch = await tx.get_batch(upload.batch_id)
    if batch is None:
        logger.info(
            "upload_pending_registration",
            batch_id=upload.batch_id,
            file_upload_id=upload.file_upload_id,
        )
        return UploadKind.PENDING.value, None
    return (await _place_upload(tx, batch, upload, upload.received_at)).value, batch


def _count_upload(outcome: str) -> None:
    """Metrics after commit, so a rolled-back attempt is not counted."""
    UPLOAD_OUTCOMES.labels(outcome).inc()
    if outcome == UploadKind.CONTENT.value:
        ESSAY_TRANSITIONS.labels(EssayStatus.READY_FOR_PROCESSING.value).inc()


async def _place_upload(
    tx: EssayTransaction, batch: Batch, upload: Upload, at: datetime
) -> UploadKind:
    """Decide what an upload of a registered batch becomes, and record it."""
    counts = await tx.slot_counts(batch.batch_id)
    if counts.is_complete(batch.expected_essay_count):
        return await _record_excess(tx, batch, upload)
    if not upload.has_content:
        await tx.set_upload_kind(upload.file_upload_id, UploadKind.FAILED)
        logger.info("upload_failed", batch_id=batch.batch_id, file_upload_id=upload.file_upload_id)
        return UploadKind.FAILED
    if upload.content_sha256 and await tx.is_content_assigned(
        batch.batch_id, upload.content_sha256
    ):
        # The same text uploaded again in another request, typically a teacher retrying an
        # upload whose answer was lost. It gets no second slot and does not count toward
        # readiness: counting it would let the batch start without the files still to come.
        await tx.set_upload_kind(
            upload.file_upload_id,
            UploadKind.DUPLICATE,
            error_code=DUPLICATE_CONTENT_CODE,
            message=DUPLICATE_CONTENT_MESSAGE,
        )
        logger.warning(
            "duplicate_content", batch_id=batch.batch_id, file_upload_id=upload.file_upload_id
        )
        return UploadKind.DUPLICATE
    essay_id = await tx.claim_free_slot(upload)
    if essay_id is None:
        return await _record_excess(tx, batch, upload)
    await tx.set_upload_kind(upload.file_upload_id, UploadKind.CONTENT)
    await tx.set_statuses([essay_id], EssayStatus.READY_FOR_PROCESSING, at)
    logger.info(
        "content_assigned",
        batch_id=batch.batch_id,
        essay_id=essay_id,
        file_upload_id=upload.file_upload_id,
    )
    return UploadKind.CONTENT


async def _record_excess(tx: EssayTransaction, batch: Batch, upload: Upload) -> UploadKind:
    await tx.set_upload_kind(upload.file_upload_id, UploadKind.EXCESS)
    logger.warning(
        "excess_upload",
        batch_id=batch.batch_id,
        file_upload_id=upload.file_upload_id,
        file_name=upload.file_name,
        expected_essay_count=batch.expected_essay_count,
    )
    return UploadKind.EXCESS


async def _publish_ready_if_complete(
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
    tx.publish(
        BatchEssaysReady(
            batch_id=batch.batch_id,
            ready_essays=[
                EssayProcessingInputRef(essay_id=e.essay_id, text_storage_id=e.text_storage_id)
                for e in essays
                if e.text_storage_id is not None
            ],
            failed_uploads=[
                FailedUpload(
                    file_upload_id=f.file_upload_id,
                    file_name=f.file_name,
                    error_code=ErrorCode(f.error_code),
                    message=f.message,
                )
                for f in failed
            ],
            metadata=_metadata(
                EntityReference(entity_id=batch.batch_id, entity_type="batch"),
                ProcessingEvent.BATCH_ESSAYS_READY,
                ProcessingStage.CONTENT_INGESTION,
            ),
        ),
        correlation_id,
    )
    BATCHES_READY.inc()
    logger.info(
        "batch_essays_ready",
        batch_id=batch.batch_id,
        ready=counts.assigned,
        failed=counts.failed,
    )


def _essay_ref(essay_id: str, batch_id: str) -> EntityReference:
    return EntityReference(entity_id=essay_id, entity_type="essay", parent_id=batch_id)


def _metadata(
    entity: EntityReference,
    event: ProcessingEvent,
    stage: ProcessingStage = ProcessingStage.SPELLCHECK,
) -> SystemProcessingMetadata:
    return SystemProcessingMetadata(entity=entity, event=event, processing_stage=stage)


def _state_updated(entity: EntityReference, status: EssayStatus) -> EssayLifecycleStateUpdated:
    return EssayLifecycleStateUpdated(
        batch_id=entity.parent_id or entity.entity_id,
        entity_ref=entity,
        status=status,
        phase=ProcessingStage.SPELLCHECK,
        metadata=_metadata(entity, ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED),
    )
