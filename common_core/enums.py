"""Enumerations used across the fleet. All are `StrEnum`, so they serialise as their values."""

from __future__ import annotations

from enum import StrEnum


class ProcessingEvent(StrEnum):
    """Every event that crosses a service boundary; each maps to exactly one Kafka topic."""

    BATCH_ESSAYS_REGISTERED = "batch.essays.registered"
    ESSAY_CONTENT_READY = "essay.content.ready"
    ESSAY_VALIDATION_FAILED = "essay.validation.failed"
    BATCH_ESSAYS_READY = "batch.essays.ready"
    BATCH_SPELLCHECK_INITIATE_COMMAND = "batch.spellcheck.initiate.command"
    ESSAY_SPELLCHECK_REQUESTED = "essay.spellcheck.requested"
    ESSAY_SPELLCHECK_RESULT_RECEIVED = "essay.spellcheck.result.received"
    BATCH_NLP_INITIATE_COMMAND = "batch.nlp.initiate.command"
    ESSAY_NLP_REQUESTED = "essay.nlp.requested"
    ESSAY_NLP_RESULT_RECEIVED = "essay.nlp.result.received"
    ESSAY_LIFECYCLE_STATE_UPDATED = "essay.lifecycle.state.updated"
    BATCH_PIPELINE_PROGRESS_UPDATED = "batch.pipeline.progress.updated"
    BATCH_LIFECYCLE_COMPLETED = "batch.lifecycle.completed"
    BATCH_DELETED = "batch.deleted"


class EssayStatus(StrEnum):
    """Per-essay lifecycle status owned by the Essay Lifecycle Service."""

    READY_FOR_PROCESSING = "ready_for_processing"
    AWAITING_SPELLCHECK = "awaiting_spellcheck"
    SPELLCHECKED_SUCCESS = "spellchecked_success"
    SPELLCHECK_FAILED = "spellcheck_failed"
    AWAITING_NLP = "awaiting_nlp"
    NLP_SUCCESS = "nlp_success"
    NLP_FAILED = "nlp_failed"

    @property
    def is_terminal(self) -> bool:
        """True for a spellcheck result (success or failure): the essay's phase is over.

        Only results move a batch's counts; the statuses before one are progress. The NLP
        statuses are not counted here until BOS and ELS handle the NLP phase.
        """
        return self in _TERMINAL_ESSAY_STATUSES


_TERMINAL_ESSAY_STATUSES = frozenset(
    {
        EssayStatus.SPELLCHECKED_SUCCESS,
        EssayStatus.SPELLCHECK_FAILED,
        EssayStatus.NLP_SUCCESS,
        EssayStatus.NLP_FAILED,
    }
)


class BatchStatus(StrEnum):
    """Batch lifecycle status owned by the Batch Orchestrator Service."""

    AWAITING_CONTENT = "awaiting_content"
    READY_FOR_PROCESSING = "ready_for_processing"
    PROCESSING = "processing"
    COMPLETED = "completed"
    PARTIALLY_COMPLETED = "partially_completed"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        """True once the batch can no longer change."""
        return self in _TERMINAL_BATCH_STATUSES


_TERMINAL_BATCH_STATUSES = frozenset(
    {BatchStatus.COMPLETED, BatchStatus.PARTIALLY_COMPLETED, BatchStatus.FAILED}
)


class PipelineExecutionStatus(StrEnum):
    """Status of one pipeline (e.g. spellcheck) inside a batch's ProcessingPipelineState.

    A pipeline's outcome is judged on the essays it ran on: `completed` (every one succeeded),
    `completed_with_failures` (some did), `failed` (none did), `skipped` (it ran on none,
    because its prerequisite failed for every essay).
    """

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    COMPLETED_WITH_FAILURES = "completed_with_failures"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def is_terminal(self) -> bool:
        """True once the pipeline can no longer change (for this run of the batch)."""
        return self not in (PipelineExecutionStatus.PENDING, PipelineExecutionStatus.IN_PROGRESS)


class ProcessingStage(StrEnum):
    """Coarse processing phase, carried in metadata and lifecycle updates."""

    REGISTRATION = "registration"
    CONTENT_INGESTION = "content_ingestion"
    SPELLCHECK = "spellcheck"
    NLP_METRICS = "nlp_metrics"
    COMPLETION = "completion"


class ContentType(StrEnum):
    """Kinds of blobs kept in Content Service, used as keys of storage references."""

    ORIGINAL_ESSAY = "original_essay"
    CORRECTED_TEXT = "corrected_text"
    SPELLCHECK_LOG = "spellcheck_log"
    NLP_METRICS = "nlp_metrics"


class ErrorCode(StrEnum):
    """Machine-readable error codes used in events and REST error bodies."""

    EMPTY_CONTENT = "empty_content"
    UNSUPPORTED_FILE_TYPE = "unsupported_file_type"
    UNREADABLE_DOCUMENT = "unreadable_document"
    DUPLICATE_CONTENT = "duplicate_content"
    FILE_TOO_LARGE = "file_too_large"
    CONTENT_SERVICE_ERROR = "content_service_error"
    SPELLCHECK_ERROR = "spellcheck_error"
    VALIDATION_ERROR = "validation_error"


class Language(StrEnum):
    """Languages the spell checker can correct."""

    ENGLISH = "en"
    SWEDISH = "sv"


class CourseCode(StrEnum):
    """Course codes BOS accepts; each implies the language essays are checked in."""

    ENG5 = "ENG5"
    ENG6 = "ENG6"
    ENG7 = "ENG7"
    SV1 = "SV1"
    SV2 = "SV2"
    SV3 = "SV3"

    @property
    def language(self) -> Language:
        """The language essays of this course are written in."""
        return COURSE_LANGUAGES[self]


COURSE_LANGUAGES: dict[CourseCode, Language] = {
    CourseCode.ENG5: Language.ENGLISH,
    CourseCode.ENG6: Language.ENGLISH,
    CourseCode.ENG7: Language.ENGLISH,
    CourseCode.SV1: Language.SWEDISH,
    CourseCode.SV2: Language.SWEDISH,
    CourseCode.SV3: Language.SWEDISH,
}


def language_for_course(course_code: str) -> Language:
    """Return the language of a course code; raises ValueError naming the known codes."""
    try:
        return CourseCode(course_code).language
    except ValueError:
        known = ", ".join(code.value for code in CourseCode)
        raise ValueError(f"unknown course code {course_code!r}; known codes: {known}") from None
