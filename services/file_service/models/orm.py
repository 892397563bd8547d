"""SQL tables of File Service: what it must remember so a retried upload has no second effect.

No table holds essay text, student names or e-mail addresses: texts and files are known by
SHA-256 only. `upload_requests.response` (the first 202 body, with file names) lives for 24
hours at most. Both tables' rows of a batch are deleted on BatchDeleted, which leaves only the
batch's id in `deleted_batches` (see docs/uploads.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Index, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Metadata of File Service's tables."""


class UploadRequestRow(Base):
    """One `Idempotency-Key` of one teacher for one batch: the first request's answer once it
    is complete, or the lease of the request working on it now.

    The primary key makes two requests with the same key (on any File Service instance) race
    for one row; the loser waits for the winner's answer.
    """

    __tablename__ = "upload_requests"
    __table_args__ = (
        Index("ix_upload_requests_expires_at", "expires_at"),
        Index("ix_upload_requests_batch_id", "batch_id"),
    )

    teacher_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    # in_progress: `lease_token` holds it until `lease_expires_at` (renewed while it works);
    # completed: `response` is the answer every later request with this key gets.
    state: Mapped[str] = mapped_column(String(16))
    # BOS said the batch takes uploads and work (storing, publishing) may have begun: a
    # request resuming after a crash must finish it whatever the batch's state now.
    admitted: Mapped[bool] = mapped_column(Boolean, default=False)
    lease_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    response: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BatchFileRow(Base):
    """A file already answered for in a batch, by fingerprint, with the id its event carries.

    Accepted files are known by their text (`text:<sha256>`), rejected ones by name and bytes
    (`file:<sha256>`). The primary key gives one `file_upload_id` per fingerprint whatever
    the number of requests or instances; `published_at` stays empty until Kafka acknowledged
    the event, so a retry after a crash publishes it again under the same id (ELS keeps the
    first copy) instead of calling it a duplicate.
    """

    __tablename__ = "batch_files"
    __table_args__ = (UniqueConstraint("file_upload_id", name="uq_batch_files_file_upload_id"),)

    batch_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(72), primary_key=True)
    file_upload_id: Mapped[str] = mapped_column(String(32))
    # sha256 of the teacher and Idempotency-Key of the request that first sent it, if any: a
    # retry of that same request is answered as the first answer would have been.
    first_request: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DeletedBatchRow(Base):
    """A batch deleted by its teacher (or retention): its records are gone, and a file still
    arriving for it is refused rather than recorded again. Only the id is kept."""

    __tablename__ = "deleted_batches"

    batch_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
