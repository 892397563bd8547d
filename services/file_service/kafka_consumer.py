"""Where File Service's one message comes in: BatchDeleted -> forget the batch's records."""

from __future__ import annotations

from common_core.enums import ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import BatchDeleted
from common_core.kafka import Route
from common_core.topics import topic_name
from services.file_service.handlers import forget_deleted_batch
from services.file_service.protocols import BatchDeletions


def build_routes(deletions: BatchDeletions) -> dict[str, Route]:
    """File Service's consuming table."""

    async def on_batch_deleted(envelope: EventEnvelope[BatchDeleted]) -> None:
        await forget_deleted_batch(envelope.data, deletions)

    return {topic_name(ProcessingEvent.BATCH_DELETED): Route(BatchDeleted, on_batch_deleted)}
