"""A worker's membership of its consumer group: join, poll, commit, and rejoin after a fault.

aiokafka reports group-coordination failures (a broker restarting, its coordinator not loaded
yet) through the next `getmany`, and normally keeps rejoining in the background. But its
coordination task can itself die on an unexpected error (seen after a broker restart:
`RuntimeError: unable to perform operation on <TCPTransport closed=True>`); from then on every
`getmany` raises and the consumer never recovers. Letting that end the consuming loop left a
process that no longer consumed: a worker was restarted by its supervisor, but a web process
(BOS) stayed up with a dead consumer and its batches stopped moving.

So a failed poll is answered with an empty one after a backoff, and after a few failures in a
row the consumer is replaced by a new one that joins the group afresh. Nothing is lost: offsets
are committed only after handling, so the new member starts after the last handled message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import ConsumerStoppedError, KafkaError

from common_core.logs import get_logger

logger = get_logger(__name__)

Polled = dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]

# Failed polls in a row after which the consumer is replaced rather than polled again.
REBUILD_AFTER_FAILURES = 3
# Longest pause between polls while the group cannot be reached.
MAX_BACKOFF_SECONDS = 5.0
# A commit (or leaving the group) that has not finished by then never will: see GroupStuckError.
COMMIT_TIMEOUT_SECONDS = 30.0
LEAVE_TIMEOUT_SECONDS = 10.0


class GroupStuckError(RuntimeError):
    """A commit did not finish within COMMIT_TIMEOUT_SECONDS.

    Seen after a broker restart under load: aiokafka's coordinator lookup waited for a metadata
    update that never came, holding the lookup lock, and every commit queued behind it forever
    (the loop stopped fetching and handling, and the process ignored SIGTERM; the stacks came
    from `common_core.task_dump`). No Kafka error is ever raised then, so the membership
    cannot tell it from a slow commit except by time. The loop ends on this error and the
    process with it; its supervisor starts a fresh one, which joins the group afresh and redoes
    what was not committed (at-least-once, idempotent handlers).
    """


class GroupConsumer(Protocol):
    """The part of aiokafka's consumer the loop uses (a stand-in replaces it in unit tests)."""

    async def start(self) -> None: ...

    def subscribe(self, topics: list[str], listener: Any) -> None: ...

    async def getmany(self, *, timeout_ms: int, max_records: int) -> Polled: ...

    async def commit(self, offsets: dict[TopicPartition, int]) -> None: ...

    def assignment(self) -> Iterable[TopicPartition]: ...

    async def stop(self) -> None: ...


class FinishBeforeHandOver(ConsumerRebalanceListener):  # type: ignore[misc]
    """Holds a rebalance until the poll in hand is handled and its offsets committed."""

    def __init__(self, in_hand: asyncio.Lock, group_id: str) -> None:
        self._in_hand = in_hand
        self._group_id = group_id

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        async with self._in_hand:  # the loop holds it from handing out a poll to its commit
            logger.info("partitions_revoked", group_id=self._group_id, partitions=len(revoked))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        logger.info("partitions_assigned", group_id=self._group_id, partitions=len(assigned))


def aiokafka_consumer(
    bootstrap_servers: str, group_id: str, fetch_max_wait_ms: int
) -> Callable[[], GroupConsumer]:
    """A factory of the consumers the loop runs: manual commits, from the earliest offset."""

    def make() -> GroupConsumer:
        consumer: GroupConsumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            client_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # Retries may hold one message for RetryPolicy.give_up_after_seconds.
            max_poll_interval_ms=300_000,
            # aiokafka keeps one fetch in flight per broker, and a partition with records still
            # buffered is left out of it; when those are drained, the partition waits for that
            # long-poll to end. The default 500 ms showed up as half-second stalls in the middle
            # of a 200-essay batch, so the long-poll is kept short (idle cost: ~10 fetches/s).
            fetch_max_wait_ms=fetch_max_wait_ms,
        )
        return consumer

    return make


