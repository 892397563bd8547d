"""Deleted batches: File Service forgets a batch's records on BatchDeleted and refuses to
record files for it afterwards.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
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
        "deleted_batches",
        sa.Column("batch_id", sa.String(length=128), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    op.create_index("ix_upload_requests_batch_id", "upload_requests", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_upload_requests_batch_id", table_name="upload_requests")
    op.drop_table("deleted_batches")
