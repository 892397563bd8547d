"""The fair loop's scheduling parts: the batch with the fewest waiting first (none starved), and
the safe commit point."""

from __future__ import annotations

from common_core.kafka.fair import FairQueue, PartitionOffsets


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_small_batch_arriving_behind_a_big_one_goes_next() -> None:
    queue: FairQueue[str] = FairQueue(oldest_every=1000, clock=FakeClock())
    for i in range(100):
        queue.push("big", f"big-{i}")
    first = queue.pop()
    for i in range(3):
        queue.push("small", f"small-{i}")
    order = [queue.pop() for _ in range(len(queue))]
    assert first == "big-0"
    assert order[:4] == ["small-0", "small-1", "small-2", "big-1"]
    assert order[3:] == [f"big-{i}" for i in range(1, 100)]  # the big one's order is kept


def test_among_big_batches_the_one_with_fewest_left_finishes_first() -> None:
    queue: FairQueue[tuple[str, int]] = FairQueue(oldest_every=1000, clock=FakeClock())
    for key, count in (("a", 3), ("b", 5)):
        for i in range(count):
            queue.push(key, (key, i))
    assert [queue.pop() for _ in range(8)] == [("a", i) for i in range(3)] + [
        ("b", i) for i in range(5)
    ]
    assert len(queue) == 0


def test_every_fourth_item_goes_to_the_longest_waiting_batch_so_none_starves() -> None:
    clock = FakeClock()
    queue: FairQueue[str] = FairQueue(oldest_every=4, clock=clock)
    for i in range(50):
        queue.push("big", f"big-{i}")
    for i in range(10):
        clock.now += 1.0
        queue.push(f"small{i}", f"small{i}")  # a stream of newer, smaller batches
    order = [queue.pop() for _ in range(8)]
    assert order[3] == "big-0" and order[7] == "big-1"
    assert all(item.startswith("small") for i, item in enumerate(order) if i not in (3, 7))


def test_remove_if_drops_only_the_unwanted_items_and_their_empty_keys() -> None:
    queue: FairQueue[tuple[int, int]] = FairQueue(clock=FakeClock())  # (partition, offset)
    for offset in range(4):
        queue.push("x", (offset % 2, offset))
    queue.push("y", (1, 9))
    assert queue.remove_if(lambda item: item[0] == 1) == 3
    assert len(queue) == 2
    assert [queue.pop(), queue.pop()] == [(0, 0), (0, 2)]


def test_commit_point_stops_at_the_first_unfinished_offset() -> None:
    offsets = PartitionOffsets()
    assert offsets.commit_point() is None  # nothing read: nothing to commit
    for offset in range(10, 15):
        offsets.read(offset)
    assert offsets.commit_point() == 10
    offsets.finish(11)
    offsets.finish(13)
    assert offsets.commit_point() == 10  # 10 unfinished: 11 and 13 are redone after a crash
    offsets.finish(10)
    assert offsets.commit_point() == 12
    assert offsets.unfinished() == 2
    offsets.finish(12)
    offsets.finish(14)
    assert offsets.commit_point() == 15  # all done: past the last one read


def test_an_offset_read_again_is_not_new() -> None:
    offsets = PartitionOffsets()
    offsets.read(5)
    assert not offsets.is_new(5)
    assert not offsets.is_new(3)
    assert offsets.is_new(6)
