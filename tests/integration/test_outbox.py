"""The transactional outbox against the real databases and the real broker."""

from __future__ import annotations

import asyncio
import json
import uuid

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
    kafka_bootstrap: str, database_url: str
) -> None:
    url = database_url
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


async def test_two_relays_on_one_outbox_publish_each_row_once_and_in_order(
    kafka_bootstrap: str, postgres_url: str
) -> None:
    """Two replicas' relays on one PostgreSQL outbox: every row goes out exactly once, and each
    key's rows in the order they were committed (the relay lock serialises the relays)."""
    keys = [f"relay-{uuid.uuid4().hex}" for _ in range(4)]
    engines = [create_engine(postgres_url) for _ in range(2)]
    await create_outbox_table(engines[0])
    sessions = [session_factory(engine) for engine in engines]
    async with KafkaEventPublisher(kafka_bootstrap, "t") as publisher:
        relays = [OutboxRelay(s, publisher, poll_interval=0.01, batch_size=7) for s in sessions]
        tasks = [asyncio.create_task(relay.run()) for relay in relays]
        for round_ in range(30):  # commits arrive while both relays run and are woken
            async with sessions[round_ % 2]() as session:
                for key in keys:
                    enqueue(
                        session, registered(key), correlation_id=f"{round_}", source_service="t"
                    )
                await session.commit()
            for relay in relays:
                relay.notify()
        records = await collect_records(
            kafka_bootstrap,
            topic_name(ProcessingEvent.BATCH_ESSAYS_REGISTERED),
            lambda r: (r.key or b"").decode() in keys,
            count=len(keys) * 30 + 1,  # one more than sent: a duplicate would be found
            timeout=10,
        )
        for relay in relays:
            await relay.stop()
        await asyncio.gather(*tasks)
    for engine in engines:
        await engine.dispose()

    assert len(records) == len(keys) * 30
    for key in keys:
        rounds = [json.loads(r.value)["correlation_id"] for r in records if r.key == key.encode()]
        assert rounds == [str(n) for n in range(30)], rounds
