"""Spell Checker settings (env prefix SPELL_CHECKER_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from common_core.config import ServiceSettings


class SpellCheckerSettings(ServiceSettings):
    """Where Content Service is, where metrics are served, how the consumer behaves."""

    model_config = SettingsConfigDict(env_prefix="SPELL_CHECKER_", extra="ignore")

    host: str = "127.0.0.1"
    metrics_port: int = 8002
    content_service_url: str = "http://127.0.0.1:8001"
    http_timeout_seconds: float = 10.0
    consumer_group: str = "spell_checker_service"
