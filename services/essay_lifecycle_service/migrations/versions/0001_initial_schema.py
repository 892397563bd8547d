"""ELS's schema as it was when migrations began: batches, slots, uploads, timeline, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("batch_id", sa.String(length=255), nullable=False),
        sa.Column("expected_essay_count", sa.Integer(), nullable=False),
        sa.Column("essay_ids", sa.JSON(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    op.create_table(
        "uploads",
        sa.Column("file_upload_id", sa.String(length=255), nullable=False),
        sa.Column("batch_id", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("correlation_id", sa.String(length=255), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("file_upload_id"),
    )
    op.create_index("ix_uploads_batch_kind", "uploads", ["batch_id", "kind", "received_at"])
    op.create_table(
        "essays",
        sa.Column("essay_id", sa.String(length=255), nullable=False),
        sa.Column("batch_id", sa.String(length=255), nullable=False),
        sa.Column("slot_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("file_upload_id", sa.String(length=255), nullable=True),
        sa.Column("original_file_name", sa.Text(), nullable=True),
        sa.Column("student_name", sa.Text(), nullable=True),
        sa.Column("student_email", sa.Text(), nullable=True),
        sa.Column("text_storage_id", sa.String(length=64), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("corrected_text_storage_id", sa.String(length=64), nullable=True),
        sa.Column("spellcheck_log_storage_id", sa.String(length=64), nullable=True),
        sa.Column("corrections_made", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.batch_id"]),
        sa.PrimaryKeyConstraint("essay_id"),
        sa.UniqueConstraint("batch_id", "slot_index", name="uq_essays_batch_slot"),
        # One upload can never sit in two slots.
        sa.UniqueConstraint("file_upload_id"),
    )
    op.create_index("ix_essays_batch_free", "essays", ["batch_id", "file_upload_id"])
    op.create_table(
        "essay_timeline",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("essay_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["essay_id"], ["essays.essay_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_essay_timeline_essay", "essay_timeline", ["essay_id", "id"])
    op.create_table(
        "event_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_event_outbox_pending", "event_outbox", ["published_at", "id"])


def downgrade() -> None:
    for table in ("event_outbox", "essay_timeline", "essays", "uploads", "batches"):
        op.drop_table(table)  # their indexes go with them