class GroupMembership:
    """One live consumer in the group at a time, replaced when it stops recovering."""

    def __init__(
        self,
        *,
        make_consumer: Callable[[], GroupConsumer],
        group_id: str,
        topics: list[str],
        listener: Callable[[], ConsumerRebalanceListener],
        stopping: asyncio.Event,
    ) -> None:
        self._make_consumer = make_consumer
        self._group_id = group_id
        self._topics = topics
        self._listener = listener
        self._stopping = stopping
        self._consumer = make_consumer()
        self._failures = 0
        self._joined = True  # False only while a rejoin after a fault has not succeeded
        self._stuck = False  # a commit timed out: the group connection is not to be trusted

    async def join(self) -> None:
        """Connect and subscribe; raises if the broker cannot be reached."""
        await self._consumer.start()
        self._consumer.subscribe(self._topics, listener=self._listener())

    def assignment(self) -> set[TopicPartition]:
        return set(self._consumer.assignment())

    async def poll(self, max_records: int) -> Polled:
        """One `getmany`; after a Kafka error, an empty poll once a backoff has passed."""
        if not self._joined:  # the last rejoin failed (broker still down): try again
            await self._pause()
            await self._rejoin()
            return {}
        try:
            batches = await self._consumer.getmany(timeout_ms=500, max_records=max_records)
        except ConsumerStoppedError:
            raise
        except KafkaError as exc:
            self._failures += 1
            logger.warning(
                "consumer_poll_failed",
                group_id=self._group_id,
                error=repr(exc),
                failures_in_a_row=self._failures,
            )
            await self._pause()
            if self._failures >= REBUILD_AFTER_FAILURES:
                await self._rejoin()
            return {}
        if self._failures:
            logger.info("consumer_poll_recovered", group_id=self._group_id)
            self._failures = 0
        return batches

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        """Commit `offsets`; GroupStuckError when it does not finish in time (then at once)."""
        if self._stuck:
            raise GroupStuckError(f"group {self._group_id}: an earlier commit never finished")
        try:
            async with asyncio.timeout(COMMIT_TIMEOUT_SECONDS):
                await self._consumer.commit(offsets)
        except TimeoutError:
            self._stuck = True
            logger.error(
                "consumer_commit_stuck", group_id=self._group_id, seconds=COMMIT_TIMEOUT_SECONDS
            )
            raise GroupStuckError(
                f"group {self._group_id}: a commit did not finish in {COMMIT_TIMEOUT_SECONDS}s"
            ) from None

    async def leave(self) -> None:
        """Leave the group and close connections (given up after LEAVE_TIMEOUT_SECONDS: a stuck
        coordinator must not keep the process from exiting)."""
        try:
            async with asyncio.timeout(LEAVE_TIMEOUT_SECONDS):
                await self._consumer.stop()
        except TimeoutError:
            logger.error("consumer_leave_timed_out", group_id=self._group_id)

    async def _pause(self) -> None:
        """Back off (exponentially, bounded) unless the loop is stopping."""
        backoff = min(0.1 * 2 ** max(self._failures, 1), MAX_BACKOFF_SECONDS)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), backoff)

    async def _rejoin(self) -> None:
        """Replace the consumer with a new member of the group."""
        if self._stopping.is_set():
            return
        await _stop_quietly(self._consumer)  # it is being dropped because it is broken
        self._consumer = self._make_consumer()
        try:
            await self.join()
        except KafkaError as exc:
            self._joined = False
            self._failures += 1
            logger.warning("consumer_rejoin_failed", group_id=self._group_id, error=repr(exc))
            await _stop_quietly(self._consumer)
            return
        self._joined = True
        logger.warning("consumer_rejoined", group_id=self._group_id)


async def _stop_quietly(consumer: GroupConsumer) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(10):
            await consumer.stop()
