"""ELS tables. The constraints here are what make slot assignment safe, not Python checks:

- `uploads.file_upload_id` is the primary key, so a redelivered upload event inserts nothing;
- `essays.file_upload_id` is UNIQUE, so one upload can never sit in two slots;
- a slot is claimed with `UPDATE ... WHERE file_upload_id IS NULL`, so two uploads never share one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common_core.migrations import upgrade_to_head
from services.essay_lifecycle_service.domain import Essay

# ELS's Alembic environment; its head creates exactly the tables below.
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


class Base(DeclarativeBase):
    """Metadata of ELS's own tables (the outbox has its own, from common_core)."""


class BatchRow(Base):
    """A registered batch."""

    __tablename__ = "batches"

    batch_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    expected_essay_count: Mapped[int] = mapped_column(Integer)
    essay_ids: Mapped[list[str]] = mapped_column(JSON)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ready_published_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    # The owning teacher (revision 0003): the API answers this teacher only.
    teacher_id: Mapped[str | None] = mapped_column(String(64), default=None)


class DeletedBatchRow(Base):
    """A batch that was deleted (BatchDeleted): only its id and when. Events still in flight
    for it are recognised and dropped, so nothing of it is kept again."""

    __tablename__ = "deleted_batches"

    batch_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EssayRow(Base):
    """One slot of a batch and the essay in it."""

    __tablename__ = "essays"
    __table_args__ = (
        UniqueConstraint("batch_id", "slot_index", name="uq_essays_batch_slot"),
        Index("ix_essays_batch_free", "batch_id", "file_upload_id"),
    )

    essay_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.batch_id"))
    slot_index: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(64))
    file_upload_id: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)
    original_file_name: Mapped[str | None] = mapped_column(Text, default=None)
    student_name: Mapped[str | None] = mapped_column(Text, default=None)
    student_email: Mapped[str | None] = mapped_column(Text, default=None)
    text_storage_id: Mapped[str | None] = mapped_column(String(64), default=None)
    content_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    corrected_text_storage_id: Mapped[str | None] = mapped_column(String(64), default=None)
    spellcheck_log_storage_id: Mapped[str | None] = mapped_column(String(64), default=None)
    corrections_made: Mapped[int | None] = mapped_column(Integer, default=None)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    # The NLP phase (revision 0002): the stored metrics JSON, the metrics themselves for the
    # essay view (a dozen numbers, so the API needs no Content Service call), or the error.
    nlp_metrics_storage_id: Mapped[str | None] = mapped_column(String(64), default=None)
    nlp_metrics: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), default=None
    )
    nlp_error: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class UploadRow(Base):
    """Every upload event ELS ever accepted, and what became of it."""

    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_batch_kind", "batch_id", "kind", "received_at"),)

    file_upload_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    message: Mapped[str | None] = mapped_column(Text, default=None)
    # The upload as reported, so a pending upload can be placed later exactly as it came.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    correlation_id: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TimelineRow(Base):
    """One status change of one essay."""

    __tablename__ = "essay_timeline"
    __table_args__ = (Index("ix_essay_timeline_essay", "essay_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    essay_id: Mapped[str] = mapped_column(ForeignKey("essays.essay_id"))
    status: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def essay_from_row(row: Any) -> Essay:
    """The domain record of an essay row: an EssayRow, or a Core row of the essays table (the
    hot paths read those; the column names are the attribute names)."""
    return Essay(
        essay_id=row.essay_id,
        batch_id=row.batch_id,
        slot_index=row.slot_index,
        status=row.status,
        file_upload_id=row.file_upload_id,
        original_file_name=row.original_file_name,
        student_name=row.student_name,
        student_email=row.student_email,
        text_storage_id=row.text_storage_id,
        content_sha256=row.content_sha256,
        corrected_text_storage_id=row.corrected_text_storage_id,
        spellcheck_log_storage_id=row.spellcheck_log_storage_id,
        corrections_made=row.corrections_made,
        language=row.language,
        error=row.error,
        nlp_metrics_storage_id=row.nlp_metrics_storage_id,
        nlp_metrics=row.nlp_metrics,
        nlp_error=row.nlp_error,
    )


async def migrate_schema(engine: AsyncEngine) -> None:
    """Bring ELS's database to its newest migration (tables and outbox).

    Both the API and the worker call this at start; the migration lock makes the second a
    no-op, so either may start first on a fresh database.
    """
    await upgrade_to_head(engine.url, MIGRATIONS)
