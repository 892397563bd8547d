"""A real BOS app for integration tests (Quart test_app: relay and consumer running) and ways to
look at it: its REST answers (as a teacher logged in at the real identity service), its outbox,
its consumer group's progress."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from quart import Quart
from quart.typing import TestAppProtocol, TestClientProtocol
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common_core.events import EventData
from common_core.kafka import KafkaEventPublisher
from common_core.metadata import EntityReference, SystemProcessingMetadata
from common_core.outbox import OutboxMessage
from services.batch_orchestrator_service.app import create_app
from services.batch_orchestrator_service.config import BOSSettings
from services.batch_orchestrator_service.kafka_consumer import build_routes
from tests.support.auth import AuthedClient, Teacher
from tests.support.kafka import poll

# The topics BOS consumes: its consumer's routes (building them calls no unit of work).
BOS_TOPICS = list(build_routes(uow_factory=lambda: None))  # type: ignore[arg-type]


def batch_meta(batch_id: str) -> SystemProcessingMetadata:
    """Producer metadata for events the tests publish in ELS's place."""
    return SystemProcessingMetadata(entity=EntityReference(entity_id=batch_id, entity_type="batch"))


def registration(course_code: str = "SV2", count: int = 2, **extra: Any) -> dict[str, Any]:
    """A valid registration body."""
    return {
        "course_code": course_code,
        "class_designation": "9B",
        "essay_instructions": "Beskriv din sommar.",
        "expected_essay_count": count,
        **extra,
    }


@dataclass
class RunningBos:
    """One started BOS app and ways to look at it. `client` calls as `teacher`; `anonymous`
    is the bare test client (no token)."""

    app: Quart
    test_app: TestAppProtocol
    client: AuthedClient
    settings: BOSSettings
    teacher: Teacher
    anonymous: TestClientProtocol

    def as_teacher(self, teacher: Teacher) -> AuthedClient:
        """A client calling as another teacher."""
        return AuthedClient(self.anonymous, teacher.headers)

    async def register(self, body: dict[str, Any]) -> dict[str, Any]:
        """Register a batch; asserts the 202."""
        response = await self.client.post("/v1/batches/register", json=body)
        assert response.status_code == 202, await response.get_data(as_text=True)
        result: dict[str, Any] = await response.get_json()
        return result

    async def batch(self, batch_id: str) -> dict[str, Any]:
        """GET the batch; asserts the 200."""
        response = await self.client.get(f"/v1/batches/{batch_id}")
        assert response.status_code == 200, await response.get_data(as_text=True)
        result: dict[str, Any] = await response.get_json()
        return result

    async def wait_for_status(
        self, batch_id: str, status: str, timeout: float = 30
    ) -> dict[str, Any]:
        """Poll the batch until it has `status` (returns the last view either way)."""
        return await poll(lambda: self.batch(batch_id), lambda b: b["status"] == status, timeout)

    async def sessions(self) -> async_sessionmaker[AsyncSession]:
        """The app's own session factory (same engine, same file)."""
        container = self.app.extensions["QUART_DISHKA"].container
        sessions: async_sessionmaker[AsyncSession] = await container.get(
            async_sessionmaker[AsyncSession]
        )
        return sessions

    async def outbox(self, batch_id: str, topic: str) -> list[dict[str, Any]]:
        """Envelopes BOS wrote to its outbox for a batch on a topic, in order."""
        async with (await self.sessions())() as session:
            rows = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.key == batch_id, OutboxMessage.topic == topic)
                    .order_by(OutboxMessage.id)
                )
            ).all()
        return [json.loads(row.value) for row in rows]


def bos_settings_for(
    kafka_bootstrap: str, database_url: str, group_id: str, jwks_url: str, **overrides: Any
) -> BOSSettings:
    """Settings of a test BOS: own database, own consumer group, fast relay polling, tokens
    verified against the identity at `jwks_url`."""
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": kafka_bootstrap,
        "database_url": database_url,
        "consumer_group": group_id,
        "outbox_poll_interval_seconds": 0.2,
        "identity_jwks_url": jwks_url,
        **overrides,
    }
    return BOSSettings(**values)


@asynccontextmanager
async def started_bos(settings: BOSSettings, teacher: Teacher) -> AsyncIterator[RunningBos]:
    """`async with started_bos(settings, teacher) as running:` runs one BOS app for the block;
    its `client` calls as `teacher`."""
    app = create_app(settings)
    async with app.test_app() as test_app:
        raw = test_app.test_client()
        yield RunningBos(app, test_app, AuthedClient(raw, teacher.headers), settings, teacher, raw)


async def publish(publisher: KafkaEventPublisher, data: EventData, correlation_id: str) -> None:
    """Publish one event the way ELS would."""
    await publisher.publish(data, correlation_id)


async def wait_caught_up(
    bootstrap: str, group_id: str, topics: list[str], timeout: float = 30.0
) -> bool:
    """True once the group has committed every partition of `topics` up to its end offset.

    BOS commits only after a handler's transaction committed, so this is the point where every
    message sent so far has been fully handled (including the no-op duplicates).
    """
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group_id,
                             enable_auto_commit=False)  # fmt: skip
    await probe.start()
    try:
        await probe.topics()  # loads metadata for every topic
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(probe.partitions_for_topic(topic) or ())
        ]
        ends = await probe.end_offsets(partitions)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            committed = [await probe.committed(tp) for tp in partitions]
            if all((c or 0) >= ends[tp] for c, tp in zip(committed, partitions, strict=True)):
                return True
            await asyncio.sleep(0.1)
        return False
    finally:
        await probe.stop()


def new_id(prefix: str) -> str:
    """Unique ids per test: the broker is shared by the whole session."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
