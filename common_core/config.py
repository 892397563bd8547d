"""Settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Base settings. A subclass sets `env_prefix`, so FILE_SERVICE_LOG_LEVEL etc."""

    model_config = SettingsConfigDict(extra="ignore")

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    log_level: str = "INFO"
    # "console" is for humans at a terminal; "json" for everything that is collected.
    log_format: Literal["json", "console"] = "json"
