"""NLP Service settings (env prefix NLP_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common_core.config import ServiceSettings
from common_core.content import ContentServiceTokenSettings

SERVICE_NAME = "nlp_service"


class NlpSettings(ServiceSettings, ContentServiceTokenSettings):
    """Where Content Service is, where metrics are served, how many essays are in flight."""

    model_config = SettingsConfigDict(env_prefix="NLP_", extra="ignore")

    metrics_port: int = Field(default=8003, description="Port of GET /metrics.")
    content_service_url: str = Field(
        default="http://127.0.0.1:8001", description="Base URL of Content Service."
    )
    http_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Total time allowed for one Content Service call."
    )
    consumer_group: str = Field(default=SERVICE_NAME, description="Kafka consumer group.")
    max_in_flight: int = Field(
        default=16,
        ge=1,
        description="Requests handled at once, the fewest-waiting batch first (they are "
        "independent); lets the Content Service and Kafka round trips of several essays "
        "overlap.",
    )
