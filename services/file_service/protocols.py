"""The seams of the upload handler: what it needs from BOS, Content Service and Kafka."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from common_core.events import EventData


class BatchDirectory(Protocol):
    """Answers whether a batch exists and in which status (BOS's public GET)."""

    async def batch_status(self, batch_id: str) -> str | None:
        """The batch's status, or None when BOS does not know the batch.

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
