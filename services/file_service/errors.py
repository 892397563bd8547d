"""Why an upload as a whole is refused; each maps to one status of the REST contract."""

from __future__ import annotations

from typing import Any

from common_core.web import ApiError


class BatchNotFound(ApiError):
    """BOS does not know the batch."""

    def __init__(self, batch_id: str) -> None:
        super().__init__(404, "batch_not_found", "no batch with this id", {"batch_id": batch_id})


class BatchNotAwaitingContent(ApiError):
    """The batch exists but no longer takes uploads."""

    def __init__(self, batch_id: str, status: str) -> None:
        super().__init__(
            409,
            "batch_not_awaiting_content",
            f"the batch is {status}; files can only be uploaded while it is awaiting_content",
            {"batch_id": batch_id, "status": status},
        )


class BosUnavailable(ApiError):
    """BOS could not be asked about the batch."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            503,
            "bos_unavailable",
            "the batch service is unavailable; nothing was stored, try again",
            {"reason": reason},
        )


class ContentServiceUnavailable(ApiError):
    """A text could not be stored; the upload published nothing."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            503,
            "content_service_unavailable",
            "the content service is unavailable; no events were published, try again",
            {"reason": reason},
        )


class EventBusUnavailable(ApiError):
    """Kafka did not acknowledge every event in time."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            503,
            "event_bus_unavailable",
            "the event bus did not confirm the upload; try again",
            {"reason": reason},
        )


def too_large(code: str, message: str, **details: Any) -> ApiError:
    """A 413 with the limit that was exceeded in its details."""
    return ApiError(413, code, message, details)
