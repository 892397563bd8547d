"""Settings of the Batch Orchestrator Service (env prefix `BOS_`)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from common_core.config import ServiceSettings

SERVICE_NAME = "batch_orchestrator_service"


class BOSSettings(ServiceSettings):
    """Everything BOS reads from the environment, e.g. `BOS_DATABASE_URL`, `BOS_PORT`."""

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
