"""File Service's first schema: upload_requests (idempotency records) and batch_files.

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
        "batch_files",
        sa.Column("batch_id", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=72), nullable=False),
        sa.Column("file_upload_id", sa.String(length=32), nullable=False),
        sa.Column("first_request", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("batch_id", "fingerprint"),
        sa.UniqueConstraint("file_upload_id", name="uq_batch_files_file_upload_id"),
    )
    op.create_table(
        "upload_requests",
        sa.Column("teacher_id", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=128), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("admitted", sa.Boolean(), nullable=False),
        sa.Column("lease_token", sa.String(length=32), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("teacher_id", "batch_id", "idempotency_key"),
    )
    op.create_index("ix_upload_requests_expires_at", "upload_requests", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_upload_requests_expires_at", table_name="upload_requests")
    op.drop_table("upload_requests")
    op.drop_table("batch_files")
