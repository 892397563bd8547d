"""Alembic environment of ELS (its tables and its outbox); run through common_core.migrations."""

from common_core.migrations import run_env
from common_core.outbox import OutboxBase
from services.essay_lifecycle_service.models.orm import Base

run_env(Base.metadata, OutboxBase.metadata)
