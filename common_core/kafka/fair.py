"""Scheduling parts of the fair consuming loop: whose message starts next, and how far a
partition can be committed. Pure data structures (no Kafka), so they are tested on their own.

A worker's topic is a queue shared by every batch: a partition is first in, first out, so
without help a 10-essay batch waits behind every request of the 500-essay batches published
before it. The fair loop reads ahead and starts first the messages of the batch with the
fewest waiting (`FairQueue`); since messages then finish out of offset order,
`PartitionOffsets` tracks which ones are done and yields the offset up to which everything is
done, the only safe commit.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class FairQueue(Generic[Item]):
    """Items grouped by key (a batch id), each key's own items first in, first out; the next
    item comes from the key with the fewest items waiting.

    Fewest-waiting-first lets a 10-essay batch that arrives behind 2,000 queued essays go next,
    and among big batches it finishes the one started first (the fewest left) first, instead of
    dragging every batch to the same late end as a round-robin would. So that a big batch is
    not starved by a stream of smaller ones, every `oldest_every`-th item comes from the key
    whose oldest item has waited longest: each batch keeps a share of the throughput. (A fixed
    patience in seconds does not do this: under overload every big batch's items pass it, and
    the queue turns back into first in, first out.)
    """

    def __init__(self, oldest_every: int = 4, clock: Callable[[], float] = time.monotonic) -> None:
        self._by_key: dict[Hashable, deque[tuple[float, Item]]] = {}
        self._oldest_every = oldest_every
        self._clock = clock
        self._size = 0
        self._popped = 0

    def __len__(self) -> int:
        return self._size

    def push(self, key: Hashable, item: Item) -> None:
        self._by_key.setdefault(key, deque()).append((self._clock(), item))
        self._size += 1

    def pop(self) -> Item:
        """The oldest item of the chosen key; raises IndexError when empty."""
        if not self._by_key:
            raise IndexError("pop from an empty FairQueue")
        # dict order is arrival order of the keys: on a tie the earlier batch goes first
        self._popped += 1
        if self._popped % self._oldest_every == 0:
            key = min(self._by_key, key=lambda k: self._by_key[k][0][0])
        else:
            key = min(self._by_key, key=lambda k: len(self._by_key[k]))
        queue = self._by_key[key]
        _, item = queue.popleft()
        if not queue:
            del self._by_key[key]
        self._size -= 1
        return item

    def remove_if(self, unwanted: Callable[[Item], bool]) -> int:
        """Drop every item `unwanted` says so (a revoked partition's); returns how many."""
        dropped = 0
        for key in list(self._by_key):
            queue = self._by_key[key]
            kept = deque(entry for entry in queue if not unwanted(entry[1]))
            dropped += len(queue) - len(kept)
            if kept:
                self._by_key[key] = kept
            else:
                del self._by_key[key]
        self._size -= dropped
        return dropped


class PartitionOffsets:
    """The offsets of one partition read but not yet committed, and which of them are done.

    Offsets are added in the order they are read (increasing); they finish in any order. The
    commit point is the first offset not done: every message before it has been handled, so a
    consumer that starts there after a crash or a rebalance redoes only unfinished work (and
    perhaps some finished after it, which idempotent handlers tolerate), never skips any.
    """

    def __init__(self) -> None:
        self._done: OrderedDict[int, bool] = OrderedDict()
        self._next: int | None = None  # the offset after the last one read

    def is_new(self, offset: int) -> bool:
        """False for an offset already read (a fetch repeated after a reset)."""
        return self._next is None or offset >= self._next

    def read(self, offset: int) -> None:
        self._done[offset] = False
        self._next = offset + 1

    def finish(self, offset: int) -> None:
        if offset in self._done:
            self._done[offset] = True

    def commit_point(self) -> int | None:
        """The offset to commit (first not done), None when nothing was read. Forgets the
        finished prefix, so memory stays with the unfinished messages."""
        while self._done:
            offset, done = next(iter(self._done.items()))
            if not done:
                return offset
            self._done.popitem(last=False)
        return self._next

    def unfinished(self) -> int:
        return sum(1 for done in self._done.values() if not done)
