"""Teachers own batches, and batches can be deleted: `batches.teacher_id` (with the indexes a
teacher's list and the retention sweep read by) and `deleted_batches`.

Batches registered before this revision keep `teacher_id` NULL: they belong to nobody, answer
404 to every teacher, and leave with retention.

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
    op.create_index("ix_batches_teacher_created", "batches", ["teacher_id", "created_at"])
    op.create_index("ix_batches_created_at", "batches", ["created_at"])
    op.create_table(
        "deleted_batches",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )


def downgrade() -> None:
    op.drop_table("deleted_batches")
    op.drop_index("ix_batches_created_at", table_name="batches")
    op.drop_index("ix_batches_teacher_created", table_name="batches")
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("teacher_id")
