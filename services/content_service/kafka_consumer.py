"""Where Content Service's one message comes in: BatchDeleted -> delete the batch's blobs."""

from __future__ import annotations

from common_core.enums import ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import BatchDeleted
from common_core.kafka import Route
from common_core.topics import topic_name
from services.content_service.handlers import BatchContentDeleter


def build_routes(delete_batch_content: BatchContentDeleter) -> dict[str, Route]:
    """Content Service's consuming table."""

    async def on_batch_deleted(envelope: EventEnvelope[BatchDeleted]) -> None:
        await delete_batch_content(envelope.data)

    return {topic_name(ProcessingEvent.BATCH_DELETED): Route(BatchDeleted, on_batch_deleted)}
