"""Scheduling parts of the fair consuming loop: whose message starts next, and how far a
partition can be committed. Pure data structures (no Kafka), so they are tested on their own.

A worker's topic is a queue shared by every batch: a partition is first in, first out, so
without help a 10-essay batch waits behind every request of the 500-essay batches published
before it. The fair loop reads ahead and starts messages round-robin across batches
(`FairQueue`); since messages then finish out of offset order, `PartitionOffsets` tracks which
ones are done and yields the offset up to which everything is done, the only safe commit.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class FairQueue(Generic[Item]):
    """Items grouped by key (a batch id), handed out round-robin over the keys, each key's own
    items first in, first out. A key that arrives late is served on the next turn, whatever
    is queued under the other keys."""

    def __init__(self) -> None:
        self._by_key: dict[Hashable, deque[Item]] = {}
        self._turns: deque[Hashable] = deque()  # keys with items, in the order they are served
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def push(self, key: Hashable, item: Item) -> None:
        queue = self._by_key.get(key)
        if queue is None:
            queue = self._by_key[key] = deque()
            self._turns.append(key)
        queue.append(item)
        self._size += 1

    def pop(self) -> Item:
        """The oldest item of the key whose turn it is; raises IndexError when empty."""
        key = self._turns.popleft()
        queue = self._by_key[key]
        item = queue.popleft()
        if queue:
            self._turns.append(key)  # back of the line: every other key goes first
        else:
            del self._by_key[key]
        self._size -= 1
        return item

    def remove_if(self, unwanted: Callable[[Item], bool]) -> int:
        """Drop every item `unwanted` says so (a revoked partition's); returns how many."""
        dropped = 0
        for key in list(self._turns):
            queue = self._by_key[key]
            kept = deque(item for item in queue if not unwanted(item))
            dropped += len(queue) - len(kept)
            if kept:
                self._by_key[key] = kept
            else:
                del self._by_key[key]
                self._turns.remove(key)
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
