"""ProcessingPipelineState: BOS's view of a batch's pipelines, published on every change."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from common_core.enums import PipelineExecutionStatus


class EssayCounts(BaseModel):
    """Essay counts of one pipeline; `pending` is what has no result yet."""

    total: int = Field(default=0, ge=0, description="Essays the pipeline runs on.")
    successful: int = Field(default=0, ge=0, description="Essays with a successful result.")
    failed: int = Field(default=0, ge=0, description="Essays with a failed result.")
    pending: int = Field(default=0, ge=0, description="Essays still waiting for a result.")


class PipelineStateDetail(BaseModel):
    """State of one pipeline (e.g. spellcheck) for a batch."""

    status: PipelineExecutionStatus = Field(
        default=PipelineExecutionStatus.PENDING, description="Where the pipeline is."
    )
    essay_counts: EssayCounts = Field(
        default_factory=EssayCounts, description="Per-essay progress."
    )
    started_at: datetime | None = Field(default=None, description="When it started (UTC).")
    completed_at: datetime | None = Field(default=None, description="When it ended (UTC).")


class ProcessingPipelineState(BaseModel):
    """All pipelines of a batch; today only spellcheck runs."""

    requested_pipelines: list[str] = Field(
        default_factory=lambda: ["spellcheck"], description="Pipelines the teacher asked for."
    )
    spellcheck: PipelineStateDetail = Field(
        default_factory=PipelineStateDetail, description="The spellcheck pipeline."
    )
