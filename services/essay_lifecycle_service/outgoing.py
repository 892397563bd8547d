"""The events ELS emits, built from its records (no I/O: handlers queue them in the outbox)."""

from __future__ import annotations

from collections.abc import Sequence

from common_core.enums import ErrorCode, EssayStatus, Language, ProcessingEvent, ProcessingStage
from common_core.events import (
    BatchEssaysReady,
    EssayLifecycleStateUpdated,
    EssayProcessingInputRef,
    FailedUpload,
    NlpRequestedDataV1,
    SpellcheckRequestedDataV1,
)
from common_core.metadata import EntityReference, event_metadata
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
            EntityReference.batch(batch_id),
            ProcessingEvent.BATCH_ESSAYS_READY,
            ProcessingStage.CONTENT_INGESTION,
        ),
    )


def spellcheck_requested(
    entity: EntityReference, text_storage_id: str, language: Language
) -> SpellcheckRequestedDataV1:
    """Ask the spell checker to check one essay's text in the batch's language."""
    return SpellcheckRequestedDataV1(
        batch_id=entity.parent_id or entity.entity_id,
        entity_ref=entity,
        text_storage_id=text_storage_id,
        language=language,
        metadata=event_metadata(
            entity, ProcessingEvent.ESSAY_SPELLCHECK_REQUESTED, ProcessingStage.SPELLCHECK
        ),
    )


def nlp_requested(
    entity: EntityReference, corrected_text_storage_id: str, corrections: int, language: Language
) -> NlpRequestedDataV1:
    """Ask the NLP worker for one essay's metrics, on its spell-corrected text."""
    return NlpRequestedDataV1(
        batch_id=entity.parent_id or entity.entity_id,
        entity_ref=entity,
        corrected_text_storage_id=corrected_text_storage_id,
        spellcheck_corrections=corrections,
        language=language,
        metadata=event_metadata(
            entity, ProcessingEvent.ESSAY_NLP_REQUESTED, ProcessingStage.NLP_METRICS
        ),
    )


def state_updated(
    entity: EntityReference,
    status: EssayStatus,
    phase: ProcessingStage,
    metrics: dict[str, int | float | None] | None = None,
    teacher_id: str | None = None,
) -> EssayLifecycleStateUpdated:
    """Tell BOS an essay changed status in a phase (BOS counts the results among them); a
    successful result that measured something carries its metrics for the class summary. The
    batch's teacher rides along, so the gateway tells that teacher only."""
    return EssayLifecycleStateUpdated(
        batch_id=entity.parent_id or entity.entity_id,
        entity_ref=entity,
        status=status,
        phase=phase,
        metrics=metrics,
        teacher_id=teacher_id,
        metadata=event_metadata(entity, ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED, phase),
    )
