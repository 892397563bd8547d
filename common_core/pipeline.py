"""ProcessingPipelineState: BOS's view of a batch's pipelines, published on every change.

As JSON it is `{requested_pipelines: [...], <pipeline>: {status, essay_counts, started_at,
completed_at}, ...}`: one entry per requested pipeline, named as in common_core.pipeline_catalog.
The entries are the model's (typed) extra fields, so a new pipeline needs no new field here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from common_core.enums import PipelineExecutionStatus

# Before pipelines had `completed_with_failures` the same outcome was called this; stored
# states and old snapshots still say it, and still decode.
_LEGACY_STATUSES = {"partially_completed": PipelineExecutionStatus.COMPLETED_WITH_FAILURES}


class EssayCounts(BaseModel):
    """Essay counts of one pipeline: total = successful + failed + pending + skipped."""

    total: int = Field(default=0, ge=0, description="Essays of the batch with content.")
    successful: int = Field(default=0, ge=0, description="Essays with a successful result.")
    failed: int = Field(default=0, ge=0, description="Essays with a failed result.")
    pending: int = Field(
        default=0, ge=0, description="Essays still waiting for a result (or for the start)."
    )
    skipped: int = Field(
        default=0,
        ge=0,
        description="Essays not run because they failed (or skipped) a prerequisite pipeline.",
    )


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

    @field_validator("status", mode="before")
    @classmethod
    def _legacy_status(cls, value: Any) -> Any:
        return _LEGACY_STATUSES.get(value, value) if isinstance(value, str) else value


class ProcessingPipelineState(BaseModel):
    """Every requested pipeline of a batch, in the order they run, each with its detail."""

    model_config = ConfigDict(extra="allow")

    requested_pipelines: list[str] = Field(
        default_factory=lambda: ["spellcheck"],
        description="The pipelines the batch runs, dependencies included, in dependency order "
        "(the registration's default when absent).",
    )
    # The entries, keyed by pipeline name; pydantic validates each extra field as a detail.
    __pydantic_extra__: dict[str, PipelineStateDetail] = Field(init=False)

    @model_validator(mode="after")
    def _one_entry_per_pipeline(self) -> ProcessingPipelineState:
        for name in self.requested_pipelines:
            self.__pydantic_extra__.setdefault(name, PipelineStateDetail())
        return self

    @classmethod
    def pending(cls, pipelines: list[str], total: int) -> ProcessingPipelineState:
        """A state where every pipeline waits for all `total` essays."""
        counts = EssayCounts(total=total, pending=total)
        return cls.model_validate(
            {
                "requested_pipelines": list(pipelines),
                **{name: PipelineStateDetail(essay_counts=counts) for name in pipelines},
            }
        )

    def detail(self, pipeline: str) -> PipelineStateDetail:
        """The entry of one requested pipeline.

        Raises:
            KeyError: the batch did not request that pipeline.
        """
        return self.__pydantic_extra__[pipeline]

    def set_detail(self, pipeline: str, detail: PipelineStateDetail) -> None:
        """Replace one pipeline's entry (adding it to requested_pipelines if new)."""
        if pipeline not in self.requested_pipelines:
            self.requested_pipelines.append(pipeline)
        self.__pydantic_extra__[pipeline] = detail

    def details(self) -> list[tuple[str, PipelineStateDetail]]:
        """(name, entry) of every requested pipeline, in the order they run."""
        return [(name, self.__pydantic_extra__[name]) for name in self.requested_pipelines]
