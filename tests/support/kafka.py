"""Test helpers that read what really landed on a topic (real broker, polling with a deadline)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeAlias, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"
T = TypeVar("T")


async def collect_records(
    bootstrap: str,
    topic: str,
    predicate: Callable[[Record], bool],
    count: int,
    timeout: float = 30.0,
) -> list[Record]:
    """Read `topic` from the beginning until `count` records match `predicate` or time runs out.

    Returns the matching records found (fewer than `count` on timeout, so tests assert on it).
    """
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"probe-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[Record] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                found.extend(r for r in records if predicate(r))
    finally:
        await consumer.stop()
    return found


async def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll a condition until it holds or the deadline passes; returns the last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


async def poll(fetch: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float) -> T:
    """Call `fetch` until `done(result)` or the deadline; returns the last result."""
    deadline = time.monotonic() + timeout
    result = await fetch()
    while not done(result) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        result = await fetch()
    return result


async def start_group_at_end(bootstrap: str, group: str, topics: list[str]) -> None:
    """Commit `group`'s offsets at the end of `topics`.

    The broker is shared by the whole session; a worker in a fresh group would otherwise read
    (and perhaps dead-letter) every other test's events from the beginning.
    """
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:  # the producer's partitions_for fetches the metadata the consumer would lack
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(await producer.partitions_for(topic))
        ]
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        await consumer.commit({tp: await consumer.position(tp) for tp in partitions})
    finally:
        await consumer.stop()
