"""The transactional outbox against a real SQLite file and the real broker."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core.db import create_engine, session_factory
from common_core.enums import ProcessingEvent
from common_core.kafka import KafkaEventPublisher
from common_core.outbox import OutboxBase, OutboxMessage, OutboxRelay, enqueue
from common_core.topics import topic_name
from tests.support.events import registered
from tests.support.kafka import collect_records

pytestmark = pytest.mark.kafka


async def create_outbox_table(engine: AsyncEngine) -> None:
    """The outbox alone (services create it through their migrations)."""
    async with engine.begin() as conn:
        await conn.run_sync(OutboxBase.metadata.create_all)


async def test_rows_committed_before_a_crash_are_published_by_the_next_relay(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'outbox.sqlite3'}"
    batch_ids = [f"outbox-{uuid.uuid4().hex}" for _ in range(3)]

    # "Process one": commits state + outbox rows, then dies before publishing anything.
    engine = create_engine(url)
    await create_outbox_table(engine)
    async with session_factory(engine)() as session:
        for batch_id in batch_ids:
            enqueue(session, registered(batch_id), correlation_id=batch_id, source_service="t")
        await session.commit()
    await engine.dispose()

    # "Process two": a fresh engine and relay find the rows and publish them, in order.
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with KafkaEventPublisher(kafka_bootstrap, "t") as publisher:
        relay = OutboxRelay(sessions, publisher, poll_interval=0.05)
        task = asyncio.create_task(relay.run())
        records = await collect_records(
            kafka_bootstrap,
            topic_name(ProcessingEvent.BATCH_ESSAYS_REGISTERED),
            lambda r: (r.key or b"").decode() in batch_ids,
            count=3,
        )
        await relay.stop()
        await task
    async with sessions() as session:
        pending = await session.scalar(
            select(func.count()).where(OutboxMessage.published_at.is_(None))
        )
    await engine.dispose()

    assert sorted((r.key or b"").decode() for r in records) == sorted(batch_ids)
    assert pending == 0
