"""The seam between Content Service's handlers and its storage (the on-disk repository)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from services.content_service.domain import StoredContent


class ContentStore(Protocol):
    """Keeps blobs with their content type under fresh storage ids, each in its batch."""

    async def save(self, data: bytes, content_type: str, batch_id: str) -> str:
        """Store a blob of the batch durably and return its new storage id.

        Raises BatchDeletedError when the batch was deleted (even while the write ran).
        """
        ...

    async def save_many(self, blobs: Sequence[tuple[bytes, str]], batch_id: str) -> list[str]:
        """`save` for several (data, content type) blobs of one batch; their ids in order.

        All are kept or none (BatchDeletedError, or the error of the write that failed).
        """
        ...

    async def load(self, storage_id: str) -> StoredContent:
        """The blob; raises InvalidStorageId or ContentNotFound."""
        ...

    async def delete_batch(self, batch_id: str) -> int:
        """Remove every blob of the batch and refuse its later stores; returns blobs removed."""
        ...

    async def prune_tombstones(self, older_than_seconds: float) -> int:
        """Forget deletions older than this (their stores are accepted again); returns how many."""
        ...

    async def is_writable(self) -> bool:
        """True when a new blob could be stored now."""
        ...
