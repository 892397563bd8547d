"""The consuming loop on the real broker outlives a consumer whose group coordination died.

After a broker restart in CI, aiokafka's coordination task died on `RuntimeError: unable to
perform operation on <TCPTransport closed=True>`; every poll of that consumer raised from then on,
BOS's loop ended, and its batches stopped moving. Here the same death is injected into the live
consumer (its next rejoin raises that error), and the loop must go on with a new group member.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from common_core.envelope import EventEnvelope
from common_core.events import BatchEssaysRegistered
from common_core.kafka import KafkaEventPublisher
from tests.integration.test_kafka_plumbing import run_loop
from tests.support.events import registered
from tests.support.kafka import wait_until

pytestmark = pytest.mark.kafka


def kill_coordination(loop: Any) -> None:
    """Make the live consumer's coordination task die as it did after the broker restart."""
    coordinator = loop._member._consumer._coordinator

    async def broken(*_: Any) -> None:
        raise RuntimeError("unable to perform operation on <TCPTransport closed=True>")

    coordinator.ensure_active_group = broken
    coordinator.request_rejoin()


async def test_a_consumer_whose_coordination_died_is_replaced_and_nothing_is_lost(
    kafka_bootstrap: str, group_id: str
) -> None:
    seen: list[str] = []

    async def handler(envelope: EventEnvelope[BatchEssaysRegistered]) -> None:
        seen.append(envelope.data.batch_id)

    before, after = f"before-{uuid.uuid4().hex}", f"after-{uuid.uuid4().hex}"
    async with KafkaEventPublisher(kafka_bootstrap, "test") as publisher:
        loop = await run_loop(kafka_bootstrap, group_id, handler, publisher)
        task = asyncio.create_task(loop.run())
        await publisher.publish(registered(before), correlation_id="c1")
        assert await wait_until(lambda: before in seen)
        broken_consumer = loop._member._consumer

        kill_coordination(loop)
        await publisher.publish(registered(after), correlation_id="c2")

        assert await wait_until(lambda: after in seen, timeout=60)
        assert loop._member._consumer is not broken_consumer
        assert not task.done()
        await loop.stop()
        await task
    assert seen.count(before) == 1 and seen.count(after) == 1
