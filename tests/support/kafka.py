"""Test helpers that read what really landed on a topic (real broker, polling with a deadline)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeAlias, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRecord

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
