"""The result events the spell checker emits (no I/O: the handler publishes them)."""

from __future__ import annotations

from common_core.enums import ContentType, EssayStatus, ProcessingEvent, ProcessingStage
from common_core.events import SpellcheckRequestedDataV1, SpellcheckResultDataV1
from common_core.metadata import (
    StorageReferenceMetadata,
    SystemProcessingMetadata,
    event_metadata,
)


def _metadata(
    request: SpellcheckRequestedDataV1, error: str | None = None
) -> SystemProcessingMetadata:
    return event_metadata(
        request.entity_ref,
        ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED,
        ProcessingStage.SPELLCHECK,
        {"message": error} if error else None,
    )


def spellchecked(
    request: SpellcheckRequestedDataV1, corrected_id: str, log_id: str, corrections: int
) -> SpellcheckResultDataV1:
    """Success: where the corrected text and the corrections log are, and how many there were."""
    return SpellcheckResultDataV1(
        batch_id=request.batch_id,
        entity_ref=request.entity_ref,
        status=EssayStatus.SPELLCHECKED_SUCCESS,
        original_text_storage_id=request.text_storage_id,
        storage_metadata=StorageReferenceMetadata(
            references={
                ContentType.CORRECTED_TEXT: corrected_id,
                ContentType.SPELLCHECK_LOG: log_id,
            }
        ),
        corrections_made=corrections,
        language=request.language,
        metadata=_metadata(request),
    )


def spellcheck_failed(request: SpellcheckRequestedDataV1, error: str) -> SpellcheckResultDataV1:
    """A failure is a result too: the batch counts it instead of waiting for the essay."""
    return SpellcheckResultDataV1(
        batch_id=request.batch_id,
        entity_ref=request.entity_ref,
        status=EssayStatus.SPELLCHECK_FAILED,
        original_text_storage_id=request.text_storage_id,
        language=request.language,
        error=error,
        metadata=_metadata(request, error),
    )
