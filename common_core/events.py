"""Event payload models (the `data` of an EventEnvelope), one per ProcessingEvent.

Each payload knows its event (and so its topic) and its partition key, so publishers never
choose either by hand: the key column of docs/architecture.md's topic table lives here, next to
the contracts (tests/deployment/test_architecture_doc.py keeps the two equal).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Self

from pydantic import BaseModel, Field

from common_core.enums import (
    BatchStatus,
    ErrorCode,
    EssayStatus,
    Language,
    ProcessingEvent,
    ProcessingStage,
)
from common_core.metadata import EntityReference, StorageReferenceMetadata, SystemProcessingMetadata
from common_core.nlp import NlpMetrics
from common_core.pipeline import EssayCounts, ProcessingPipelineState


class EventData(BaseModel):
    """Base of every payload: subclasses set `event` and may override `partition_key`."""

    event: ClassVar[ProcessingEvent]

    batch_id: str = Field(description="The batch the event belongs to.")

    def partition_key(self) -> str:
        """Kafka key: batch_id keeps a batch's events in order on one partition."""
        return self.batch_id


class EssayProcessingInputRef(BaseModel):
    """An essay slot and the stored text it holds."""

    essay_id: str = Field(description="The slot (essay) id.")
    text_storage_id: str = Field(description="Content Service id of the essay's text.")


class FailedUpload(BaseModel):
    """A file that was rejected at upload and will never become an essay."""

    file_upload_id: str = Field(description="Id File Service gave the upload.")
    file_name: str = Field(description="The file's original name.")
    error_code: ErrorCode = Field(description="Why it was rejected.")
    message: str = Field(description="Human-readable reason.")


class BatchEssaysRegistered(EventData):
    """BOS -> ELS: a batch exists with these slots. Course context stays in BOS."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.BATCH_ESSAYS_REGISTERED

    expected_essay_count: int = Field(ge=1, description="How many essays the batch expects.")
    essay_ids: list[str] = Field(description="The batch's essay slots, one per expected essay.")
    teacher_id: str | None = Field(
        default=None,
        description="The teacher who registered the batch (BOS fills it; ELS keeps it per "
        "batch). Optional, so messages from before it existed still decode.",
    )
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")


class EssayContentReady(EventData):
    """File Service -> ELS: one uploaded file's text is stored and ready for a slot."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.ESSAY_CONTENT_READY

    file_upload_id: str = Field(description="Unique id of this upload; the idempotency key.")
    original_file_name: str = Field(description="The uploaded file's name.")
    content_storage_reference: StorageReferenceMetadata = Field(
        description="Where the extracted text is (ContentType.ORIGINAL_ESSAY)."
    )
    content_sha256: str = Field(description="SHA-256 hex of the extracted text (UTF-8).")
    student_name: str | None = Field(default=None, description="Parsed from a Name: line.")
    student_email: str | None = Field(default=None, description="Parsed e-mail address.")
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")


class EssayValidationFailed(EventData):
    """File Service -> ELS: a file was rejected, so the batch must not wait for it."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.ESSAY_VALIDATION_FAILED

    file_upload_id: str = Field(description="Unique id of this upload; the idempotency key.")
    original_file_name: str = Field(description="The uploaded file's name.")
    error_code: ErrorCode = Field(description="Why it was rejected.")
    message: str = Field(description="Human-readable reason.")
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")


class BatchEssaysReady(EventData):
    """ELS -> BOS: every expected essay is either assigned content or a failed upload."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.BATCH_ESSAYS_READY

    ready_essays: list[EssayProcessingInputRef] = Field(description="Slots with content.")
    failed_uploads: list[FailedUpload] = Field(
        default_factory=list, description="Uploads rejected by File Service."
    )
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")


class PhaseInitiateCommand(EventData):
    """Base of every pipeline's initiate command (BOS -> ELS), so BOS starts any phase alike.

    Each pipeline in common_core.pipeline_catalog names its command; the command says, in
    `for_essays`, how it is built from the essays the phase runs on.
    """

    @classmethod
    def for_essays(
        cls,
        batch_id: str,
        essays: Sequence[EssayProcessingInputRef],
        language: Language,
        metadata: SystemProcessingMetadata,
    ) -> Self:
        """The command that starts this phase for `essays` of the batch."""
        raise NotImplementedError(f"{cls.__name__} does not say how it is built")


