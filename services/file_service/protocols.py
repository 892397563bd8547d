"""The seams of the upload handler: what it needs from BOS, Content Service, Kafka and its own
store (idempotency records, the files each batch has on record, deleted batches)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from common_core.events import EventData
from services.file_service.domain import (
    BatchInfo,
    ClaimResult,
    KnownFile,
    RejectionSlots,
    RequestKey,
)


class BatchDirectory(Protocol):
    """Answers whether a teacher's batch exists and in which status (BOS's public GET, asked
    with the teacher's own token)."""

    async def batch_info(self, batch_id: str, token: str) -> BatchInfo | None:
        """The batch's status and expected essay count, or None when BOS does not know it as
        one of the token's teacher's batches.

        Raises BosUnavailable when BOS cannot be asked.
        """
        ...


class TextStorage(Protocol):
    """Keeps extracted texts (Content Service)."""

    async def store_text(self, text: str, batch_id: str, correlation_id: str) -> str:
        """Store UTF-8 text in its batch and return its storage id.

        Raises ContentServiceUnavailable, or BatchNotFound when the batch was deleted.
        """
        ...

    async def is_healthy(self) -> bool:
        """True when the storage answers its health check."""
        ...


class EventPublisher(Protocol):
    """Puts events on Kafka and waits for the acks (KafkaEventPublisher fits)."""

    async def publish_many(self, items: Iterable[tuple[EventData, str]]) -> None:
        """Publish every (payload, correlation_id) and return once all are acknowledged."""
        ...

    async def is_healthy(self, timeout: float = 2.0) -> bool:
        """True when the broker answers."""
        ...


class UploadRequests(Protocol):
    """Idempotency records: one per (teacher, batch, Idempotency-Key), shared by every File
    Service instance. Every method is one short transaction; races are settled by the
    database (primary key, conditional updates), never by a check in Python."""

    async def claim(
        self, key: RequestKey, lease_token: str, now: datetime, lease: timedelta, ttl: timedelta
    ) -> ClaimResult:
        """Take the key (new, expired after `ttl`, or its holder's lease ran out), or say
        who has it: Claimed, Replay (the first response) or Busy."""
        ...

    async def admit(self, key: RequestKey, lease_token: str) -> None:
        """Note that the batch check passed: work may now have effects."""
        ...

    async def renew(self, key: RequestKey, lease_token: str, until: datetime) -> bool:
        """Extend the lease; False when this token no longer holds it."""
        ...

    async def complete(self, key: RequestKey, lease_token: str, response: dict[str, Any]) -> bool:
        """Keep `response` as the key's answer; False when this token no longer holds it."""
        ...

    async def release(self, key: RequestKey, lease_token: str, *, forget: bool) -> None:
        """Give the key up after a failure: `forget` deletes the record (nothing happened);
        otherwise its lease ends now, so a retry resumes at once."""
        ...

    async def purge_expired(self, now: datetime) -> int:
        """Delete records past their expiry; returns how many."""
        ...


class BatchFiles(Protocol):
    """The files each batch has on record, by fingerprint (see domain.UnusableFile and
    ExtractedText), shared by every File Service instance."""

    async def record(
        self,
        batch_id: str,
        new_ids: Mapping[str, str],
        first_request: str | None,
        now: datetime,
        slots: RejectionSlots | None = None,
    ) -> dict[str, KnownFile]:
        """Record each fingerprint of `new_ids` not yet on record with its proposed id, and
        return every one of them as the record has it (a concurrent upload may have won).

        `slots` names the rejected files: a new one is recorded only while the batch has a
        slot left after every file on record, counted in one step with the other uploads of
        the batch; those left over are missing from the answer.

        Raises BatchNotFound, recording nothing, when the batch has been deleted.
        """
        ...

    async def mark_published(
        self, batch_id: str, file_upload_ids: Iterable[str], now: datetime
    ) -> None:
        """These files' events are acknowledged by Kafka."""
        ...


class BatchDeletions(Protocol):
    """Forgetting a deleted batch: its files and idempotency records go, its id stays so
    nothing is recorded for it again."""

    async def forget(self, batch_id: str, now: datetime) -> tuple[int, int]:
        """Delete the batch's files and idempotency records, remember its id; returns how
        many (files, records) were deleted. Safe to repeat."""
        ...
