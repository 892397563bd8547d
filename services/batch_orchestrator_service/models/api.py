"""Request and response bodies of BOS's REST API (local to BOS; validated by quart-schema)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from common_core.enums import BatchStatus, CourseCode, Language, language_for_course
from common_core.pipeline import ProcessingPipelineState
from services.batch_orchestrator_service.domain import (
    DEFAULT_PIPELINES,
    BatchRegistration,
    resolved_pipelines,
)

MAX_ESSAYS = 500
MAX_INSTRUCTIONS_CHARS = 10_000
MAX_CLASS_DESIGNATION_CHARS = 100
MAX_ESSAY_ID_CHARS = 128

# Essay ids end up in URLs (ELS API) and Kafka keys, so keep them to URL-safe characters.
EssayId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=MAX_ESSAY_ID_CHARS,
        pattern=r"^[A-Za-z0-9._:-]+$",
    ),
]


def _known_pipeline(name: str) -> str:
    resolved_pipelines([name])  # UnknownPipelineError, a ValueError naming the known ones
    return name


# A pipeline name; the catalog (common_core.pipeline_catalog) decides which exist.
PipelineName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_known_pipeline)
]


# Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069): they make a label read
# differently from what it is (issue 15, defect 7), so no free text of a batch may hold them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _label_characters(value: str) -> str:
    """A one-line label (class designation): no control or format characters at all."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in value):
        raise ValueError("must not contain control, format or private-use characters")
    return value


def _text_characters(value: str) -> str:
    """Free text (instructions): line breaks and tabs allowed; other control characters and
    bidirectional overrides not."""
    for ch in value:
        if ch in _BIDI_CONTROLS or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r"):
            raise ValueError("must not contain control characters other than tab and newline")
    return value


def _default_pipelines() -> list[str]:
    return list(DEFAULT_PIPELINES)


def _no_repeats(names: list[str]) -> list[str]:
    if len(set(names)) != len(names):
        raise ValueError("must not repeat a pipeline")
    return names


class RegisterBatchRequest(BaseModel):
    """Body of POST /v1/batches/register: the teacher's batch and its course context."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    course_code: CourseCode = Field(
        description="ENG5, ENG6, ENG7 (English) or SV1, SV2, SV3 (Swedish); case-insensitive."
    )
    class_designation: Annotated[str, AfterValidator(_label_characters)] = Field(
        min_length=1,
        max_length=MAX_CLASS_DESIGNATION_CHARS,
        description="The class, e.g. 9A (no control or format characters).",
    )
    essay_instructions: Annotated[str, AfterValidator(_text_characters)] = Field(
        min_length=1,
        max_length=MAX_INSTRUCTIONS_CHARS,
        description="The assignment text (no control characters but tab and newline).",
    )
    expected_essay_count: int = Field(
        strict=True, ge=1, le=MAX_ESSAYS, description="How many essays will be uploaded."
    )
    essay_ids: list[EssayId] | None = Field(
        default=None,
        description="Optional slot ids, exactly expected_essay_count unique ones; "
        "BOS generates them when omitted.",
    )
    requested_pipelines: list[PipelineName] = Field(
        default_factory=_default_pipelines,
        min_length=1,
        description='Pipelines to run: "spellcheck", "nlp_metrics" (runs spellcheck first); '
        "dependencies are added.",
    )

    @field_validator("course_code", mode="before")
    @classmethod
    def _known_course(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # pydantic reports the type error
        code = value.strip().upper()
        language_for_course(code)  # raises ValueError naming the known codes
        return code

    @field_validator("requested_pipelines")
    @classmethod
    def _known_requested(cls, value: list[str]) -> list[str]:
        return _no_repeats(value)

    @model_validator(mode="after")
    def _consistent_lists(self) -> RegisterBatchRequest:
        if self.essay_ids is not None:
            if len(self.essay_ids) != self.expected_essay_count:
                raise ValueError(
                    f"essay_ids has {len(self.essay_ids)} ids but expected_essay_count is "
                    f"{self.expected_essay_count}"
                )
            if len(set(self.essay_ids)) != len(self.essay_ids):
                raise ValueError("essay_ids must be unique")
        return self

    def to_registration(self, teacher_id: str) -> BatchRegistration:
        """The domain's view of the request, made by the authenticated `teacher_id`."""
        return BatchRegistration(
            course_code=self.course_code,
            class_designation=self.class_designation,
            essay_instructions=self.essay_instructions,
            expected_essay_count=self.expected_essay_count,
            essay_ids=list(self.essay_ids) if self.essay_ids is not None else None,
            requested_pipelines=resolved_pipelines(self.requested_pipelines),
            teacher_id=teacher_id,
        )


