"""Small event builders shared by the plumbing and gateway tests."""

from __future__ import annotations

from common_core.enums import BatchStatus, EssayStatus, PipelineExecutionStatus, ProcessingStage
from common_core.events import (
    BatchEssaysRegistered,
    BatchLifecycleCompleted,
    BatchPipelineProgressUpdated,
    EssayLifecycleStateUpdated,
)
from common_core.metadata import EntityReference, SystemProcessingMetadata
from common_core.pipeline import EssayCounts, PipelineStateDetail, ProcessingPipelineState


def registered(batch_id: str) -> BatchEssaysRegistered:
    """A one-essay BatchEssaysRegistered for `batch_id`."""
    return BatchEssaysRegistered(
        batch_id=batch_id,
        expected_essay_count=1,
        essay_ids=["e1"],
        metadata=SystemProcessingMetadata(
            entity=EntityReference(entity_id=batch_id, entity_type="batch")
        ),
    )


def _batch_meta(batch_id: str) -> SystemProcessingMetadata:
    return SystemProcessingMetadata(entity=EntityReference.batch(batch_id))


def progress(
    batch_id: str, teacher_id: str | None, status: BatchStatus = BatchStatus.PROCESSING
) -> BatchPipelineProgressUpdated:
    """A BatchPipelineProgressUpdated with one of two essays spellchecked."""
    return BatchPipelineProgressUpdated(
        batch_id=batch_id,
        batch_status=status,
        pipeline_state=ProcessingPipelineState(
            spellcheck=PipelineStateDetail(
                status=PipelineExecutionStatus.IN_PROGRESS,
                essay_counts=EssayCounts(total=2, successful=1, pending=1),
            )
        ),
        teacher_id=teacher_id,
        metadata=_batch_meta(batch_id),
    )


def essay_state(batch_id: str, essay_id: str, teacher_id: str | None) -> EssayLifecycleStateUpdated:
    """An EssayLifecycleStateUpdated: the essay was spellchecked."""
    return EssayLifecycleStateUpdated(
        batch_id=batch_id,
        entity_ref=EntityReference.essay(essay_id, batch_id),
        status=EssayStatus.SPELLCHECKED_SUCCESS,
        phase=ProcessingStage.SPELLCHECK,
        teacher_id=teacher_id,
        metadata=_batch_meta(batch_id),
    )


def completed(batch_id: str, teacher_id: str | None) -> BatchLifecycleCompleted:
    """A BatchLifecycleCompleted: the batch completed with two essays."""
    return BatchLifecycleCompleted(
        batch_id=batch_id,
        status=BatchStatus.COMPLETED,
        essay_counts=EssayCounts(total=2, successful=2),
        teacher_id=teacher_id,
        metadata=_batch_meta(batch_id),
    )
