"""The NLP phase: each essay's stored metrics reference, the metrics themselves, its error.

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
    with op.batch_alter_table("essays") as batch:
        batch.add_column(sa.Column("nlp_metrics_storage_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("nlp_metrics", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("nlp_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("essays") as batch:
        for column in ("nlp_error", "nlp_metrics", "nlp_metrics_storage_id"):
            batch.drop_column(column)
