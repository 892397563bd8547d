"""Alembic environment of identity_service (teachers, signing keys); run through
common_core.migrations."""

from common_core.migrations import run_env
from services.identity_service.models.orm import Base

run_env(Base.metadata)
