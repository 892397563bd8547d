"""SQL tables of BOS: `batches` (owner, context, pipeline state), `batch_essays`,
`essay_phase_results`, and `deleted_batches` (what was deleted, so late events are dropped)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Metadata of BOS's own tables (the outbox has its own, in common_core.outbox)."""


class BatchRow(Base):
    """One registered batch with its course context and its pipeline state."""

    __tablename__ = "batches"
    # A teacher's list, newest first; retention's sweep by age.
    __table_args__ = (
        Index("ix_batches_teacher_created", "teacher_id", "created_at"),
        Index("ix_batches_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    course_code: Mapped[str] = mapped_column(String(8))
    class_designation: Mapped[str] = mapped_column(String(100))
    essay_instructions: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    expected_essay_count: Mapped[int] = mapped_column(Integer)
    essay_ids: Mapped[list[str]] = mapped_column(JSON)
    requested_pipelines: Mapped[list[str]] = mapped_column(JSON)
    pipeline_state: Mapped[dict[str, Any]] = mapped_column(JSON)
    failed_uploads: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # The essays with content ({essay_id, text_storage_id}): the first phase runs on them.
    ready_essays: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # {metric: {mean, median, min, max}} once a phase whose results carry metrics has ended.
    class_summary: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The owning teacher (identity's teacher_id); NULL for batches from before ownership.
    teacher_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PhaseResultRow(Base):
    """An essay's result in one pipeline; counts are derived from these rows, never incremented."""

    __tablename__ = "essay_phase_results"

    batch_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    pipeline: Mapped[str] = mapped_column(String(32), primary_key=True)
    essay_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    # What a successful result measured (EssayLifecycleStateUpdated.metrics), for the summary.
    metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BatchEssayRow(Base):
    """Which batch an essay id belongs to; the primary key keeps essay ids unique fleet-wide.

    ELS and its API address essays by id alone, so a teacher-supplied id already used by
    another batch must be refused at registration, not discovered later as a stuck batch.
    """

    __tablename__ = "batch_essays"

    essay_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    batch_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("batches.id", ondelete="CASCADE"), index=True
    )


class DeletedBatchRow(Base):
    """A batch that was deleted (by its teacher or by retention). Only its id and when: events
    still in flight for it are recognised and dropped instead of dead-lettered."""

    __tablename__ = "deleted_batches"

    batch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
