"""Settings of the Batch Orchestrator Service (env prefix `BOS_`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common_core.auth.settings import TokenVerificationSettings
from common_core.config import ServiceSettings

SERVICE_NAME = "batch_orchestrator_service"


class BOSSettings(ServiceSettings, TokenVerificationSettings):
    """Everything BOS reads from the environment, e.g. `BOS_DATABASE_URL`, `BOS_PORT`, and
    where teachers' tokens are verified from (`BOS_IDENTITY_JWKS_URL`, `BOS_JWT_*`)."""

    model_config = SettingsConfigDict(env_prefix="BOS_", extra="ignore")

    port: int = 5001
    # SQLite file by default (zero set-up); docker compose points this at PostgreSQL.
    database_url: str = "sqlite+aiosqlite:///.data/bos.sqlite3"
    # One group for every BOS replica; tests override it so they never join a running fleet.
    consumer_group: str = SERVICE_NAME
    # The relay is woken after each commit; the poll only matters after a crash or broker outage.
    outbox_poll_interval_seconds: float = 1.0
    # Largest request body accepted; a full registration (500 ids + instructions) is ~100 KB.
    max_request_bytes: int = 1_048_576
    retention_days: int = Field(
        default=365,
        ge=1,
        description="Batches registered longer ago than this are deleted, like a teacher's "
        "DELETE (BatchDeleted included).",
    )
    retention_sweep_interval_seconds: float = Field(
        default=3600.0, gt=0, description="How often the retention sweep runs (and at start)."
    )
