"""ELS API answers as OpenAPI models (documentation only: views.py builds the JSON). Extra
keys are allowed so a phase's new fields never make the documented shape a lie."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class TimelineEntry(_Open):
    """One status the essay went through, and when (UTC, ISO 8601)."""

    status: str
    at: str


class StorageReferences(_Open):
    """Content Service ids of the essay's texts (read them through /text, /corrections)."""

    original_essay: str | None = None
    corrected_text: str | None = None
    spellcheck_log: str | None = None
    nlp_metrics: str | None = None


class SpellcheckSummary(_Open):
    """The spellcheck phase of one essay."""

    language: str
    corrections_made: int | None = None
    error: str | None = None


class EssayView(_Open):
    """One essay slot."""

    essay_id: str
    batch_id: str
    status: str
    file_upload_id: str | None = None
    original_file_name: str | None = None
    student_name: str | None = None
    student_email: str | None = None
    storage_references: StorageReferences
    timeline: list[TimelineEntry]
    spellcheck: SpellcheckSummary | None = None
    nlp: dict[str, Any] | None = None
    nlp_error: str | None = None


class FailedUpload(_Open):
    """A file that could not become an essay."""

    file_upload_id: str
    file_name: str
    error_code: str
    message: str


class ExtraUpload(_Open):
    """A file beyond the batch's slots, or a text the batch already had."""

    file_upload_id: str
    file_name: str
    received_at: str


class BatchEssaysView(_Open):
    """Every slot of a batch, and the uploads that took none."""

    batch_id: str
    expected_essay_count: int
    language: str | None = None
    ready: bool = Field(description="ELS told BOS every slot is filled or accounted for.")
    essays: list[EssayView]
    failed_uploads: list[FailedUpload]
    excess_uploads: list[ExtraUpload] = []
    duplicate_uploads: list[ExtraUpload] = []


class TextQuery(BaseModel):
    """Which text of the essay."""

    version: str = Field(default="original", description="original or corrected")
