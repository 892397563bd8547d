"""Pipelines with phases: results per (batch, pipeline, essay) with their metrics, and the
batch's class summary.

`essay_results` (one result per essay, spellcheck only) becomes `essay_phase_results`; its rows
move over as spellcheck results. A new table rather than a changed primary key, so the same
statements work on SQLite and PostgreSQL. Stored pipeline states need no rewrite: the old
`partially_completed` pipeline status still decodes (as `completed_with_failures`) and a
missing `skipped` count is 0.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "essay_phase_results",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("pipeline", sa.String(length=32), nullable=False),
        sa.Column("essay_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("batch_id", "pipeline", "essay_id"),
    )
    op.execute(
        "INSERT INTO essay_phase_results (batch_id, pipeline, essay_id, status, recorded_at) "
        "SELECT batch_id, 'spellcheck', essay_id, status, recorded_at FROM essay_results"
    )
    op.drop_table("essay_results")
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("class_summary", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("class_summary")
    op.create_table(
        "essay_results",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("essay_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("batch_id", "essay_id"),
    )
    # Only spellcheck results fit the old table (one result per essay).
    op.execute(
        "INSERT INTO essay_results (batch_id, essay_id, status, recorded_at) "
        "SELECT batch_id, essay_id, status, recorded_at FROM essay_phase_results "
        "WHERE pipeline = 'spellcheck'"
    )
    op.drop_table("essay_phase_results")
