"""The shared Kafka plumbing against the real broker: bootstrap, publish, consume, commit, DLT."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from common_core.enums import ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import BatchEssaysRegistered
from common_core.kafka import (
    KafkaConsumerLoop,
    KafkaEventPublisher,
    PermanentError,
    RetryPolicy,
    Route,
)
from common_core.kafka.consumer import Handler
from common_core.topics import all_topics, dlt_topic_name, topic_name
from scripts.kafka_topic_bootstrap import TopicBootstrapSettings, bootstrap_topics
from tests.support.events import registered
from tests.support.kafka import collect_records, wait_until

pytestmark = pytest.mark.kafka

TOPIC = topic_name(ProcessingEvent.BATCH_ESSAYS_REGISTERED)


async def run_loop(
    bootstrap: str, group: str, handler: Handler, publisher: KafkaEventPublisher
) -> KafkaConsumerLoop:
    loop = KafkaConsumerLoop(
        bootstrap_servers=bootstrap,
        group_id=group,
        routes={TOPIC: Route(BatchEssaysRegistered, handler)},
        dead_letter_publisher=publisher,
        retry=RetryPolicy(initial_seconds=0.01, max_seconds=0.05, give_up_after_seconds=2),
    )
    await loop.start()
    return loop


async def test_bootstrap_twice_gives_the_same_topic_set(kafka_bootstrap: str) -> None:
    settings = TopicBootstrapSettings(kafka_bootstrap_servers=kafka_bootstrap)
    first = await bootstrap_topics(settings)
    second = await bootstrap_topics(settings)
    assert first == second == set(all_topics())


async def test_round_trip_commits_so_a_restarted_consumer_skips_handled(
    kafka_bootstrap: str, group_id: str
) -> None:
    seen: list[tuple[str, str]] = []

    async def handler(envelope: EventEnvelope[BatchEssaysRegistered]) -> None:
        seen.append((envelope.data.batch_id, envelope.correlation_id))

    first_id, second_id = f"first-{uuid.uuid4().hex}", f"second-{uuid.uuid4().hex}"
    async with KafkaEventPublisher(kafka_bootstrap, "test") as publisher:
        await publisher.publish(registered(first_id), correlation_id="corr-first")
        loop = await run_loop(kafka_bootstrap, group_id, handler, publisher)
        task = asyncio.create_task(loop.run())
        assert await wait_until(lambda: (first_id, "corr-first") in seen)
        await loop.stop()
        await task

        await publisher.publish(registered(second_id), correlation_id="corr-second")
        restarted: list[str] = []

        async def second_handler(envelope: EventEnvelope[BatchEssaysRegistered]) -> None:
            restarted.append(envelope.data.batch_id)

        loop = await run_loop(kafka_bootstrap, group_id, second_handler, publisher)
        task = asyncio.create_task(loop.run())
        assert await wait_until(lambda: second_id in restarted)
        await loop.stop()
        await task
    assert first_id not in restarted


async def test_poison_and_permanent_failures_land_in_dlt_and_the_loop_goes_on(
    kafka_bootstrap: str, group_id: str
) -> None:
    marker = uuid.uuid4().hex
    handled: list[str] = []
    attempts: dict[str, int] = {}

    async def handler(envelope: EventEnvelope[BatchEssaysRegistered]) -> None:
        batch_id = envelope.data.batch_id
        attempts[batch_id] = attempts.get(batch_id, 0) + 1
        if batch_id.startswith("permanent"):
            raise PermanentError("cannot ever work")
        if batch_id.startswith("flaky") and attempts[batch_id] < 3:
            raise ConnectionError("content service down")
        handled.append(batch_id)

    async with KafkaEventPublisher(kafka_bootstrap, "test") as publisher:
        await publisher.send_raw(TOPIC, b"not json at all", key=f"poison-{marker}")
        await publisher.send_raw(TOPIC, b'{"event_type": "x"}', key=f"schema-{marker}")
        await publisher.publish(registered(f"permanent-{marker}"), correlation_id="c")
        await publisher.publish(registered(f"flaky-{marker}"), correlation_id="c")
        await publisher.publish(registered(f"ok-{marker}"), correlation_id="c")
        loop = await run_loop(kafka_bootstrap, group_id, handler, publisher)
        task = asyncio.create_task(loop.run())
        # Keys differ, so partitions differ and are handled concurrently: wait for both.
        assert await wait_until(lambda: {f"ok-{marker}", f"flaky-{marker}"} <= set(handled))
        await loop.stop()
        await task

    assert attempts[f"flaky-{marker}"] == 3
    assert f"permanent-{marker}" not in handled
    dead = await collect_records(
        kafka_bootstrap,
        dlt_topic_name(TOPIC),
        lambda r: marker.encode() in (r.key or b"") + (r.value or b""),
        count=3,
    )
    reasons = {dict(r.headers)["dlt.reason"].decode() for r in dead}
    assert len(dead) == 3
    assert reasons == {"invalid_message", "permanent_error"}
    poison = next(r for r in dead if r.value == b"not json at all")
    headers = dict(poison.headers)
    assert headers["dlt.original_topic"].decode() == TOPIC
    assert b"json" in headers["dlt.error"].lower()


async def test_unordered_route_handles_a_partitions_messages_concurrently(
    kafka_bootstrap: str, group_id: str
) -> None:
    marker = uuid.uuid4().hex
    in_flight: set[str] = set()
    peak = 0
    all_there = asyncio.Event()
    handled: list[str] = []

    async def handler(envelope: EventEnvelope[BatchEssaysRegistered]) -> None:
        nonlocal peak
        if not envelope.data.batch_id.startswith(marker):
            return  # earlier tests' messages, read by this fresh group
        in_flight.add(envelope.data.batch_id)
        peak = max(peak, len(in_flight))
        if peak >= 3:
            all_there.set()
        await asyncio.wait_for(all_there.wait(), timeout=10)  # proves overlap, or times out
        in_flight.discard(envelope.data.batch_id)
        handled.append(envelope.data.batch_id)

    async with KafkaEventPublisher(kafka_bootstrap, "test") as publisher:
        # One key, so one partition: only max_in_flight can make these overlap.
        for i in range(3):
            await publisher.send_raw(
                TOPIC,
                EventEnvelope.wrap(
                    registered(f"{marker}-{i}"), source_service="t", correlation_id="c"
                )
                .model_dump_json()
                .encode(),
                key=marker,
            )
        loop = KafkaConsumerLoop(
            bootstrap_servers=kafka_bootstrap,
            group_id=group_id,
            routes={TOPIC: Route(BatchEssaysRegistered, handler, max_in_flight=4)},
            dead_letter_publisher=publisher,
        )
        await loop.start()
        task = asyncio.create_task(loop.run())
        assert await wait_until(lambda: len([h for h in handled if h.startswith(marker)]) == 3)
        await loop.stop()
        await task
    assert peak >= 3
