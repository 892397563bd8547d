"""In-memory stand-ins for BOS, Content Service and Kafka (no network), shared by the unit tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from common_core.events import EventData
from services.file_service.domain import BatchInfo, BosUnavailable, ContentServiceUnavailable

BATCH = "batch-1"


@dataclass
class FakeBatches:
    statuses: dict[str, str] = field(default_factory=lambda: {BATCH: "awaiting_content"})
    down: bool = False
    tokens: list[str] = field(default_factory=list)  # the token each lookup was asked with
    expected_essay_count: int = 100

    async def batch_info(self, batch_id: str, token: str) -> BatchInfo | None:
        self.tokens.append(token)
        if self.down:
            raise BosUnavailable("ClientConnectorError")
        status = self.statuses.get(batch_id)
        return None if status is None else BatchInfo(status, self.expected_essay_count)


@dataclass
class FakeStorage:
    fail_on_call: int | None = None
    texts: dict[str, str] = field(default_factory=dict)
    calls: int = 0

    async def store_text(self, text: str, batch_id: str, correlation_id: str) -> str:
        self.calls += 1
        assert batch_id == BATCH  # every text is stored in the upload's batch
        if self.fail_on_call is not None and self.calls >= self.fail_on_call:
            raise ContentServiceUnavailable("connection refused")
        storage_id = f"{len(self.texts):032x}"
        self.texts[storage_id] = text
        return storage_id

    async def is_healthy(self) -> bool:
        return True


@dataclass
class FakePublisher:
    error: Exception | None = None
    hang: bool = False
    published: list[tuple[EventData, str]] = field(default_factory=list)

    async def publish_many(self, items: Iterable[tuple[EventData, str]]) -> None:
        batch = list(items)
        if self.hang:
            await asyncio.Event().wait()
        if self.error:
            raise self.error
        self.published.extend(batch)

    async def is_healthy(self, timeout: float = 2.0) -> bool:
        return True
