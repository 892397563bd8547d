"""Essay Lifecycle Service settings (env prefix ELS_), shared by the API and the worker."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common_core.auth.settings import TokenVerificationSettings
from common_core.config import ServiceSettings
from common_core.content import ContentServiceTokenSettings

SERVICE_NAME = "essay_lifecycle_service"
# The two processes of the service log (and name their Quart app) by these.
API_PROCESS_NAME = "essay_lifecycle_api"
WORKER_PROCESS_NAME = "essay_lifecycle_worker"


class ELSSettings(ServiceSettings, ContentServiceTokenSettings, TokenVerificationSettings):
    """Where the shared database is, where each process listens, where the API reads essay
    texts from (Content Service, with the service token) and where it verifies teachers'
    tokens from (`ELS_IDENTITY_JWKS_URL`, `ELS_JWT_*`)."""

    model_config = SettingsConfigDict(env_prefix="ELS_", extra="ignore")

    port: int = Field(default=6001, description="HTTP port of the API process.")
    metrics_port: int = Field(default=9091, description="Prometheus port of the worker process.")
    database_url: str = Field(
        default="sqlite+aiosqlite:///.data/els.sqlite3",
        description="SQLAlchemy async URL; a SQLite file by default, PostgreSQL in compose.",
    )
    content_service_url: str = Field(
        default="http://127.0.0.1:8001",
        description="Base URL of Content Service (the API serves essay texts from it).",
    )
    content_service_timeout_seconds: float = Field(
        default=5.0, gt=0, description="One Content Service read by the API."
    )
    consumer_group: str = Field(
        default=SERVICE_NAME, description="Kafka consumer group of the worker."
    )
    outbox_poll_interval_seconds: float = Field(
        default=1.0, gt=0, description="Seconds between outbox scans when nothing woke the relay."
    )
