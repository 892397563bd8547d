"""What an upload is made of and why it can be refused: plain records and domain errors.

No I/O and no HTTP here: the handlers raise these errors, and only the API layer (api/files.py)
turns them into status codes and JSON bodies.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from common_core.enums import ErrorCode
from services.file_service.student_info import StudentInfo


@dataclass(frozen=True)
class UploadedFile:
    """One file of the request: its name is a label only, never a path."""

    file_name: str
    data: bytes


@dataclass(frozen=True)
class BatchInfo:
    """What File Service needs to know of a batch from BOS: its status and how many essays
    (slots) it expects."""

    status: str
    expected_essay_count: int


@dataclass(frozen=True)
class ExtractedText:
    """A file whose text came out (not yet given an id)."""

    file_name: str
    text: str
    content_sha256: str
    student: StudentInfo

    @property
    def fingerprint(self) -> str:
        """Accepted files are the same file when their text is the same."""
        return f"text:{self.content_sha256}"


@dataclass(frozen=True)
class UnusableFile:
    """A file with no usable text, and why (not yet given an id)."""

    file_name: str
    data_sha256: str
    error_code: ErrorCode
    message: str

    @property
    def fingerprint(self) -> str:
        """A rejected file is the same file when its name and bytes are: a retry sends both
        again, while two different empty files of one batch are two files."""
        digest = hashlib.sha256(f"{self.file_name}\0{self.data_sha256}".encode()).hexdigest()
        return f"file:{digest}"


Extracted = ExtractedText | UnusableFile


@dataclass(frozen=True)
class AcceptedFile:
    """A file whose text is stored and announced with EssayContentReady; `duplicate` when the
    same text was already accepted in the batch (it then names that first file's id)."""

    file_name: str
    file_upload_id: str
    text: str
    content_sha256: str
    student: StudentInfo
    duplicate: bool = False


@dataclass(frozen=True)
class RejectedFile:
    """A file announced with EssayValidationFailed, or, when `excess`, a rejection the batch
    had no slot left for: answered, never announced, so it cannot take an essay's slot."""

    file_name: str
    file_upload_id: str
    error_code: ErrorCode
    message: str
    excess: bool = False


@dataclass(frozen=True)
class UploadOutcome:
    """What happened to every file of one upload."""

    batch_id: str
    accepted: list[AcceptedFile]
    rejected: list[RejectedFile]

    def to_json(self, correlation_id: str) -> dict[str, Any]:
        """The upload report (the 202 body of the REST contract)."""
        return {
            "batch_id": self.batch_id,
            "correlation_id": correlation_id,
            "accepted": [
                {
                    "file_name": f.file_name,
                    "file_upload_id": f.file_upload_id,
                    "duplicate": f.duplicate,
                }
                for f in self.accepted
            ],
            "rejected": [
                {"file_name": f.file_name, "error_code": f.error_code.value, "message": f.message}
                for f in self.rejected
            ],
        }


@dataclass(frozen=True)
class KnownFile:
    """A file the batch already has on record: the id its event carries, whether Kafka has
    acknowledged that event, and which keyed request sent it first."""

    file_upload_id: str
    published: bool
    first_request: str | None = None


@dataclass(frozen=True)
class RejectionSlots:
    """Which fingerprints of an upload are rejected files (in upload order), and how many
    essays the batch expects: a rejection is recorded, and so announced, only while the batch
    has a slot left for it after every file on record."""

    rejections: Sequence[str]
    expected_essay_count: int


@dataclass(frozen=True)
class UploadPlan:
    """Every file's answer in upload order, and the files whose event must (still) go out."""

    outcomes: list[AcceptedFile | RejectedFile]
    to_publish: list[AcceptedFile | RejectedFile] = field(default_factory=list)

    @property
    def accepted(self) -> list[AcceptedFile]:
        """The files answered in `accepted` (duplicates included)."""
        return [f for f in self.outcomes if isinstance(f, AcceptedFile)]

    @property
    def rejected(self) -> list[RejectedFile]:
        """The files answered in `rejected`."""
        return [f for f in self.outcomes if isinstance(f, RejectedFile)]


def plan_upload(
    files: Sequence[Extracted], known: Mapping[str, KnownFile], request_ref: str | None
) -> UploadPlan:
    """Decide each file's answer and which events to send, from what the batch has on record.

    `known` holds the fingerprint of every file on record (the caller has just recorded the new
    ones); a rejected file missing from it got no slot (BatchFiles.record) and is answered as
    excess, without an event. A text already accepted and announced — earlier in this upload or
    in an earlier one — is a duplicate: answered with its first id, no event, no slot. A file
    on record whose event was never acknowledged (its request failed or died) is announced
    again under the same id, and so is nothing a duplicate that the same keyed request
    (`request_ref`) sent before it died.
    """
    outcomes: list[AcceptedFile | RejectedFile] = []
    to_publish: list[AcceptedFile | RejectedFile] = []
    seen_in_upload: set[str] = set()
    for file in files:
        first_here = file.fingerprint not in seen_in_upload
        seen_in_upload.add(file.fingerprint)
        entry = known.get(file.fingerprint)
        if isinstance(file, UnusableFile) and entry is None:
            message = f"{file.message}; {EXCESS_MESSAGE}"
            outcomes.append(RejectedFile(file.file_name, "", file.error_code, message, True))
            continue
        assert entry is not None, "every accepted text is on record"
        if isinstance(file, UnusableFile):
            rejected = RejectedFile(
                file.file_name, entry.file_upload_id, file.error_code, file.message
            )
            outcomes.append(rejected)
            if first_here and not entry.published:
                to_publish.append(rejected)
            continue
        sent_by_this_request = request_ref is not None and entry.first_request == request_ref
        duplicate = not first_here or (entry.published and not sent_by_this_request)
        accepted = AcceptedFile(
            file.file_name,
            entry.file_upload_id,
            file.text,
            file.content_sha256,
            file.student,
            duplicate=duplicate,
        )
        outcomes.append(accepted)
        if first_here and not entry.published:
            to_publish.append(accepted)
    # Essays go out first: with the rejections capped to the free slots, the order only keeps
    # the batch's events readable; it is not what keeps the essays' slots (two topics race).
    to_publish.sort(key=lambda f: isinstance(f, RejectedFile))
    return UploadPlan(outcomes, to_publish)


EXCESS_MESSAGE = (
    "the batch has no free slot left for this file, so it does not count toward the batch (excess)"
)


# Printable ASCII (space to tilde), as the contract allows for Idempotency-Key.
_IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7e]{1,128}")


