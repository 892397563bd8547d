"""What an upload is made of and why it can be refused: plain records and domain errors.

No I/O and no HTTP here: the handlers raise these errors, and only the API layer (api/files.py)
turns them into status codes and JSON bodies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from common_core.enums import ErrorCode
from services.file_service.student_info import StudentInfo


@dataclass(frozen=True)
class UploadedFile:
    """One file of the request: its name is a label only, never a path."""

    file_name: str
    data: bytes


@dataclass(frozen=True)
class AcceptedFile:
    """A file whose text is stored and announced with EssayContentReady."""

    file_name: str
    file_upload_id: str
    text: str
    content_sha256: str
    student: StudentInfo


@dataclass(frozen=True)
class RejectedFile:
    """A file announced with EssayValidationFailed."""

    file_name: str
    file_upload_id: str
    error_code: ErrorCode
    message: str


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
                {"file_name": f.file_name, "file_upload_id": f.file_upload_id}
                for f in self.accepted
            ],
            "rejected": [
                {"file_name": f.file_name, "error_code": f.error_code.value, "message": f.message}
                for f in self.rejected
            ],
        }


class UploadRefused(Exception):
    """Why an upload as a whole is refused; nothing was published. `details` say what it met."""

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BatchNotFound(UploadRefused):
    """BOS does not know the batch."""

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


class EventBusUnavailable(UploadRefused):
    """Kafka did not acknowledge every event in time."""

    def __init__(self, reason: str) -> None:
        super().__init__("the event bus did not confirm the upload; try again", {"reason": reason})