class BatchServiceSpellcheckInitiateCommandDataV1(PhaseInitiateCommand):
    """BOS -> ELS: start spellchecking these essays in this language."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.BATCH_SPELLCHECK_INITIATE_COMMAND

    essays_to_process: list[EssayProcessingInputRef] = Field(description="Essays to check.")
    language: Language = Field(description="Language inferred from the batch's course code.")
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")

    @classmethod
    def for_essays(
        cls,
        batch_id: str,
        essays: Sequence[EssayProcessingInputRef],
        language: Language,
        metadata: SystemProcessingMetadata,
    ) -> Self:
        """The first phase: each essay with the stored text to check."""
        return cls(
            batch_id=batch_id, essays_to_process=list(essays), language=language, metadata=metadata
        )


class SpellcheckRequestedDataV1(EventData):
    """ELS -> Spell Checker: check one essay."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.ESSAY_SPELLCHECK_REQUESTED

    entity_ref: EntityReference = Field(description="The essay, with its batch as parent.")
    text_storage_id: str = Field(description="Content Service id of the text to check.")
    language: Language = Field(description="Language to check in.")
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")

    def partition_key(self) -> str:
        """Keyed by essay so a batch's essays spread over partitions and consumers."""
        return self.entity_ref.entity_id


class SpellcheckResultDataV1(EventData):
    """Spell Checker -> ELS: the outcome for one essay; a failure is a result too."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED

    entity_ref: EntityReference = Field(description="The essay, with its batch as parent.")
    status: EssayStatus = Field(description="spellchecked_success or spellcheck_failed.")
    original_text_storage_id: str = Field(description="The text that was checked.")
    storage_metadata: StorageReferenceMetadata | None = Field(
        default=None, description="Corrected text and corrections log, on success."
    )
    corrections_made: int | None = Field(default=None, ge=0, description="Corrections count.")
    language: Language = Field(description="Language the essay was checked in.")
    error: str | None = Field(default=None, description="What went wrong, on failure.")
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")


class BatchServiceNlpInitiateCommandDataV1(PhaseInitiateCommand):
    """BOS -> ELS: compute NLP metrics for these essays (the ones spellchecked successfully).

    Only ids: the corrected texts and their corrections counts are ELS's own records.
    """

    event: ClassVar[ProcessingEvent] = ProcessingEvent.BATCH_NLP_INITIATE_COMMAND

    essay_ids: list[str] = Field(description="Essays to analyse, each with a corrected text.")
    language: Language = Field(description="Language inferred from the batch's course code.")
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")

    @classmethod
    def for_essays(
        cls,
        batch_id: str,
        essays: Sequence[EssayProcessingInputRef],
        language: Language,
        metadata: SystemProcessingMetadata,
    ) -> Self:
        """Only the ids: ELS knows each essay's corrected text from its spellcheck result."""
        return cls(
            batch_id=batch_id,
            essay_ids=[essay.essay_id for essay in essays],
            language=language,
            metadata=metadata,
        )


class NlpRequestedDataV1(EventData):
    """ELS -> NLP Service: compute the metrics of one essay's spell-corrected text."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.ESSAY_NLP_REQUESTED

    entity_ref: EntityReference = Field(description="The essay, with its batch as parent.")
    corrected_text_storage_id: str = Field(
        description="Content Service id of the spell-corrected text (ContentType.CORRECTED_TEXT)."
    )
    spellcheck_corrections: int = Field(
        ge=0,
        description="Corrections spellcheck made (its corrections_made): the numerator "
        "of spelling_error_rate, so the worker never fetches the corrections log.",
    )
    language: Language = Field(description="Language of the essay.")
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")

    def partition_key(self) -> str:
        """Keyed by essay so a batch's essays spread over partitions and consumers."""
        return self.entity_ref.entity_id


