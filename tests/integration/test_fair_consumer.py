"""The fair consuming loop on the real broker: a small batch queued behind a big one on the same
partition is handled first, every message exactly once, and the commit lets a restarted loop
resume after the last one."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest

from common_core.enums import ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import BatchEssaysRegistered
from common_core.kafka import FairConsumerLoop, KafkaEventPublisher, Route
from common_core.topics import topic_name
from tests.support.events import registered
from tests.support.kafka import start_group_at_end, wait_until

pytestmark = pytest.mark.kafka

TOPIC = topic_name(ProcessingEvent.BATCH_ESSAYS_REGISTERED)
BIG, SMALL = 120, 5


async def test_a_small_batch_behind_a_big_one_on_one_partition_goes_first(
    kafka_bootstrap: str, group_id: str
) -> None:
    await start_group_at_end(kafka_bootstrap, group_id, [TOPIC])
    run = uuid.uuid4().hex[:8]
    big, small, late = f"big-{run}", f"small-{run}", f"late-{run}"
    handled: list[str] = []  # batch ids in the order their messages finished
    seen: Counter[str] = Counter()  # correlation ids: each message once

    async def handle(envelope: EventEnvelope[BatchEssaysRegistered]) -> None:
        if envelope.data.batch_id.endswith(run):
            await asyncio.sleep(0.005)  # the handler's I/O; two run at once
            handled.append(envelope.data.batch_id)
            seen[envelope.correlation_id] += 1

    async with KafkaEventPublisher(kafka_bootstrap, "test") as publisher:

        def loop() -> FairConsumerLoop:
            return FairConsumerLoop(
                bootstrap_servers=kafka_bootstrap,
                group_id=group_id,
                routes={TOPIC: Route(BatchEssaysRegistered, handle, max_in_flight=2)},
                dead_letter_publisher=publisher,
            )

        # One key for all: one partition, the small batch's messages after the big one's.
        messages = [(big, f"{big}-{i}") for i in range(BIG)] + [
            (small, f"{small}-{i}") for i in range(SMALL)
        ]
        await publisher.send_raw_many(
            (TOPIC, publisher.envelope(registered(b), c).model_dump_json().encode(), run)
            for b, c in messages
        )
        first = loop()
        await first.start()
        task = asyncio.create_task(first.run())
        assert await wait_until(lambda: len(handled) == BIG + SMALL, timeout=60)
        await first.stop()
        await task

        # Round-robin: the small batch finishes while most of the big one still waits.
        assert max(i for i, batch in enumerate(handled) if batch == small) < 2 * SMALL + 4
        assert sorted(seen) == sorted(c for _, c in messages)
        assert set(seen.values()) == {1}

        # Everything was committed: a new loop of the group handles only what comes next.
        await publisher.publish(registered(late), correlation_id=f"{late}-0")
        second = loop()
        await second.start()
        task = asyncio.create_task(second.run())
        assert await wait_until(lambda: late in handled, timeout=60)
        await second.stop()
        await task
    assert len(handled) == BIG + SMALL + 1
