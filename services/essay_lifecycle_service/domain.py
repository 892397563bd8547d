"""ELS's own vocabulary: batches, essay slots and uploads as plain records, and the rules on them.

No I/O here. The handlers decide with these records and rules; the repository stores them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from common_core.enums import ContentType, ErrorCode, EssayStatus
from common_core.events import EssayContentReady, EssayValidationFailed
from common_core.pipeline_catalog import PIPELINES, PipelineSpec

AWAITING_CONTENT = "awaiting_content"
"""Status of a slot that holds no content (yet); ELS-local, the contract's statuses follow it."""

# Each status's place in the run: -1 before any phase, else the index of its pipeline in the
# catalog (whose order is the dependency order).
_PHASE_OF_STATUS: dict[str, int] = {
    status.value: index
    for index, spec in enumerate(PIPELINES.values())
    for status in (spec.awaiting_status, spec.success_status, spec.failure_status)
}


def _phase_index(status: str) -> int:
    return _PHASE_OF_STATUS.get(status, -1)


def reached_phase(status: str, spec: PipelineSpec) -> bool:
    """True once an essay (status as stored) was handed to the phase `spec`, or to a later one:
    a command for it again changes nothing."""
    return _phase_index(status) >= _phase_index(spec.awaiting_status.value)


def accepts_result(status: str, spec: PipelineSpec) -> bool:
    """Whether a result of phase `spec` may still be recorded on an essay with `status`.

    The first result wins: once the essay has a result of this phase, or has moved on to a
    later one, another result would contradict what BOS has already counted.
    """
    return status == spec.awaiting_status.value or not reached_phase(status, spec)


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
    # The teacher who registered it (from BatchEssaysRegistered); None: nobody's (a batch from
    # before ownership, which no teacher can read).
    teacher_id: str | None = None


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
    nlp_metrics_storage_id: str | None = None
    nlp_metrics: dict[str, Any] | None = None
    nlp_error: str | None = None


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
class PhaseOutcome:
    """What a phase's result changes on an essay: its status and some of its fields.

    `changes` are Essay field names (the essays table's columns) and their new values;
    `metrics` are the numbers the result measured, passed on to BOS for the class summary.
    """

    status: EssayStatus
    changes: Mapping[str, Any] = field(default_factory=dict)
    metrics: dict[str, int | float | None] | None = None


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
