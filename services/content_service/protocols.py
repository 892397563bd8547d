"""The seam between Content Service's handlers and its storage (the on-disk repository)."""

from __future__ import annotations

from typing import Protocol

from services.content_service.domain import StoredContent


class ContentStore(Protocol):
    """Keeps blobs with their content type under fresh storage ids."""

    async def save(self, data: bytes, content_type: str) -> str:
        """Store a blob durably and return its new storage id."""
        ...

    async def load(self, storage_id: str) -> StoredContent:
        """The blob; raises InvalidStorageId or ContentNotFound."""
        ...

    async def is_writable(self) -> bool:
        """True when a new blob could be stored now."""
        ...
