"""The events BOS emits, built from a batch (no I/O: handlers queue them in the outbox)."""

from __future__ import annotations

from common_core.enums import ProcessingEvent, ProcessingStage
from common_core.events import (
    BatchEssaysRegistered,
    BatchLifecycleCompleted,
    BatchPipelineProgressUpdated,
    BatchServiceSpellcheckInitiateCommandDataV1,
    EssayProcessingInputRef,
)
from common_core.metadata import EntityReference, SystemProcessingMetadata, event_metadata
from services.batch_orchestrator_service.domain import Batch


def _metadata(
    batch: Batch, event: ProcessingEvent, stage: ProcessingStage
) -> SystemProcessingMetadata:
    return event_metadata(EntityReference.batch(batch.batch_id), event, stage)


def batch_registered(batch: Batch) -> BatchEssaysRegistered:
    """Step 1, to ELS: the batch's slots only; its course context stays in BOS."""
    return BatchEssaysRegistered(
        batch_id=batch.batch_id,
        expected_essay_count=batch.expected_essay_count,
        essay_ids=list(batch.essay_ids),
        metadata=_metadata(
            batch, ProcessingEvent.BATCH_ESSAYS_REGISTERED, ProcessingStage.REGISTRATION
        ),
    )


def spellcheck_command(
    batch: Batch, ready: list[EssayProcessingInputRef]
) -> BatchServiceSpellcheckInitiateCommandDataV1:
    """Step 4, to ELS: check these essays in the language of the batch's course."""
    return BatchServiceSpellcheckInitiateCommandDataV1(
        batch_id=batch.batch_id,
        essays_to_process=ready,
        language=batch.language,
        metadata=_metadata(
            batch, ProcessingEvent.BATCH_SPELLCHECK_INITIATE_COMMAND, ProcessingStage.SPELLCHECK
        ),
    )


def progress_snapshot(batch: Batch) -> BatchPipelineProgressUpdated:
    """A snapshot; copied because the handler may change the state again before commit."""
    return BatchPipelineProgressUpdated(
        batch_id=batch.batch_id,
        batch_status=batch.status,
        pipeline_state=batch.pipeline_state.model_copy(deep=True),
        metadata=_metadata(
            batch, ProcessingEvent.BATCH_PIPELINE_PROGRESS_UPDATED, ProcessingStage.SPELLCHECK
        ),
    )


def batch_completed(batch: Batch) -> BatchLifecycleCompleted:
    """The batch reached its terminal status, with its final counts."""
    return BatchLifecycleCompleted(
        batch_id=batch.batch_id,
        status=batch.status,
        essay_counts=batch.pipeline_state.spellcheck.essay_counts.model_copy(),
        failed_uploads=len(batch.failed_uploads),
        metadata=_metadata(
            batch, ProcessingEvent.BATCH_LIFECYCLE_COMPLETED, ProcessingStage.COMPLETION
        ),
    )
