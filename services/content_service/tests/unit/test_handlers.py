"""BatchDeleted handling: the batch's blobs go, a redelivery is harmless, pruning is rare."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from common_core.enums import ProcessingEvent, ProcessingStage
from common_core.events import BatchDeleted
from common_core.metadata import EntityReference, event_metadata
from services.content_service.batch_index import batch_key
from services.content_service.domain import ContentNotFound
from services.content_service.handlers import PRUNE_EVERY_SECONDS, BatchContentDeleter
from services.content_service.repository import FileContentStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def deleted(batch_id: str) -> BatchDeleted:
    meta = event_metadata(
        EntityReference.batch(batch_id), ProcessingEvent.BATCH_DELETED, ProcessingStage.COMPLETION
    )
    return BatchDeleted(batch_id=batch_id, teacher_id="t-1", metadata=meta)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[FileContentStore]:
    store = FileContentStore(tmp_path / "store")
    store.ensure_root()
    yield store
    store.close()


async def test_batch_deleted_removes_the_batch_blobs_and_a_redelivery_is_harmless(
    store: FileContentStore,
) -> None:
    deleter = BatchContentDeleter(store, tombstone_retention_days=30)
    gone = await store.save(b"original", "text/plain", "b-1")
    kept = await store.save(b"another batch", "text/plain", "b-2")

    await deleter(deleted("b-1"))
    await deleter(deleted("b-1"))

    with pytest.raises(ContentNotFound):
        await store.load(gone)
    assert (await store.load(kept)).data == b"another batch"


async def test_tombstones_past_retention_are_pruned_at_most_hourly(
    store: FileContentStore,
) -> None:
    clock = Clock()
    deleter = BatchContentDeleter(store, tombstone_retention_days=1, clock=clock)
    tombstones = store.root / "tombstones"
    await deleter(deleted("ancient"))
    os.utime(tombstones / batch_key("ancient"), (1, 1))

    await deleter(deleted("recent"))  # within the hour of the first prune: no scan
    assert (tombstones / batch_key("ancient")).exists()

    clock.now += PRUNE_EVERY_SECONDS
    await deleter(deleted("later"))
    assert not (tombstones / batch_key("ancient")).exists()
    assert (tombstones / batch_key("recent")).exists()
