"""Two replicas of a worker in one consumer group (real broker): a replica joining or leaving
mid-poll hands its partitions over without skipping a message or handling one twice."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest

from common_core.enums import ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import BatchEssaysRegistered
from common_core.kafka import FairConsumerLoop, KafkaConsumerLoop, KafkaEventPublisher, Route
from common_core.topics import topic_name
from tests.support.events import registered
from tests.support.kafka import start_group_at_end, wait_until

pytestmark = pytest.mark.kafka

TOPIC = topic_name(ProcessingEvent.BATCH_ESSAYS_REGISTERED)
MESSAGES = 60


# The request workers run the fair loop: it reads ahead and finishes out of order, so its
# hand-over (drop the queued, finish the running, commit the finished prefix) is checked too.
@pytest.mark.parametrize("loop_type", [KafkaConsumerLoop, FairConsumerLoop])
async def test_a_replica_joining_and_one_leaving_mid_poll_hand_over_exactly(
    kafka_bootstrap: str, group_id: str, loop_type: type[KafkaConsumerLoop]
) -> None:
    await start_group_at_end(kafka_bootstrap, group_id, [TOPIC])
    prefix = f"rebalance-{uuid.uuid4().hex[:8]}"
    ids = [f"{prefix}-{i:03d}" for i in range(MESSAGES)]
    handled: Counter[str] = Counter()
    by_replica: dict[str, set[str]] = {"a": set(), "b": set()}

    def handler_of(replica: str) -> Route:
        async def handle(envelope: EventEnvelope[BatchEssaysRegistered]) -> None:
            batch_id = envelope.data.batch_id
            if batch_id.startswith(prefix):
                await asyncio.sleep(0.2)  # slow enough that a rebalance lands mid-poll
                handled[batch_id] += 1
                by_replica[replica].add(batch_id)

        return Route(BatchEssaysRegistered, handle)

    async with KafkaEventPublisher(kafka_bootstrap, "test") as publisher:

        def replica(name: str) -> KafkaConsumerLoop:
            return loop_type(
                bootstrap_servers=kafka_bootstrap,
                group_id=group_id,
                routes={TOPIC: handler_of(name)},
                dead_letter_publisher=publisher,
            )

        async def publish(batch_ids: list[str]) -> None:
            for batch_id in batch_ids:  # spread over the partitions by key
                await publisher.publish(registered(batch_id), correlation_id=batch_id)

        half = MESSAGES // 2
        await publish(ids[:half])
        first = replica("a")
        await first.start()
        first_task = asyncio.create_task(first.run())
        assert await wait_until(lambda: len(handled) >= 5, timeout=60)
        second = replica("b")  # joins while the first is in the middle of its poll
        await second.start()
        second_task = asyncio.create_task(second.run())
        assert await wait_until(lambda: bool(second.assignment()), timeout=60)
        await publish(ids[half:])
        # Both replicas now own partitions; the first leaves in the middle of a poll.
        assert await wait_until(lambda: bool(by_replica["b"] & set(ids[half:])), timeout=60)
        await first.stop()
        await first_task
        assert await wait_until(lambda: len(handled) == MESSAGES, timeout=60)
        await second.stop()
        await second_task

    assert set(handled) == set(ids)  # nothing skipped
    assert [batch_id for batch_id, times in handled.items() if times > 1] == []  # nor redone
