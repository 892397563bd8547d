"""Content Service's decisions: what may be stored, what a fetch returns, and what a deleted
batch leaves behind (nothing).

Plain functions over a `ContentStore`; they raise domain errors (domain.py), which only the
API layer turns into HTTP answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from common_core.events import BatchDeleted
from common_core.logs import get_logger
from services.content_service.domain import (
    MAX_BATCH_ID_LENGTH,
    BatchDeletedError,
    EmptyContent,
    MissingBatchId,
    StoredContent,
)
from services.content_service.metrics import BLOBS_DELETED, STORES_REFUSED_AFTER_DELETION
from services.content_service.protocols import ContentStore

logger = get_logger(__name__)

SECONDS_PER_DAY = 86_400.0
# Tombstones are pruned at most this often (a prune looks at every one of them).
PRUNE_EVERY_SECONDS = 3_600.0


async def store_content(data: bytes, content_type: str, batch_id: str, store: ContentStore) -> str:
    """Keep a non-empty blob of a live batch with its content type; returns its storage id."""
    return (await store_contents([(data, content_type)], batch_id, store))[0]


async def store_contents(
    blobs: Sequence[tuple[bytes, str]], batch_id: str, store: ContentStore
) -> list[str]:
    """Keep several non-empty (data, content type) blobs of a live batch, all or none; returns
    their storage ids in order. One request instead of one per blob (the spell checker's
    corrected text and its log)."""
    batch_id = batch_id.strip()
    if not batch_id or len(batch_id) > MAX_BATCH_ID_LENGTH:
        raise MissingBatchId("a blob must name its batch (1 to 255 characters)")
    if not blobs or not all(data for data, _ in blobs):
        raise EmptyContent("a blob is empty")
    size = sum(len(data) for data, _ in blobs)
    try:
        storage_ids = await store.save_many(blobs, batch_id)
    except BatchDeletedError:
        STORES_REFUSED_AFTER_DELETION.inc()
        logger.info("content_refused_batch_deleted", batch_id=batch_id, size=size)
        raise
    # Debug, not info: several lines per essay at info cost more than the rest of the request's
    # own Python work (a line is rendered here and relayed by the fleet runner).
    logger.debug("content_stored", storage_ids=storage_ids, batch_id=batch_id, size=size)
    return storage_ids


async def fetch_content(storage_id: str, store: ContentStore) -> StoredContent:
    """The blob stored under `storage_id`; raises InvalidStorageId or ContentNotFound."""
    return await store.load(storage_id)


class BatchContentDeleter:
    """Handles BatchDeleted: every blob of the batch goes (original and corrected texts,
    corrections logs, metrics) and its later stores are refused.

    Idempotent (a redelivery removes nothing more); old tombstones are pruned now and then.
    """

    def __init__(
        self,
        store: ContentStore,
        tombstone_retention_days: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._retention_seconds = tombstone_retention_days * SECONDS_PER_DAY
        self._clock = clock
        self._last_prune: float | None = None

    async def __call__(self, event: BatchDeleted) -> None:
        """Forget the batch's blobs."""
        removed = await self._store.delete_batch(event.batch_id)
        BLOBS_DELETED.inc(removed)
        logger.info("batch_content_deleted", batch_id=event.batch_id, blobs_removed=removed)
        now = self._clock()
        if self._last_prune is None or now - self._last_prune >= PRUNE_EVERY_SECONDS:
            self._last_prune = now
            pruned = await self._store.prune_tombstones(self._retention_seconds)
            if pruned:
                logger.info("tombstones_pruned", pruned=pruned)
