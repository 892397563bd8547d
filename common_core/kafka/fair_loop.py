"""The consuming loop of the request workers (spell checker, NLP): fair across batches.

`KafkaConsumerLoop` handles one poll at a time, each partition in offset order: a request topic
is then one queue for every teacher, and a 10-essay batch waits until the requests of every
500-essay batch published before it are done (seconds to tens of seconds under load). Requests
are independent of each other, so this loop instead reads ahead (up to `read_ahead` messages),
queues them by batch (the `batch_id` every event carries) and starts next a message of the
batch with the fewest waiting (`FairQueue`), at most the route's `max_in_flight` at a time: a
small batch that arrives late gets the next free slots, however much is queued before it.

Delivery stays as in the base loop (decoding, retries, dead letters and handling are its own
code). Messages now finish out of offset order, so each partition commits only up to its first
unfinished message (`PartitionOffsets`), at most every `commit_interval` seconds and when the
loop stops: a crash redoes unfinished (and a little finished) work, never skips any. Before a
partition moves to another replica, the listener drops its queued messages, waits for its
running ones and commits it, so the next owner starts exactly where this one left off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Hashable
from typing import Any, TypeAlias

from aiokafka import ConsumerRebalanceListener, ConsumerRecord, TopicPartition

from common_core.kafka.consumer import KafkaConsumerLoop
from common_core.kafka.fair import FairQueue, PartitionOffsets
from common_core.kafka.membership import GroupStuckError, Polled
from common_core.logs import get_logger

logger = get_logger(__name__)

Record: TypeAlias = "ConsumerRecord[bytes, bytes]"


def batch_key(record: Record) -> Hashable:
    """The batch a message belongs to (every payload has `batch_id`); an undecodable message
    gets a key of its own partition (the handler dead-letters it anyway)."""
    try:
        return str(json.loads(record.value or b"")["data"]["batch_id"])
    except (ValueError, KeyError, TypeError):
        return (record.topic, record.partition)


class FairConsumerLoop(KafkaConsumerLoop):
    """Reads ahead and starts the batch with the fewest messages waiting first (per-message
    routes only)."""

    def __init__(
        self, *, read_ahead: int = 5000, commit_interval: float = 0.5, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if any(route.batch_handler is not None for route in self._routes.values()):
            raise ValueError("the fair loop hands out single messages; batch routes need order")
        self._read_ahead = read_ahead
        self._commit_interval = commit_interval
        self._limit = max(route.max_in_flight for route in self._routes.values())
        self._queue: FairQueue[Record] = FairQueue()
        self._offsets: dict[TopicPartition, PartitionOffsets] = {}
        self._committed: dict[TopicPartition, int] = {}
        self._running: dict[asyncio.Task[bool], Record] = {}
        self._revoked: set[TopicPartition] = set()
        self._settled = asyncio.Condition()

    def _rebalance_listener(self) -> ConsumerRebalanceListener:
        """Partitions move: hand over the revoked ones (see `hand_over`), track assigned anew."""
        return _HandOverRevoked(self)

    async def run(self) -> None:
        """Read ahead, start queued messages fairly, commit finished prefixes; until `stop()`."""
        fetch: asyncio.Task[Polled] | None = None
        stopping = asyncio.create_task(self._stopping.wait())
        last_commit = time.monotonic()
        try:
            while not self._stopping.is_set():
                self._start_queued()
                if fetch is None and len(self._queue) < self._read_ahead:
                    fetch = asyncio.create_task(self._member.poll(self._max_records))
                waiting: set[asyncio.Future[Any]] = {stopping, *self._running}
                if fetch is not None:
                    waiting.add(fetch)
                done, _ = await asyncio.wait(
                    waiting, timeout=self._commit_interval, return_when=asyncio.FIRST_COMPLETED
                )
                if fetch is not None and fetch in done:
                    self._take(fetch.result())
                    fetch = None
                await self._collect(done)
                if time.monotonic() - last_commit >= self._commit_interval:
                    await self._commit_finished()
                    last_commit = time.monotonic()
        finally:
            stopping.cancel()
            if fetch is not None:
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch
            # Not yet started ones return at once; running ones finish the message in hand.
            if self._running:
                await asyncio.wait(list(self._running))
                await self._collect(set(self._running), failing=False)
            # A stuck group (the loop may be ending because of it) must not stop the leaving.
            with contextlib.suppress(GroupStuckError):
                await self._commit_finished()
            await self.close()

    def _take(self, batches: Polled) -> None:
        """Queue fetched messages under their batch; track their offsets for the commit."""
        for tp, records in batches.items():
            if tp in self._revoked:
                continue  # a fetch that raced the hand-over: the next owner reads these
            offsets = self._offsets.setdefault(tp, PartitionOffsets())
            for record in records:
                if not offsets.is_new(record.offset):
                    continue
                offsets.read(record.offset)
                self._queue.push(batch_key(record), record)

    def _start_queued(self) -> None:
        while self._queue and len(self._running) < self._limit:
            record = self._queue.pop()
            self._running[asyncio.create_task(self._handle_one(record))] = record

    async def _collect(self, done: set[asyncio.Future[Any]], failing: bool = True) -> None:
        """Note the finished messages (a False result: abandoned while stopping, not done).

        A handler task that raised (the dead-letter send failed) stops the loop, as in the base
        loop, unless `failing` is off (already stopping): its message then counts as unfinished.
        """
        finished = [task for task in self._running if task in done]
        error: BaseException | None = None
        for task in finished:
            record = self._running.pop(task)
            tp = TopicPartition(record.topic, record.partition)
            failure = task.exception()
            error = error or failure
            if failure is None and task.result() and tp in self._offsets:
                self._offsets[tp].finish(record.offset)
        if finished:
            async with self._settled:
                self._settled.notify_all()
        if error is not None and failing:
            raise error

    async def _commit_finished(self, only: set[TopicPartition] | None = None) -> None:
        """Commit each partition (or each of `only`) up to its first unfinished message."""
        offsets = {}
        for tp, tracker in self._offsets.items():
            point = tracker.commit_point()
            wanted = only is None or tp in only
            if wanted and point is not None and point != self._committed.get(tp):
                offsets[tp] = point
        await self._commit(offsets)
        self._committed.update(offsets)

    async def hand_over(self, revoked: set[TopicPartition]) -> None:
        """Before `revoked` partitions move: drop their queued messages, let their running ones
        finish, commit them and forget them."""
        self._revoked |= revoked
        dropped = self._queue.remove_if(
            lambda record: TopicPartition(record.topic, record.partition) in revoked
        )

        def settled() -> bool:
            return not any(
                TopicPartition(r.topic, r.partition) in revoked for r in self._running.values()
            )

        async with self._settled:
            await self._settled.wait_for(settled)
        await self._commit_finished(only=revoked)
        for tp in revoked:
            self._offsets.pop(tp, None)
            self._committed.pop(tp, None)
        logger.info(
            "partitions_revoked", group_id=self._group_id, partitions=len(revoked), dropped=dropped
        )

    def assigned(self, assigned: set[TopicPartition]) -> None:
        """Partitions (back) in hand start from their committed offset, tracked afresh. (After
        a rejoin that revoked nothing, what is still queued of them is read again from there.)"""
        self._revoked -= assigned
        self._queue.remove_if(
            lambda record: TopicPartition(record.topic, record.partition) in assigned
        )
        for tp in assigned:
            self._offsets.pop(tp, None)
            self._committed.pop(tp, None)
        logger.info("partitions_assigned", group_id=self._group_id, partitions=len(assigned))


class _HandOverRevoked(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: FairConsumerLoop) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._loop.hand_over(set(revoked))

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self._loop.assigned(set(assigned))
