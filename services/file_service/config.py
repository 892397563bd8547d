"""File Service settings (env prefix FILE_SERVICE_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common_core.auth.settings import TokenVerificationSettings
from common_core.config import ServiceSettings
from common_core.content import ContentServiceTokenSettings

SERVICE_NAME = "file_service"
MIB = 1024 * 1024


class FileServiceSettings(ServiceSettings, ContentServiceTokenSettings, TokenVerificationSettings):
    """Where the collaborators are, how long to wait for them, and how much one upload may be."""

    model_config = SettingsConfigDict(env_prefix="FILE_SERVICE_", extra="ignore")

    port: int = 7001
    # Idempotency records and the files each batch has on record. A SQLite file by default;
    # PostgreSQL (compose, production) when two File Service instances share the records.
    database_url: str = "sqlite+aiosqlite:///.data/file_service.sqlite3"
    content_service_url: str = "http://127.0.0.1:8001"
    bos_url: str = "http://127.0.0.1:5001"

    max_file_bytes: int = Field(default=5 * MIB, ge=1, description="Largest single file.")
    max_request_bytes: int = Field(default=50 * MIB, ge=1, description="Largest whole upload.")
    max_files_per_request: int = Field(default=500, ge=1, description="Most files per upload.")

    bos_timeout_seconds: float = Field(default=3.0, gt=0, description="BOS batch lookup.")
    content_service_timeout_seconds: float = Field(
        default=5.0, gt=0, description="One Content Service call (each attempt)."
    )
    content_service_attempts: int = Field(
        default=3, ge=1, description="Attempts per text before the upload answers 503."
    )
    content_store_concurrency: int = Field(
        default=8, ge=1, description="Texts stored in parallel for one upload."
    )
    kafka_publish_timeout_seconds: float = Field(
        default=20.0, gt=0, description="Wait for every event's ack before answering 503."
    )
    # Uploads need only the producer (no consumer group), so it waits for a slow broker.
    kafka_connect_timeout_seconds: float = Field(
        default=30.0, ge=0, description="Keep trying to reach Kafka at startup this long."
    )

    idempotency_ttl_seconds: float = Field(
        default=24 * 3600, gt=0, description="How long a key's first answer is replayed."
    )
    idempotency_lease_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A working request's hold on its key, renewed while it works; a killed "
        "process's hold ends this long after its last renewal.",
    )
    idempotency_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long a request waits for another with the same key before a 409.",
    )
    consume_deletions: bool = Field(
        default=True,
        description="Consume BatchDeleted and delete the batches' records. Off only in tests "
        "that run File Service without its consumer.",
    )
    consumer_group: str = Field(
        default=SERVICE_NAME, description="Kafka group consuming BatchDeleted."
    )
    purge_interval_seconds: float = Field(
        default=600.0, gt=0, description="How often expired idempotency records are deleted."
    )
