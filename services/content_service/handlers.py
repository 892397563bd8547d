"""Content Service's decisions: what may be stored, and what a fetch returns.

Plain functions over a `ContentStore`; they raise domain errors (domain.py), which only the
API layer turns into HTTP answers.
"""

from __future__ import annotations

from common_core.logs import get_logger
from services.content_service.domain import EmptyContent, StoredContent
from services.content_service.protocols import ContentStore

logger = get_logger(__name__)


async def store_content(data: bytes, content_type: str, store: ContentStore) -> str:
    """Keep a non-empty blob with its content type; returns its new storage id."""
    if not data:
        raise EmptyContent("the request body is empty")
    storage_id = await store.save(data, content_type)
    logger.info("content_stored", storage_id=storage_id, size=len(data))
    return storage_id


async def fetch_content(storage_id: str, store: ContentStore) -> StoredContent:
    """The blob stored under `storage_id`; raises InvalidStorageId or ContentNotFound."""
    return await store.load(storage_id)
