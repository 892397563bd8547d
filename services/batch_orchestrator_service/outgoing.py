"""The events BOS emits, built from a batch (no I/O: handlers queue them in the outbox)."""

from __future__ import annotations

from common_core.enums import ProcessingEvent, ProcessingStage
from common_core.events import (
    BatchDeleted,
    BatchEssaysRegistered,
    BatchLifecycleCompleted,
    BatchPipelineProgressUpdated,
    EssayProcessingInputRef,
    PhaseInitiateCommand,
)
from common_core.metadata import EntityReference, SystemProcessingMetadata, event_metadata
from common_core.pipeline_catalog import PIPELINES, PipelineSpec
from services.batch_orchestrator_service.domain import Batch, Results, final_counts


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
        teacher_id=batch.teacher_id,
        metadata=_metadata(
            batch, ProcessingEvent.BATCH_ESSAYS_REGISTERED, ProcessingStage.REGISTRATION
        ),
    )


def phase_command(
    batch: Batch, spec: PipelineSpec, essays: list[EssayProcessingInputRef]
) -> PhaseInitiateCommand:
    """To ELS: start the phase `spec` for `essays` in the language of the batch's course.

    The contract builds itself (`for_essays`), so a new pipeline needs nothing here.
    """
    return spec.command_model.for_essays(
        batch.batch_id,
        essays,
        batch.language,
        _metadata(batch, spec.initiate_command, spec.stage),
    )


def progress_snapshot(batch: Batch) -> BatchPipelineProgressUpdated:
    """A snapshot; copied because the handler may change the state again before commit."""
    return BatchPipelineProgressUpdated(
        batch_id=batch.batch_id,
        batch_status=batch.status,
        pipeline_state=batch.pipeline_state.model_copy(deep=True),
        teacher_id=batch.teacher_id,
        metadata=_metadata(
            batch, ProcessingEvent.BATCH_PIPELINE_PROGRESS_UPDATED, _current_stage(batch)
        ),
    )


def batch_completed(batch: Batch, results: Results) -> BatchLifecycleCompleted:
    """The batch reached its terminal status, with its essays counted over every pipeline."""
    return BatchLifecycleCompleted(
        batch_id=batch.batch_id,
        status=batch.status,
        essay_counts=final_counts(batch, results),
        failed_uploads=len(batch.failed_uploads),
        teacher_id=batch.teacher_id,
        metadata=_metadata(
            batch, ProcessingEvent.BATCH_LIFECYCLE_COMPLETED, ProcessingStage.COMPLETION
        ),
    )


def batch_deleted(batch: Batch) -> BatchDeleted:
    """To every service: forget this batch (rows and blobs); drop what still arrives for it."""
    return BatchDeleted(
        batch_id=batch.batch_id,
        teacher_id=batch.teacher_id,
        metadata=_metadata(batch, ProcessingEvent.BATCH_DELETED, ProcessingStage.COMPLETION),
    )


def _current_stage(batch: Batch) -> ProcessingStage:
    """The stage of the first phase still to end, or completion once every one has."""
    for name, detail in batch.pipeline_state.details():
        if not detail.status.is_terminal:
            return PIPELINES[name].stage
    return ProcessingStage.COMPLETION
