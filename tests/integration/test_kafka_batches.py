"""Batch routes on the real broker: one call per partition's poll, and the per-message fallback."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import pytest

from common_core.enums import ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import BatchEssaysRegistered
from common_core.kafka import KafkaConsumerLoop, KafkaEventPublisher, PermanentError, Route
from common_core.kafka.consumer import BatchHandler, Handler, RetryPolicy
from common_core.topics import dlt_topic_name, topic_name
from tests.support.events import registered
from tests.support.kafka import collect_records, start_group_at_end, wait_until

pytestmark = pytest.mark.kafka

TOPIC = topic_name(ProcessingEvent.BATCH_ESSAYS_REGISTERED)


async def publish_on_one_key(
    publisher: KafkaEventPublisher, key: str, batch_ids: list[str]
) -> None:
    """Envelopes for `batch_ids`, all on one key (so one partition, in this order)."""
    for batch_id in batch_ids:
        envelope = EventEnvelope.wrap(registered(batch_id), source_service="t", correlation_id="c")
        await publisher.send_raw(TOPIC, envelope.model_dump_json().encode(), key=key)


async def consume_until(
    bootstrap: str,
    group: str,
    publisher: KafkaEventPublisher,
    route: Route,
    done: Any,
) -> None:
    loop = KafkaConsumerLoop(
        bootstrap_servers=bootstrap,
        group_id=group,
        routes={TOPIC: route},
        dead_letter_publisher=publisher,
        retry=RetryPolicy(initial_seconds=0.01, max_seconds=0.05, give_up_after_seconds=2),
    )
    await loop.start()
    task = asyncio.create_task(loop.run())
    try:
        assert await wait_until(done)
    finally:
        await loop.stop()
        await task


def ids(envelopes: Sequence[EventEnvelope[BatchEssaysRegistered]]) -> list[str]:
    return [e.data.batch_id for e in envelopes]


async def test_a_partitions_poll_reaches_the_batch_handler_in_one_call_and_is_committed(
    kafka_bootstrap: str, group_id: str
) -> None:
    marker = uuid.uuid4().hex
    sent = [f"{marker}-{i}" for i in range(5)]
    calls: list[list[str]] = []
    singles: list[str] = []

    async def batch_handler(envelopes: Sequence[EventEnvelope[Any]]) -> None:
        calls.append(ids(envelopes))

    async def handler(envelope: EventEnvelope[Any]) -> None:
        singles.append(envelope.data.batch_id)

    await start_group_at_end(kafka_bootstrap, group_id, [TOPIC])
    async with KafkaEventPublisher(kafka_bootstrap, "test") as publisher:
        await publish_on_one_key(publisher, marker, sent)
        route = Route(BatchEssaysRegistered, handler, batch_handler=batch_handler)

        def all_seen() -> bool:
            return sorted([i for call in calls for i in call] + singles) == sorted(sent)

        await consume_until(kafka_bootstrap, group_id, publisher, route, all_seen)
        assert max(len(call) for call in calls) >= 2, calls  # some poll held several
        batched = [i for call in calls for i in call]
        assert sorted(batched + singles) == sorted(sent)  # each exactly once
        assert batched == [i for i in sent if i in batched]  # in partition order

        # Committed: a restarted group has nothing left to hand over.
        second: list[str] = []

        async def record(envelopes: Sequence[EventEnvelope[Any]]) -> None:
            second.extend(ids(envelopes))

        async def record_one(envelope: EventEnvelope[Any]) -> None:
            second.append(envelope.data.batch_id)

        sentinel = f"{marker}-sentinel"
        await publish_on_one_key(publisher, marker, [sentinel])
        route = Route(BatchEssaysRegistered, record_one, batch_handler=record)
        await consume_until(kafka_bootstrap, group_id, publisher, route, lambda: sentinel in second)
    assert second == [sentinel]


async def test_a_failing_batch_is_redone_one_by_one_so_only_the_bad_message_is_dead_lettered(
    kafka_bootstrap: str, group_id: str
) -> None:
    marker = uuid.uuid4().hex
    sent = [f"{marker}-ok-1", f"{marker}-bad", f"{marker}-ok-2"]
    committed: list[str] = []  # what an all-or-nothing batch handler would have committed
    batch_calls = 0

    async def batch_handler(envelopes: Sequence[EventEnvelope[Any]]) -> None:
        nonlocal batch_calls
        batch_calls += 1
        applied = []
        for envelope in envelopes:
            if envelope.data.batch_id.endswith("-bad"):
                raise PermanentError("cannot ever work")  # nothing of `applied` is kept
            applied.append(envelope.data.batch_id)
        committed.extend(applied)

    async def handler(envelope: EventEnvelope[Any]) -> None:
        if envelope.data.batch_id.endswith("-bad"):
            raise PermanentError("cannot ever work")
        committed.append(envelope.data.batch_id)

    await start_group_at_end(kafka_bootstrap, group_id, [TOPIC])
    async with KafkaEventPublisher(kafka_bootstrap, "test") as publisher:
        await publisher.send_raw(TOPIC, b"not json", key=marker)  # undecodable, same partition
        await publish_on_one_key(publisher, marker, sent)
        route = Route(BatchEssaysRegistered, handler, batch_handler=batch_handler)
        await consume_until(
            kafka_bootstrap,
            group_id,
            publisher,
            route,
            lambda: {f"{marker}-ok-1", f"{marker}-ok-2"} <= set(committed),
        )
    assert committed == [f"{marker}-ok-1", f"{marker}-ok-2"]  # each exactly once, in order
    dead = await collect_records(
        kafka_bootstrap,
        dlt_topic_name(TOPIC),
        lambda r: r.key == marker.encode(),
        count=2,
    )
    assert sorted(dict(r.headers)["dlt.reason"].decode() for r in dead) == [
        "invalid_message",
        "permanent_error",
    ]


def test_a_batch_route_must_be_in_order() -> None:
    async def handler(envelope: EventEnvelope[Any]) -> None: ...

    async def batch_handler(envelopes: Sequence[EventEnvelope[Any]]) -> None: ...

    one: Handler = handler
    many: BatchHandler = batch_handler
    with pytest.raises(ValueError, match="in order"):
        Route(BatchEssaysRegistered, one, max_in_flight=4, batch_handler=many)


async def test_one_bad_message_is_split_off_and_the_rest_of_the_poll_stays_batched(
    kafka_bootstrap: str, group_id: str
) -> None:
    marker = uuid.uuid4().hex
    sent = [f"{marker}-bad"] + [f"{marker}-ok-{i}" for i in range(7)]
    committed: list[str] = []
    batched_calls: list[int] = []  # sizes of the batch calls that succeeded

    async def batch_handler(envelopes: Sequence[EventEnvelope[Any]]) -> None:
        if any(batch_id.endswith("-bad") for batch_id in ids(envelopes)):
            raise PermanentError("cannot ever work")
        committed.extend(ids(envelopes))
        batched_calls.append(len(envelopes))

    async def handler(envelope: EventEnvelope[Any]) -> None:
        if envelope.data.batch_id.endswith("-bad"):
            raise PermanentError("cannot ever work")
        committed.append(envelope.data.batch_id)

    await start_group_at_end(kafka_bootstrap, group_id, [TOPIC])
    async with KafkaEventPublisher(kafka_bootstrap, "test") as publisher:
        await publish_on_one_key(publisher, marker, sent)
        route = Route(BatchEssaysRegistered, handler, batch_handler=batch_handler)
        await consume_until(
            kafka_bootstrap, group_id, publisher, route, lambda: len(committed) >= len(sent) - 1
        )
    assert committed == sent[1:]  # each good one exactly once, in order
    assert max(batched_calls) >= 2  # the halves without the bad one still went as batches