class NlpResultDataV1(EventData):
    """NLP Service -> ELS: the metrics of one essay; a failure is a result too."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.ESSAY_NLP_RESULT_RECEIVED

    entity_ref: EntityReference = Field(description="The essay, with its batch as parent.")
    status: EssayStatus = Field(description="nlp_success or nlp_failed.")
    corrected_text_storage_id: str = Field(description="The text that was analysed.")
    storage_metadata: StorageReferenceMetadata | None = Field(
        default=None, description="The stored metrics JSON (ContentType.NLP_METRICS), on success."
    )
    metrics: NlpMetrics | None = Field(
        default=None, description="The same metrics as the stored JSON, on success."
    )
    language: Language = Field(description="Language the essay was analysed in.")
    error: str | None = Field(default=None, description="What went wrong, on failure.")
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")


class EssayLifecycleStateUpdated(EventData):
    """ELS -> BOS: an essay changed status."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED

    entity_ref: EntityReference = Field(description="The essay, with its batch as parent.")
    status: EssayStatus = Field(description="The essay's new status.")
    phase: ProcessingStage = Field(description="The pipeline phase the status belongs to.")
    teacher_id: str | None = Field(
        default=None,
        description="The batch's teacher (ELS fills it from its batch row); the gateway "
        "pushes the update to that teacher only. Optional: older messages still decode.",
    )
    metrics: dict[str, int | float | None] | None = Field(
        default=None,
        description="The numbers a successful result measured, which BOS summarises per class "
        "(nlp_metrics: the essay's NlpMetrics, by metric name); None on every other update.",
    )
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")


class BatchPipelineProgressUpdated(EventData):
    """BOS -> UI: a snapshot of the batch's pipeline state after every change."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.BATCH_PIPELINE_PROGRESS_UPDATED

    batch_status: BatchStatus = Field(description="The batch's status at the snapshot.")
    pipeline_state: ProcessingPipelineState = Field(description="The full pipeline state.")
    teacher_id: str | None = Field(
        default=None,
        description="The batch's teacher (BOS fills it); the gateway pushes the message to "
        "that teacher only. Optional: older messages still decode.",
    )
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")


class BatchLifecycleCompleted(EventData):
    """BOS -> UI: the batch reached a terminal status."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.BATCH_LIFECYCLE_COMPLETED

    status: BatchStatus = Field(description="completed, partially_completed or failed.")
    essay_counts: EssayCounts = Field(
        description="The batch's essays over all its pipelines: `successful` got through every "
        "one, `failed` failed one of them (pending and skipped are 0)."
    )
    failed_uploads: int = Field(default=0, ge=0, description="Files rejected at upload.")
    teacher_id: str | None = Field(
        default=None,
        description="The batch's teacher (BOS fills it); the gateway pushes the message to "
        "that teacher only. Optional: older messages still decode.",
    )
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")


class BatchDeleted(EventData):
    """BOS -> every service: the batch was deleted (by its teacher, or by retention). Each
    service forgets every row and blob of it and drops whatever still arrives for it."""

    event: ClassVar[ProcessingEvent] = ProcessingEvent.BATCH_DELETED

    teacher_id: str | None = Field(
        default=None,
        description="The teacher the batch belonged to, so the gateway can tell that teacher's "
        "open pages. Optional: older messages still decode.",
    )
    metadata: SystemProcessingMetadata = Field(description="Producer metadata.")


EVENT_MODELS: dict[ProcessingEvent, type[EventData]] = {
    model.event: model
    for model in (
        BatchEssaysRegistered,
        EssayContentReady,
        EssayValidationFailed,
        BatchEssaysReady,
        BatchServiceSpellcheckInitiateCommandDataV1,
        SpellcheckRequestedDataV1,
        SpellcheckResultDataV1,
        BatchServiceNlpInitiateCommandDataV1,
        NlpRequestedDataV1,
        NlpResultDataV1,
        EssayLifecycleStateUpdated,
        BatchPipelineProgressUpdated,
        BatchLifecycleCompleted,
        BatchDeleted,
    )
}