def is_valid_idempotency_key(key: str) -> bool:
    """1 to 128 printable ASCII characters."""
    return _IDEMPOTENCY_KEY.fullmatch(key) is not None


def request_ref(teacher_id: str, idempotency_key: str) -> str:
    """A fixed-length name for a keyed request, kept on the files it sent (not the raw key)."""
    return hashlib.sha256(f"{teacher_id}\0{idempotency_key}".encode()).hexdigest()


@dataclass(frozen=True)
class RequestKey:
    """Who asks with which Idempotency-Key for which batch: one record per such triple."""

    teacher_id: str
    batch_id: str
    idempotency_key: str


@dataclass(frozen=True)
class Claimed:
    """This request holds the key's lease and does the work; `admitted` when an earlier
    attempt with this key had already passed the batch check (and may have had effects)."""

    lease_token: str
    admitted: bool


@dataclass(frozen=True)
class Replay:
    """The key's first request completed: answer with its response."""

    response: dict[str, Any]


@dataclass(frozen=True)
class Busy:
    """Another request holds the key's lease until `until` (renewed while it works)."""

    until: datetime


ClaimResult = Claimed | Replay | Busy


class UploadRefused(Exception):
    """Why an upload as a whole is refused; nothing was published. `details` say what it met."""

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BatchNotFound(UploadRefused):
    """BOS does not know the batch, or it is another teacher's (the same answer), or it was
    deleted while the upload ran."""

    def __init__(self, batch_id: str) -> None:
        super().__init__("no batch with this id", {"batch_id": batch_id})


class BatchNotAwaitingContent(UploadRefused):
    """The batch exists but no longer takes uploads."""

    def __init__(self, batch_id: str, status: str) -> None:
        super().__init__(
            f"the batch is {status}; files can only be uploaded while it is awaiting_content",
            {"batch_id": batch_id, "status": status},
        )


class BosUnavailable(UploadRefused):
    """BOS could not be asked about the batch."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            "the batch service is unavailable; nothing was stored, try again", {"reason": reason}
        )


class ContentServiceUnavailable(UploadRefused):
    """A text could not be stored; the upload published nothing."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            "the content service is unavailable; no events were published, try again",
            {"reason": reason},
        )


class UploadInProgress(UploadRefused):
    """Another request with the same Idempotency-Key is still working and did not finish
    within the wait; nothing was done by this one."""

    def __init__(self, batch_id: str, waited_seconds: float) -> None:
        super().__init__(
            "an upload with this Idempotency-Key is still in progress; try again shortly",
            {"batch_id": batch_id, "waited_seconds": waited_seconds},
        )


class RecordsUnavailable(UploadRefused):
    """File Service's own database could not be reached; nothing was published."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            "the file service's records are unavailable; nothing was published, try again",
            {"reason": reason},
        )


class EventBusUnavailable(UploadRefused):
    """Kafka did not acknowledge every event in time."""

    def __init__(self, reason: str) -> None:
        super().__init__("the event bus did not confirm the upload; try again", {"reason": reason})