class RegisterBatchResponse(BaseModel):
    """202 answer to a registration: the batch is stored; its event follows within moments."""

    batch_id: str = Field(description="The new batch's id.")
    correlation_id: str = Field(description="Traces this registration through the fleet.")
    essay_ids: list[str] = Field(description="The batch's essay slots.")
    status_url: str = Field(description="Where to poll the batch: /v1/batches/{batch_id}.")


class MetricSummary(BaseModel):
    """One metric over the essays of a class that have it."""

    mean: float = Field(description="Arithmetic mean.")
    median: float = Field(description="Median.")
    min: float = Field(description="Smallest value.")
    max: float = Field(description="Largest value.")


class BatchStatusResponse(BaseModel):
    """GET /v1/batches/{batch_id}: the batch's context, status and pipeline state."""

    batch_id: str = Field(description="The batch's id.")
    status: BatchStatus = Field(description="Where the batch is in its lifecycle.")
    course_code: CourseCode = Field(description="The course the essays belong to.")
    class_designation: str = Field(description="The class.")
    essay_instructions: str = Field(description="The assignment text.")
    language: Language = Field(description="Language inferred from the course code.")
    expected_essay_count: int = Field(description="How many essays were expected.")
    essay_ids: list[str] = Field(description="The batch's essay slots.")
    created_at: datetime = Field(description="When the batch was registered (UTC).")
    updated_at: datetime = Field(description="When the batch last changed (UTC).")
    pipeline_state: ProcessingPipelineState = Field(description="Pipeline statuses and counts.")
    class_summary: dict[str, MetricSummary] | None = Field(
        default=None,
        description="Per metric over the class, once a pipeline that measures metrics "
        "(nlp_metrics) has finished; null before.",
    )


class BatchSummary(BaseModel):
    """One batch in a teacher's list (GET /v1/batches)."""

    batch_id: str = Field(description="The batch's id.")
    status: BatchStatus = Field(description="Where the batch is in its lifecycle.")
    course_code: CourseCode = Field(description="The course the essays belong to.")
    class_designation: str = Field(description="The class.")
    expected_essay_count: int = Field(description="How many essays were expected.")
    requested_pipelines: list[str] = Field(description="Every pipeline the batch runs.")
    created_at: datetime = Field(description="When the batch was registered (UTC).")
    updated_at: datetime = Field(description="When the batch last changed (UTC).")


class BatchListResponse(BaseModel):
    """GET /v1/batches: the caller's own batches, newest first."""

    batches: list[BatchSummary] = Field(description="At most `limit` batches.")


class BatchListQuery(BaseModel):
    """Query of GET /v1/batches."""

    limit: int = Field(default=100, ge=1, le=500, description="Most batches to return.")


class DeleteBatchResponse(BaseModel):
    """202 answer to DELETE /v1/batches/{batch_id}: BOS has forgotten it; the other services
    forget their part within seconds."""

    batch_id: str = Field(description="The deleted batch.")
    correlation_id: str = Field(description="Traces the deletion through the fleet.")


class RequestPipelinesRequest(BaseModel):
    """Body of POST /v1/batches/{batch_id}/pipelines: more pipelines for a finished batch."""

    model_config = ConfigDict(extra="forbid")

    pipelines: list[PipelineName] = Field(
        min_length=1, description="Pipelines to run now; dependencies not yet run are added."
    )

    @field_validator("pipelines")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return _no_repeats(value)


class RequestPipelinesResponse(BaseModel):
    """202 answer: the pipelines are added and the first of them started."""

    batch_id: str = Field(description="The batch.")
    correlation_id: str = Field(description="Traces this request through the fleet.")
    requested_pipelines: list[str] = Field(
        description="Every pipeline the batch now runs, in the order they run."
    )
    status_url: str = Field(description="Where to poll the batch: /v1/batches/{batch_id}.")
