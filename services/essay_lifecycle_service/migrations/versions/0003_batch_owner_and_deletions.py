"""Teachers own batches, and batches can be deleted: `batches.teacher_id` and
`deleted_batches` (ids of deleted batches, so their late events are dropped).

Batches stored before this revision keep `teacher_id` NULL: they belong to nobody and answer
404 to every teacher.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("teacher_id", sa.String(length=64), nullable=True))
    op.create_table(
        "deleted_batches",
        sa.Column("batch_id", sa.String(length=255), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )


def downgrade() -> None:
    op.drop_table("deleted_batches")
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("teacher_id")
