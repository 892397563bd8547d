"""Content Service settings (env prefix CONTENT_SERVICE_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common_core.config import ServiceSettings
from common_core.content import ContentServiceTokenSettings

SERVICE_NAME = "content_service"
# Writers spend most of their time in fsync, which releases the GIL and is batched by the
# file system's journal: more writers in flight means fewer commits per blob, not more CPU.
DEFAULT_IO_THREADS = 16


class ContentServiceSettings(ServiceSettings, ContentServiceTokenSettings):
    """Where blobs live, how large one may be, who may call, and how deletions arrive.

    `content_service_token` (CONTENT_SERVICE_CONTENT_SERVICE_TOKEN, or a file named by
    CONTENT_SERVICE_CONTENT_SERVICE_TOKEN_FILE) is the secret every caller must present; left
    empty, every content route answers 401.
    """

    model_config = SettingsConfigDict(env_prefix="CONTENT_SERVICE_", extra="ignore")

    port: int = 8001
    content_store_root: Path = Field(
        default=Path(".data/content"), description="Directory holding every stored blob."
    )
    max_content_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Largest body POST /v1/content accepts."
    )
    io_threads: int = Field(
        default=DEFAULT_IO_THREADS,
        ge=1,
        le=256,
        description="Threads doing blocking store I/O (mostly waiting in fsync).",
    )
    consume_deletions: bool = Field(
        default=True,
        description="Consume BatchDeleted and delete the batches' blobs. Off only where no "
        "broker runs (the storage benchmark, HTTP-only tests): such a store never forgets.",
    )
    consumer_group: str = Field(
        default=SERVICE_NAME, description="Kafka group consuming BatchDeleted."
    )
    tombstone_retention_days: float = Field(
        default=30.0,
        gt=0,
        description="How long a deleted batch's stores stay refused; longer than any message "
        "that could still store for it can wait in Kafka.",
    )
