"""The upload decision: which files become essays, which are rejected, and in what order
things happen so a failure never leaves a batch half-published.

Order: ask BOS -> extract every file -> store every accepted text -> publish every event
(accepted and rejected together) and wait for all acks. Only then does the caller answer 202.
A Content Service failure stops the upload before anything is published. Refusals are domain
errors (domain.py); the API layer decides what they mean in HTTP.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from common_core.enums import BatchStatus, ErrorCode
from common_core.logs import get_logger
from services.file_service.domain import (
    AcceptedFile,
    BatchNotAwaitingContent,
    BatchNotFound,
    ContentServiceUnavailable,
    EventBusUnavailable,
    RejectedFile,
    UploadedFile,
    UploadOutcome,
)
from services.file_service.extraction import ExtractionError, extract_text
from services.file_service.metrics import EXTRACTION_SECONDS, FILES_PROCESSED
from services.file_service.outgoing import content_ready, validation_failed
from services.file_service.protocols import BatchDirectory, EventPublisher, TextStorage
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


@dataclass(frozen=True)
class UploadCollaborators:
    """Everything an upload talks to, passed in so tests can hand over fakes."""

    batches: BatchDirectory
    storage: TextStorage
    publisher: EventPublisher
    extract: Extractor = extract_in_thread
    store_concurrency: int = 8
    publish_timeout_seconds: float = 20.0


async def upload_batch_files(
    batch_id: str,
    files: Sequence[UploadedFile],
    correlation_id: str,
    deps: UploadCollaborators,
) -> UploadOutcome:
    """Turn an upload into stored texts and events; returns once every event is acked."""
    await ensure_batch_accepts_content(batch_id, deps.batches)
    outcomes = await _extract_all(files, deps.extract)
    accepted = [f for f in outcomes if isinstance(f, AcceptedFile)]
    rejected = [f for f in outcomes if isinstance(f, RejectedFile)]
    storage_ids = await _store_all(batch_id, accepted, correlation_id, deps)
    # Events go out in upload order, rejected files included, so the batch never waits on them.
    events = [
        content_ready(batch_id, f, storage_ids[f.file_upload_id])
        if isinstance(f, AcceptedFile)
        else validation_failed(batch_id, f)
        for f in outcomes
    ]
    try:
        async with asyncio.timeout(deps.publish_timeout_seconds):
            await deps.publisher.publish_many((event, correlation_id) for event in events)
    except Exception as exc:  # KafkaError, timeout...: all mean "not confirmed"
        logger.error("upload_events_not_acknowledged", batch_id=batch_id, error=repr(exc))
        raise EventBusUnavailable(type(exc).__name__) from exc
    FILES_PROCESSED.labels("accepted").inc(len(accepted))
    for failed in rejected:
        FILES_PROCESSED.labels(failed.error_code.value).inc()
    logger.info(
        "upload_processed", batch_id=batch_id, accepted=len(accepted), rejected=len(rejected)
    )
    return UploadOutcome(batch_id=batch_id, accepted=accepted, rejected=rejected)


async def ensure_batch_accepts_content(batch_id: str, batches: BatchDirectory) -> None:
    """Raise BatchNotFound / BatchNotAwaitingContent unless BOS says awaiting_content."""
    status = await batches.batch_status(batch_id)
    if status is None:
        raise BatchNotFound(batch_id)
    if status != BatchStatus.AWAITING_CONTENT.value:
        raise BatchNotAwaitingContent(batch_id, status)


async def _extract_all(
    files: Sequence[UploadedFile], extract: Extractor
) -> list[AcceptedFile | RejectedFile]:
    outcomes: list[AcceptedFile | RejectedFile] = []
    first_name_by_sha: dict[str, str] = {}
    for file in files:
        upload_id = uuid.uuid4().hex
        try:
            text = await extract(file.file_name, file.data)
        except ExtractionError as exc:
            outcomes.append(RejectedFile(file.file_name, upload_id, exc.code, exc.message))
            continue
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if sha in first_name_by_sha:
            message = f"same content as {first_name_by_sha[sha]} in this upload"
            outcomes.append(
                RejectedFile(file.file_name, upload_id, ErrorCode.DUPLICATE_CONTENT, message)
            )
            continue
        first_name_by_sha[sha] = file.file_name
        outcomes.append(
            AcceptedFile(file.file_name, upload_id, text, sha, parse_student_info(text))
        )
    return outcomes


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
