"""Events and batches the handler tests start from (shared by the one-by-one and batch tests)."""

from __future__ import annotations

from common_core.enums import CourseCode, ErrorCode, EssayStatus, ProcessingStage
from common_core.events import (
    BatchEssaysReady,
    EssayLifecycleStateUpdated,
    EssayProcessingInputRef,
    FailedUpload,
)
from common_core.metadata import EntityReference, SystemProcessingMetadata
from services.batch_orchestrator_service.domain import Batch, BatchRegistration
from services.batch_orchestrator_service.handlers import register_batch
from services.batch_orchestrator_service.tests.unit.fakes import FakeUnitOfWork

CID = "corr-1"


def meta(batch_id: str) -> SystemProcessingMetadata:
    return SystemProcessingMetadata(entity=EntityReference(entity_id=batch_id, entity_type="batch"))


def ready_event(
    batch: Batch, essay_ids: list[str] | None = None, failed: int = 0
) -> BatchEssaysReady:
    ids = batch.essay_ids if essay_ids is None else essay_ids
    return BatchEssaysReady(
        batch_id=batch.batch_id,
        ready_essays=[EssayProcessingInputRef(essay_id=e, text_storage_id=f"t-{e}") for e in ids],
        failed_uploads=[
            FailedUpload(
                file_upload_id=f"u{i}",
                file_name=f"bad{i}.png",
                error_code=ErrorCode.UNSUPPORTED_FILE_TYPE,
                message="not a text document",
            )
            for i in range(failed)
        ],
        metadata=meta(batch.batch_id),
    )


_PHASES = {
    EssayStatus.AWAITING_NLP: ProcessingStage.NLP_METRICS,
    EssayStatus.NLP_SUCCESS: ProcessingStage.NLP_METRICS,
    EssayStatus.NLP_FAILED: ProcessingStage.NLP_METRICS,
}


def state_update(
    batch_id: str,
    essay_id: str,
    status: EssayStatus,
    metrics: dict[str, int | float | None] | None = None,
) -> EssayLifecycleStateUpdated:
    """The update ELS sends; its phase follows from the status, as ELS's does."""
    return EssayLifecycleStateUpdated(
        batch_id=batch_id,
        entity_ref=EntityReference(entity_id=essay_id, entity_type="essay", parent_id=batch_id),
        status=status,
        phase=_PHASES.get(status, ProcessingStage.SPELLCHECK),
        metrics=metrics,
        metadata=meta(batch_id),
    )


# The teacher every builder's batch belongs to.
TEACHER = "teacher-anna"


async def registered(
    uow: FakeUnitOfWork,
    course: CourseCode = CourseCode.SV2,
    n: int = 3,
    pipelines: tuple[str, ...] = ("spellcheck",),
    teacher_id: str = TEACHER,
) -> Batch:
    registration = BatchRegistration(
        course, "9A", "Skriv.", n, requested_pipelines=list(pipelines), teacher_id=teacher_id
    )
    return await register_batch(registration, CID, uow)
