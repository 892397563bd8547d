"""The result events NLP publishes, built from a request and its outcome (no I/O)."""

from __future__ import annotations

from common_core.enums import ContentType, EssayStatus, ProcessingEvent, ProcessingStage
from common_core.events import NlpRequestedDataV1, NlpResultDataV1
from common_core.metadata import (
    StorageReferenceMetadata,
    SystemProcessingMetadata,
    event_metadata,
)
from common_core.nlp import NlpMetrics


def nlp_succeeded(
    request: NlpRequestedDataV1, metrics_storage_id: str, metrics: NlpMetrics
) -> NlpResultDataV1:
    """`nlp_success` with the metrics inline and the id of their stored JSON."""
    return NlpResultDataV1(
        batch_id=request.batch_id,
        entity_ref=request.entity_ref,
        status=EssayStatus.NLP_SUCCESS,
        corrected_text_storage_id=request.corrected_text_storage_id,
        storage_metadata=StorageReferenceMetadata(
            references={ContentType.NLP_METRICS: metrics_storage_id}
        ),
        metrics=metrics,
        language=request.language,
        metadata=_metadata(request),
    )


def nlp_failed(request: NlpRequestedDataV1, error: str) -> NlpResultDataV1:
    """`nlp_failed` with what went wrong: the essay gets a result, never silence."""
    return NlpResultDataV1(
        batch_id=request.batch_id,
        entity_ref=request.entity_ref,
        status=EssayStatus.NLP_FAILED,
        corrected_text_storage_id=request.corrected_text_storage_id,
        language=request.language,
        error=error,
        metadata=_metadata(request, error),
    )


def _metadata(request: NlpRequestedDataV1, error: str | None = None) -> SystemProcessingMetadata:
    return event_metadata(
        request.entity_ref,
        ProcessingEvent.ESSAY_NLP_RESULT_RECEIVED,
        ProcessingStage.NLP_METRICS,
        {"message": error} if error else None,
    )
