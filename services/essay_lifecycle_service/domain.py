"""ELS's own vocabulary: batches, essay slots and uploads as plain records, and the rules on them.

No I/O here. The handlers decide with these records and rules; the repository stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from common_core.enums import ContentType, ErrorCode, EssayStatus
from common_core.events import EssayContentReady, EssayValidationFailed, SpellcheckResultDataV1

AWAITING_CONTENT = "awaiting_content"
"""Status of a slot that holds no content (yet); ELS-local, the contract's statuses follow it."""


def has_result(status: str) -> bool:
    """True once an essay (status as stored) has its result; the first result wins."""
    return status != AWAITING_CONTENT and EssayStatus(status).is_terminal


def arrival_times(now: Callable[[], datetime], count: int) -> list[datetime]:
    """Strictly increasing receive times: pending uploads are placed in arrival order later."""
    times = [now()]
    for _ in range(count - 1):
        times.append(max(now(), times[-1] + timedelta(microseconds=1)))
    return times


class UploadKind(StrEnum):
    """What became of one upload (one file_upload_id)."""

    PENDING = "pending"  # its batch is not registered yet
    CONTENT = "content"  # it holds a slot
    FAILED = "failed"  # rejected by File Service
    EXCESS = "excess"  # arrived when the batch had no room left
    DUPLICATE = "duplicate"  # the same text as content already in a slot (a re-upload)


class UploadSource(StrEnum):
    """Which event reported the upload."""

    CONTENT_READY = "content_ready"
    VALIDATION_FAILED = "validation_failed"


@dataclass(frozen=True)
class Upload:
    """One upload as File Service reported it; `file_upload_id` is the idempotency key."""

    file_upload_id: str
    batch_id: str
    source: UploadSource
    file_name: str
    received_at: datetime
    correlation_id: str
    text_storage_id: str | None = None
    content_sha256: str | None = None
    student_name: str | None = None
    student_email: str | None = None
    error_code: str | None = None
    message: str | None = None

    @property
    def has_content(self) -> bool:
        """True for an EssayContentReady upload (it can take a slot)."""
        return self.source is UploadSource.CONTENT_READY


@dataclass(frozen=True)
class Batch:
    """A registered batch: how many essays it expects and which slots it has."""

    batch_id: str
    expected_essay_count: int
    essay_ids: list[str]
    ready_published_at: datetime | None = None
    language: str | None = None


@dataclass(frozen=True)
class Essay:
    """One slot of a batch and everything ELS knows about the essay in it."""

    essay_id: str
    batch_id: str
    slot_index: int
    status: str
    file_upload_id: str | None = None
    original_file_name: str | None = None
    student_name: str | None = None
    student_email: str | None = None
    text_storage_id: str | None = None
    content_sha256: str | None = None
    corrected_text_storage_id: str | None = None
    spellcheck_log_storage_id: str | None = None
    corrections_made: int | None = None
    language: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class SlotCounts:
    """How much of a batch is accounted for."""

    assigned: int
    failed: int

    def is_complete(self, expected: int) -> bool:
        """Every expected essay is either content in a slot or a failed upload."""
        return self.assigned + self.failed >= expected


class SlotTakenError(Exception):
    """A slot chosen as free was filled meanwhile; the transaction is redone (retried)."""


@dataclass(frozen=True)
class Placement:
    """What one upload of a registered batch becomes; `essay_id` is its slot when CONTENT."""

    upload: Upload
    kind: UploadKind
    essay_id: str | None = None


def plan_placements(
    uploads: Sequence[Upload],
    expected_essay_count: int,
    counts: SlotCounts,
    free_slots: Sequence[str],
    assigned_hashes: set[str],
) -> list[Placement]:
    """Decide, in arrival order, what each new upload of a batch becomes.

    The batch's state (counts, free slots in slot order, hashes of texts in slots) is read once
    and advanced here, so a whole poll of uploads is decided exactly as if they had been placed
    one at a time: once every essay is accounted for, what follows is excess.
    """
    assigned, failed = counts.assigned, counts.failed
    free = list(reversed(free_slots))  # pop() from the end takes the lowest slot first
    hashes = set(assigned_hashes)
    plan = []
    for upload in uploads:
        if assigned + failed >= expected_essay_count:
            plan.append(Placement(upload, UploadKind.EXCESS))
        elif not upload.has_content:
            failed += 1
            plan.append(Placement(upload, UploadKind.FAILED))
        elif upload.content_sha256 and upload.content_sha256 in hashes:
            # The same text uploaded again in another request, typically a teacher retrying an
            # upload whose answer was lost. It gets no second slot and does not count toward
            # readiness: counting it would let the batch start without the files still to come.
            plan.append(Placement(upload, UploadKind.DUPLICATE))
        elif not free:
            plan.append(Placement(upload, UploadKind.EXCESS))
        else:
            assigned += 1
            if upload.content_sha256:
                hashes.add(upload.content_sha256)
            plan.append(Placement(upload, UploadKind.CONTENT, free.pop()))
    return plan


@dataclass(frozen=True)
class FailedUploadRecord:
    """A failed upload as reported in BatchEssaysReady and the batch API."""

    file_upload_id: str
    file_name: str
    error_code: str
    message: str


@dataclass(frozen=True)
class SpellcheckOutcome:
    """What a spellcheck result changes on an essay."""

    status: EssayStatus
    language: str
    corrected_text_storage_id: str | None
    spellcheck_log_storage_id: str | None
    corrections_made: int | None
    error: str | None


def spellcheck_outcome(event: SpellcheckResultDataV1) -> SpellcheckOutcome:
    """What a spellcheck result records on its essay: status and artifact references."""
    references = event.storage_metadata
    return SpellcheckOutcome(
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


def upload_from_content(
    event: EssayContentReady, correlation_id: str, received_at: datetime
) -> Upload:
    """The upload an EssayContentReady reports."""
    return Upload(
        file_upload_id=event.file_upload_id,
        batch_id=event.batch_id,
        source=UploadSource.CONTENT_READY,
        file_name=event.original_file_name,
        received_at=received_at,
        correlation_id=correlation_id,
        text_storage_id=event.content_storage_reference.storage_id(ContentType.ORIGINAL_ESSAY),
        content_sha256=event.content_sha256,
        student_name=event.student_name,
        student_email=event.student_email,
    )


def upload_from_failure(
    event: EssayValidationFailed, correlation_id: str, received_at: datetime
) -> Upload:
    """The upload an EssayValidationFailed reports."""
    return Upload(
        file_upload_id=event.file_upload_id,
        batch_id=event.batch_id,
        source=UploadSource.VALIDATION_FAILED,
        file_name=event.original_file_name,
        received_at=received_at,
        correlation_id=correlation_id,
        error_code=event.error_code.value,
        message=event.message,
    )


DUPLICATE_CONTENT_MESSAGE = "the same text was already uploaded to this batch"
DUPLICATE_CONTENT_CODE = ErrorCode.DUPLICATE_CONTENT.value
