"""Settings every service shares; each service subclasses with its own env prefix.

A setting that means the same thing in two services has the same name in both (the prefix
differs): `host`, `port` (HTTP) or `metrics_port` (workers), `database_url`, `consumer_group`,
`outbox_poll_interval_seconds`, `content_service_url`; durations end in `_seconds`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Base settings. A subclass sets `env_prefix`, so FILE_SERVICE_LOG_LEVEL etc."""

    model_config = SettingsConfigDict(extra="ignore")

    host: str = Field(
        default="127.0.0.1", description="Interface the HTTP server (or a worker's metrics) binds."
    )
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_connect_timeout_seconds: float = Field(
        default=0.0,
        ge=0,
        description="Keep trying to reach Kafka at start this long; 0: fail at once and let "
        "the supervisor restart the process.",
    )
    log_level: str = "INFO"
    # "console" is for humans at a terminal; "json" for everything that is collected.
    log_format: Literal["json", "console"] = "json"
