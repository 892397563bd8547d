"""The events ELS emits, built from its records (no I/O: handlers queue them in the outbox)."""

from __future__ import annotations

from collections.abc import Sequence

from common_core.enums import ErrorCode, EssayStatus, ProcessingEvent, ProcessingStage
from common_core.events import (
    BatchEssaysReady,
    EssayLifecycleStateUpdated,
    EssayProcessingInputRef,
    FailedUpload,
)
from common_core.metadata import EntityReference, SystemProcessingMetadata
from services.essay_lifecycle_service.domain import Essay, FailedUploadRecord


def batch_essays_ready(
    batch_id: str, essays: Sequence[Essay], failed: Sequence[FailedUploadRecord]
) -> BatchEssaysReady:
    """Every slot with content, and every failed upload, of a batch that is accounted for."""
    return BatchEssaysReady(
        batch_id=batch_id,
        ready_essays=[
            EssayProcessingInputRef(essay_id=e.essay_id, text_storage_id=e.text_storage_id)
            for e in essays
            if e.text_storage_id is not None
        ],
        failed_uploads=[
            FailedUpload(
                file_upload_id=f.file_upload_id,
                file_name=f.file_name,
                error_code=ErrorCode(f.error_code),
                message=f.message,
            )
            for f in failed
        ],
        metadata=event_metadata(
            EntityReference(entity_id=batch_id, entity_type="batch"),
            ProcessingEvent.BATCH_ESSAYS_READY,
            ProcessingStage.CONTENT_INGESTION,
        ),
    )


def essay_ref(essay_id: str, batch_id: str) -> EntityReference:
    return EntityReference(entity_id=essay_id, entity_type="essay", parent_id=batch_id)


def event_metadata(
    entity: EntityReference,
    event: ProcessingEvent,
    stage: ProcessingStage = ProcessingStage.SPELLCHECK,
) -> SystemProcessingMetadata:
    return SystemProcessingMetadata(entity=entity, event=event, processing_stage=stage)


def state_updated(entity: EntityReference, status: EssayStatus) -> EssayLifecycleStateUpdated:
    return EssayLifecycleStateUpdated(
        batch_id=entity.parent_id or entity.entity_id,
        entity_ref=entity,
        status=status,
        phase=ProcessingStage.SPELLCHECK,
        metadata=event_metadata(entity, ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED),
    )
