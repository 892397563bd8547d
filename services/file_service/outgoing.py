"""The events File Service emits for an upload's files (no I/O: the handler publishes them)."""

from __future__ import annotations

from typing import Any

from common_core.enums import ContentType, ProcessingEvent, ProcessingStage
from common_core.events import EssayContentReady, EssayValidationFailed
from common_core.metadata import (
    EntityReference,
    StorageReferenceMetadata,
    SystemProcessingMetadata,
    event_metadata,
)
from services.file_service.domain import AcceptedFile, RejectedFile


def _metadata(
    batch_id: str, event: ProcessingEvent, error: dict[str, Any] | None = None
) -> SystemProcessingMetadata:
    return event_metadata(
        EntityReference.batch(batch_id), event, ProcessingStage.CONTENT_INGESTION, error
    )


def content_ready(batch_id: str, file: AcceptedFile, storage_id: str) -> EssayContentReady:
    """An accepted file's text is stored: ELS gives it a slot."""
    return EssayContentReady(
        batch_id=batch_id,
        file_upload_id=file.file_upload_id,
        original_file_name=file.file_name,
        content_storage_reference=StorageReferenceMetadata(
            references={ContentType.ORIGINAL_ESSAY: storage_id}
        ),
        content_sha256=file.content_sha256,
        student_name=file.student.name,
        student_email=file.student.email,
        metadata=_metadata(batch_id, ProcessingEvent.ESSAY_CONTENT_READY),
    )


def validation_failed(batch_id: str, file: RejectedFile) -> EssayValidationFailed:
    """A rejected file: ELS counts it, so the batch never waits for it."""
    return EssayValidationFailed(
        batch_id=batch_id,
        file_upload_id=file.file_upload_id,
        original_file_name=file.file_name,
        error_code=file.error_code,
        message=file.message,
        metadata=_metadata(
            batch_id,
            ProcessingEvent.ESSAY_VALIDATION_FAILED,
            {"error_code": file.error_code.value, "message": file.message},
        ),
    )
