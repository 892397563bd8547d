"""The consuming loop outlives Kafka errors on poll; a consumer that dies anyway says so.

aiokafka reports group-coordination failures (a broker restarting) through the next
`getmany`. The loop here runs against a small stand-in for the aiokafka consumer so the failure
can be made to happen at a chosen poll; the fault suite restarts a real broker mid-batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import CoordinatorNotAvailableError, KafkaError

from common_core.envelope import EventEnvelope
from common_core.events import BatchEssaysRegistered
from common_core.kafka import BackgroundConsumer, KafkaConsumerLoop, Route, membership
from common_core.metadata import EntityReference, SystemProcessingMetadata
from tests.support.kafka import wait_until

TOPIC = "huleedu.batch.essays.registered.v1"


def record(batch_id: str, offset: int) -> ConsumerRecord[bytes, bytes]:
    data = BatchEssaysRegistered(
        batch_id=batch_id,
        expected_essay_count=1,
        essay_ids=["e1"],
        metadata=SystemProcessingMetadata(entity=EntityReference.batch(batch_id)),
    )
    value = EventEnvelope.wrap(data, source_service="test", correlation_id="c")
    return ConsumerRecord(
        topic=TOPIC, partition=0, offset=offset, timestamp=0, timestamp_type=0,
        key=None, value=value.model_dump_json().encode(), checksum=None,
        serialized_key_size=0, serialized_value_size=0, headers=(),
    )  # fmt: skip


class ScriptedConsumer:
    """Answers each getmany with its next scripted outcome (an exception is raised); when the
    script of the last consumer runs out, the loop is asked to stop."""

    def __init__(self, script: list[Any], stop_loop: Callable[[], Awaitable[None]] | None) -> None:
        self._script = script
        self._stop_loop = stop_loop
        self.commits: list[dict[TopicPartition, int]] = []
        self.started = self.stopped = False

    async def start(self) -> None:
        self.started = True

    def subscribe(self, topics: list[str], listener: Any) -> None:
        assert topics == [TOPIC]

    async def getmany(self, **_: Any) -> dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]:
        if not self._script:
            if self._stop_loop is not None:
                await self._stop_loop()
            return {}
        outcome = self._script.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome  # type: ignore[no-any-return]

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(offsets)

    def assignment(self) -> set[TopicPartition]:
        return set()

    async def stop(self) -> None:
        self.stopped = True


def loop_with(
    scripts: list[list[Any]], handled: list[str]
) -> tuple[KafkaConsumerLoop, list[ScriptedConsumer]]:
    """A loop whose consumers, one after the other, play `scripts`."""
    made: list[ScriptedConsumer] = []
    loops: list[KafkaConsumerLoop] = []

    async def stop_loop() -> None:
        await loops[0].stop()

    def make_consumer() -> ScriptedConsumer:
        last = len(made) == len(scripts) - 1
        made.append(ScriptedConsumer(scripts[len(made)], stop_loop if last else None))
        return made[-1]

    async def handler(envelope: EventEnvelope[BatchEssaysRegistered]) -> None:
        handled.append(envelope.data.batch_id)

    loop = KafkaConsumerLoop(
        bootstrap_servers="127.0.0.1:1",  # never contacted: make_consumer gives stand-ins
        group_id="g",
        routes={TOPIC: Route(BatchEssaysRegistered, handler)},
        dead_letter_publisher=None,  # type: ignore[arg-type]  # nothing is dead-lettered here
        make_consumer=make_consumer,
    )
    loops.append(loop)
    return loop, made


TP = TopicPartition(TOPIC, 0)


async def test_a_passing_kafka_error_on_poll_is_outlived_by_the_same_consumer() -> None:
    handled: list[str] = []
    loop, made = loop_with(
        [[{TP: [record("before", 0)]}, CoordinatorNotAvailableError(), {TP: [record("after", 1)]}]],
        handled,
    )
    await loop.start()

    await asyncio.wait_for(loop.run(), timeout=10)

    assert handled == ["before", "after"]
    assert len(made) == 1
    assert made[0].commits == [{TP: 1}, {TP: 2}]
    assert made[0].stopped


async def test_a_consumer_that_keeps_failing_is_replaced_and_the_new_one_goes_on() -> None:
    # aiokafka's coordination task died: every poll of that consumer raises from then on.
    dead = KafkaError("Unexpected error during coordination RuntimeError('...closed=True')")
    handled: list[str] = []
    loop, made = loop_with(
        [[{TP: [record("before", 0)]}, dead, dead, dead, dead], [{TP: [record("after", 1)]}]],
        handled,
    )
    await loop.start()

    await asyncio.wait_for(loop.run(), timeout=10)

    assert handled == ["before", "after"]
    assert len(made) == 2
    assert made[0].stopped and made[1].started and made[1].stopped
    assert made[0].commits == [{TP: 1}] and made[1].commits == [{TP: 2}]


async def test_a_consumer_that_dies_calls_on_death_so_its_process_can_be_restarted() -> None:
    deaths: list[str] = []
    loop, _ = loop_with([[RuntimeError("a bug in the loop")]], [])
    background = BackgroundConsumer(loop, name="c", on_death=lambda: deaths.append("died"))

    await background.start()

    assert await wait_until(lambda: not background.alive, timeout=10)
    assert deaths == ["died"]


class CommitNeverReturns(ScriptedConsumer):
    """aiokafka after a broker restart, as captured by a task dump: the commit waits for a
    coordinator lookup that never ends, and so does leaving the group."""

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(offsets)
        await asyncio.Event().wait()

    async def stop(self) -> None:
        await asyncio.Event().wait()


async def test_a_commit_that_never_finishes_ends_the_loop_so_the_process_is_restarted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(membership, "COMMIT_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(membership, "LEAVE_TIMEOUT_SECONDS", 0.2)
    handled: list[str] = []
    stuck = CommitNeverReturns([{TP: [record("a", 0)]}, {TP: [record("b", 1)]}], None)
    loop = KafkaConsumerLoop(
        bootstrap_servers="127.0.0.1:1",
        group_id="g",
        routes={TOPIC: Route(BatchEssaysRegistered, lambda e: _append(handled, e))},
        dead_letter_publisher=None,  # type: ignore[arg-type]  # nothing is dead-lettered here
        make_consumer=lambda: stuck,
    )
    await loop.start()

    with pytest.raises(membership.GroupStuckError):
        await asyncio.wait_for(loop.run(), timeout=10)

    assert handled == ["a"]  # nothing more is taken once a commit is stuck
    assert stuck.commits == [{TP: 1}]


async def _append(handled: list[str], envelope: EventEnvelope[BatchEssaysRegistered]) -> None:
    handled.append(envelope.data.batch_id)
