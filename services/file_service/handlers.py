"""The upload decision: which files become essays, which are rejected, which were already
answered for, and in what order things happen so a failure or a retry never has a second
effect.

Order: (Idempotency-Key: claim the key, or replay its first answer) -> ask BOS -> extract every
file -> record each file's fingerprint in the batch -> store every text still to announce ->
publish their events (accepted first, then the rejections the batch has slots left for) and
wait for all acks -> mark them
published (-> keep the answer for the key). Only then does the caller answer 202. Refusals
are domain errors (domain.py); the API layer decides what they mean in HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from common_core.enums import BatchStatus
from common_core.events import BatchDeleted
from common_core.logs import get_logger
from services.file_service.domain import (
    AcceptedFile,
    BatchInfo,
    BatchNotAwaitingContent,
    BatchNotFound,
    Busy,
    Claimed,
    ContentServiceUnavailable,
    EventBusUnavailable,
    Extracted,
    ExtractedText,
    RejectedFile,
    RejectionSlots,
    Replay,
    RequestKey,
    UnusableFile,
    UploadedFile,
    UploadInProgress,
    UploadOutcome,
    plan_upload,
    request_ref,
)
from services.file_service.extraction import ExtractionError, extract_text
from services.file_service.metrics import EXTRACTION_SECONDS, FILES_PROCESSED
from services.file_service.outgoing import content_ready, validation_failed
from services.file_service.protocols import (
    BatchDeletions,
    BatchDirectory,
    BatchFiles,
    EventPublisher,
    TextStorage,
    UploadRequests,
)
from services.file_service.student_info import parse_student_info

logger = get_logger(__name__)

Extractor = Callable[[str, bytes], Awaitable[str]]


async def extract_in_thread(file_name: str, data: bytes) -> str:
    """Run `extract_text` in a worker thread so a large PDF does not stall other requests."""
    started = time.perf_counter()
    try:
        return await asyncio.to_thread(extract_text, file_name, data)
    finally:
        file_type = PurePosixPath(file_name.lower()).suffix.lstrip(".") or "none"
        if file_type not in ("txt", "docx", "pdf"):
            file_type = "other"  # keeps metric label cardinality bounded
        EXTRACTION_SECONDS.labels(file_type).observe(time.perf_counter() - started)


def utc_now() -> datetime:
    """The clock records are stamped with (every instance's clock, UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class IdempotencyPolicy:
    """How long a key's answer is kept, how long a lease lasts without renewal (a killed
    process's lease runs out this long after its last renewal), and how long a request with a
    key in use waits for the other request's answer before a 409."""

    ttl_seconds: float = 24 * 3600
    lease_seconds: float = 10.0
    wait_seconds: float = 30.0
    poll_seconds: float = 0.2


@dataclass(frozen=True)
class UploadCollaborators:
    """Everything an upload talks to, passed in so tests can hand over fakes."""

    batches: BatchDirectory
    storage: TextStorage
    publisher: EventPublisher
    requests: UploadRequests
    files: BatchFiles
    extract: Extractor = extract_in_thread
    store_concurrency: int = 8
    publish_timeout_seconds: float = 20.0
    idempotency: IdempotencyPolicy = field(default_factory=IdempotencyPolicy)
    clock: Callable[[], datetime] = utc_now


@dataclass(frozen=True)
class Upload:
    """One upload request as the API parsed it, by the teacher whose token it carried.

    `token` is that verified token: BOS is asked about the batch with it, so BOS answers for
    this teacher and another teacher's batch is refused exactly as an unknown one.
    """

    batch_id: str
    files: Sequence[UploadedFile]
    correlation_id: str
    teacher_id: str
    token: str
    idempotency_key: str | None = None


async def handle_upload(upload: Upload, deps: UploadCollaborators) -> dict[str, Any]:
    """The upload report (the 202 body): fresh, or the first answer again for a known key."""
    if upload.idempotency_key is None:
        batch = await ensure_batch_accepts_content(upload.batch_id, deps.batches, upload.token)
        outcome = await upload_batch_files(
            upload, deps, first_request=None, expected_essay_count=batch.expected_essay_count
        )
        return outcome.to_json(upload.correlation_id)
    return await _upload_once_per_key(upload, upload.idempotency_key, deps)


async def _upload_once_per_key(
    upload: Upload, idempotency_key: str, deps: UploadCollaborators
) -> dict[str, Any]:
    """Do the upload under the key's lease, or replay the answer of whoever did it.

    A request resuming a key whose earlier attempt had passed the batch check (and died or
    failed after it) does not check the batch's status again: that attempt's files may already
    have made the batch complete, and the contract's answer is the same "whatever the batch's
    state now". It still asks BOS how many essays the batch expects (the slots rejections may
    take).
    """
    key = RequestKey(upload.teacher_id, upload.batch_id, idempotency_key)
    claim = await _claim_or_wait(key, deps)
    if isinstance(claim, Replay):
        logger.info("upload_replayed", batch_id=upload.batch_id)
        return claim.response
    admitted = claim.admitted
    try:
        async with _lease_kept(key, claim.lease_token, deps):
            if not admitted:
                batch = await ensure_batch_accepts_content(
                    upload.batch_id, deps.batches, upload.token
                )
                await deps.requests.admit(key, claim.lease_token)
                admitted = True
            else:
                batch = await _existing_batch(upload.batch_id, deps.batches, upload.token)
            ref = request_ref(key.teacher_id, idempotency_key)
            outcome = await upload_batch_files(
                upload, deps, first_request=ref, expected_essay_count=batch.expected_essay_count
            )
    except BaseException:
        # Before admission nothing happened: forget the key. After it, end the lease now so
        # a retry resumes at once (and finishes what this attempt began).
        with contextlib.suppress(Exception):
            await deps.requests.release(key, claim.lease_token, forget=not admitted)
        raise
    response = outcome.to_json(upload.correlation_id)
    try:
        kept = await deps.requests.complete(key, claim.lease_token, response)
    except Exception as exc:  # the effects are done and safe to repeat; answer anyway
        logger.warning("upload_answer_not_kept", batch_id=upload.batch_id, error=repr(exc))
    else:
        if not kept:
            logger.warning("upload_lease_lost", batch_id=upload.batch_id)
    return response


async def _claim_or_wait(key: RequestKey, deps: UploadCollaborators) -> Claimed | Replay:
    policy = deps.idempotency
    deadline = time.monotonic() + policy.wait_seconds
    while True:
        result = await deps.requests.claim(
            key,
            uuid.uuid4().hex,
            deps.clock(),
            timedelta(seconds=policy.lease_seconds),
            timedelta(seconds=policy.ttl_seconds),
        )
        if not isinstance(result, Busy):
            return result
        if time.monotonic() >= deadline:
            raise UploadInProgress(key.batch_id, policy.wait_seconds)
        await asyncio.sleep(policy.poll_seconds)  # the other request's answer is polled for


@contextlib.asynccontextmanager
async def _lease_kept(
    key: RequestKey, lease_token: str, deps: UploadCollaborators
) -> AsyncIterator[None]:
    """Renew the lease a few times per lease period while the block runs."""
    lease = deps.idempotency.lease_seconds

    async def renew() -> None:
        while True:
            await asyncio.sleep(lease / 4)
            until = deps.clock() + timedelta(seconds=lease)
            try:
                if not await deps.requests.renew(key, lease_token, until):
                    logger.warning("upload_lease_lost", batch_id=key.batch_id)
                    return
            except Exception as exc:  # a database blip: try again next round
                logger.warning("upload_lease_not_renewed", batch_id=key.batch_id, error=repr(exc))

    renewing = asyncio.create_task(renew(), name="upload-lease")
    try:
        yield
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing


async def upload_batch_files(
    upload: Upload,
    deps: UploadCollaborators,
    first_request: str | None,
    expected_essay_count: int,
) -> UploadOutcome:
    """Turn the files into stored texts and events; returns once every event is acked.

    Files the batch already has on record are answered from the record (domain.plan_upload):
    a duplicate takes no slot and sends nothing; a file whose event was never acknowledged is
    sent again under its first id. A rejected file is announced only while the batch has a
    slot left for it after every file on record, this upload's essays first; the others are
    answered as excess and never announced, so junk files cannot take an essay's slot in ELS
    (where rejections and essays arrive on two topics, in either order).
    """
    batch_id = upload.batch_id
    extracted = await _extract_all(upload.files, deps.extract)
    proposed = {file.fingerprint: uuid.uuid4().hex for file in extracted}
    slots = RejectionSlots(
        [f.fingerprint for f in extracted if isinstance(f, UnusableFile)], expected_essay_count
    )
    known = await deps.files.record(batch_id, proposed, first_request, deps.clock(), slots)
    plan = plan_upload(extracted, known, first_request)
    to_store = [f for f in plan.to_publish if isinstance(f, AcceptedFile)]
    storage_ids = await _store_all(batch_id, to_store, upload.correlation_id, deps)
    # Essays first, then the rejections that have a slot, so the batch never waits on them.
    events = [
        content_ready(batch_id, f, storage_ids[f.file_upload_id])
        if isinstance(f, AcceptedFile)
        else validation_failed(batch_id, f)
        for f in plan.to_publish
    ]
    try:
        async with asyncio.timeout(deps.publish_timeout_seconds):
            await deps.publisher.publish_many((event, upload.correlation_id) for event in events)
    except Exception as exc:  # KafkaError, timeout...: all mean "not confirmed"
        logger.error("upload_events_not_acknowledged", batch_id=batch_id, error=repr(exc))
        raise EventBusUnavailable(type(exc).__name__) from exc
    try:
        await deps.files.mark_published(
            batch_id, [f.file_upload_id for f in plan.to_publish], deps.clock()
        )
    except Exception as exc:  # a retry then sends them again under the same ids: harmless
        logger.warning("upload_publication_not_recorded", batch_id=batch_id, error=repr(exc))
    _count(plan.accepted, plan.rejected)
    logger.info(
        "upload_processed",
        batch_id=batch_id,
        accepted=len(plan.accepted),
        duplicates=sum(f.duplicate for f in plan.accepted),
        rejected=len(plan.rejected),
        excess=sum(f.excess for f in plan.rejected),
        published=len(events),
    )
    return UploadOutcome(batch_id=batch_id, accepted=plan.accepted, rejected=plan.rejected)


async def purge_expired_records(
    requests: UploadRequests, interval_seconds: float, clock: Callable[[], datetime] = utc_now
) -> None:
    """Delete idempotency records past their expiry every `interval_seconds`, until cancelled.

    An expired record is never replayed anyway (claim starts the key over); this only keeps
    the table (and the file names in its answers) from outliving the 24 hours.
    """
    while True:
        try:
            purged = await requests.purge_expired(clock())
        except Exception as exc:  # the next round tries again
            logger.warning("idempotency_purge_failed", error=repr(exc))
        else:
            if purged:
                logger.info("idempotency_records_purged", count=purged)
        await asyncio.sleep(interval_seconds)


async def forget_deleted_batch(
    event: BatchDeleted, deletions: BatchDeletions, clock: Callable[[], datetime] = utc_now
) -> None:
    """BatchDeleted: the batch's files and idempotency records (whose answers name the files)
    go; an upload still under way for it then records nothing and answers 404."""
    files, records = await deletions.forget(event.batch_id, clock())
    logger.info("batch_records_deleted", batch_id=event.batch_id, files=files, records=records)


async def ensure_batch_accepts_content(
    batch_id: str, batches: BatchDirectory, token: str
) -> BatchInfo:
    """The batch as BOS knows it; BatchNotFound / BatchNotAwaitingContent unless BOS says the
    token's teacher's batch is awaiting_content."""
    batch = await _existing_batch(batch_id, batches, token)
    if batch.status != BatchStatus.AWAITING_CONTENT.value:
        raise BatchNotAwaitingContent(batch_id, batch.status)
    return batch


async def _existing_batch(batch_id: str, batches: BatchDirectory, token: str) -> BatchInfo:
    batch = await batches.batch_info(batch_id, token)
    if batch is None:
        raise BatchNotFound(batch_id)
    return batch


def _count(accepted: Sequence[AcceptedFile], rejected: Sequence[RejectedFile]) -> None:
    for file in accepted:
        FILES_PROCESSED.labels("duplicate" if file.duplicate else "accepted").inc()
    for failed in rejected:
        FILES_PROCESSED.labels("excess" if failed.excess else failed.error_code.value).inc()


async def _extract_all(files: Sequence[UploadedFile], extract: Extractor) -> list[Extracted]:
    extracted: list[Extracted] = []
    for file in files:
        try:
            text = await extract(file.file_name, file.data)
        except ExtractionError as exc:
            data_sha = hashlib.sha256(file.data).hexdigest()
            extracted.append(UnusableFile(file.file_name, data_sha, exc.code, exc.message))
            continue
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        extracted.append(ExtractedText(file.file_name, text, sha, parse_student_info(text)))
    return extracted


async def _store_all(
    batch_id: str, files: Sequence[AcceptedFile], correlation_id: str, deps: UploadCollaborators
) -> dict[str, str]:
    """Store every text or none usefully: the first failure cancels the rest and propagates."""
    limit = asyncio.Semaphore(deps.store_concurrency)
    storage_ids: dict[str, str] = {}

    async def store(file: AcceptedFile) -> None:
        async with limit:
            storage_ids[file.file_upload_id] = await deps.storage.store_text(
                file.text, batch_id, correlation_id
            )

    try:
        async with asyncio.TaskGroup() as group:
            for file in files:
                group.create_task(store(file))
    except* (ContentServiceUnavailable, BatchNotFound) as failures:
        # Texts stored before the failure stay as unreferenced blobs of the batch; no event
        # names them, and deleting the batch deletes them.
        raise failures.exceptions[0] from None
    return storage_ids
