"""BOS's schema as it was when migrations began: batches, their essay ids and results, outbox.

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
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("course_code", sa.String(length=8), nullable=False),
        sa.Column("class_designation", sa.String(length=100), nullable=False),
        sa.Column("essay_instructions", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("expected_essay_count", sa.Integer(), nullable=False),
        sa.Column("essay_ids", sa.JSON(), nullable=False),
        sa.Column("requested_pipelines", sa.JSON(), nullable=False),
        sa.Column("pipeline_state", sa.JSON(), nullable=False),
        sa.Column("failed_uploads", sa.JSON(), nullable=False),
        sa.Column("ready_essays", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_batches_status", "batches", ["status"])
    op.create_table(
        "batch_essays",
        sa.Column("essay_id", sa.String(length=128), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("essay_id"),
    )
    op.create_index("ix_batch_essays_batch_id", "batch_essays", ["batch_id"])
    op.create_table(
        "essay_results",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("essay_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("batch_id", "essay_id"),
    )
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
    for table in ("event_outbox", "essay_results", "batch_essays", "batches"):
        op.drop_table(table)  # their indexes go with them
