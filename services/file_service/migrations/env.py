"""Alembic environment of File Service (upload requests, batch files); run through
common_core.migrations."""

from common_core.migrations import run_env
from services.file_service.models.orm import Base

run_env(Base.metadata)
