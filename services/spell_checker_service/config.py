"""Spell Checker settings (env prefix SPELL_CHECKER_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common_core.config import ServiceSettings
from common_core.content import ContentServiceTokenSettings

SERVICE_NAME = "spell_checker_service"


class SpellCheckerSettings(ServiceSettings, ContentServiceTokenSettings):
    """Where Content Service is, where metrics are served, how checking is parallelised."""

    model_config = SettingsConfigDict(env_prefix="SPELL_CHECKER_", extra="ignore")

    metrics_port: int = Field(default=8002, description="Port of GET /metrics.")
    content_service_url: str = Field(
        default="http://127.0.0.1:8001", description="Base URL of Content Service."
    )
    http_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Total time allowed for one Content Service call."
    )
    consumer_group: str = Field(default=SERVICE_NAME, description="Kafka group id.")
    max_in_flight: int = Field(
        default=16,
        ge=1,
        description="Requests handled at once, the fewest-waiting batch first (they are "
        "independent); lets Content Service and Kafka round trips overlap the checking.",
    )
    check_workers: int = Field(
        default=2,
        ge=0,
        description="Checker processes, each loading the dictionaries once; 0 = a thread here.",
    )
