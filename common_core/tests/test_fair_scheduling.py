"""The fair loop's scheduling parts: round-robin across batches, and the safe commit point."""

from __future__ import annotations

from common_core.kafka.fair import FairQueue, PartitionOffsets


def test_a_late_key_is_served_on_the_next_turn_not_after_the_backlog() -> None:
    queue: FairQueue[str] = FairQueue()
    for i in range(100):
        queue.push("big", f"big-{i}")
    first = queue.pop()
    queue.push("small", "small-0")
    queue.push("small", "small-1")
    order = [queue.pop() for _ in range(len(queue))]
    assert first == "big-0"
    assert order[:4] == ["big-1", "small-0", "big-2", "small-1"]
    assert [item for item in order if item.startswith("big")] == [f"big-{i}" for i in range(1, 100)]


def test_round_robin_over_three_keys_keeps_each_keys_order() -> None:
    queue: FairQueue[tuple[str, int]] = FairQueue()
    for key, count in (("a", 3), ("b", 1), ("c", 2)):
        for i in range(count):
            queue.push(key, (key, i))
    assert [queue.pop() for _ in range(6)] == [
        ("a", 0), ("b", 0), ("c", 0), ("a", 1), ("c", 1), ("a", 2)
    ]  # fmt: skip
    assert len(queue) == 0


def test_remove_if_drops_only_the_unwanted_items_and_their_empty_keys() -> None:
    queue: FairQueue[tuple[int, int]] = FairQueue()  # (partition, offset)
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
