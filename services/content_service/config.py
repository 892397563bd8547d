"""Content Service settings (env prefix CONTENT_SERVICE_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common_core.config import ServiceSettings

SERVICE_NAME = "content_service"
# Writers spend most of their time in fsync, which releases the GIL and is batched by the
# file system's journal: more writers in flight means fewer commits per blob, not more CPU.
DEFAULT_IO_THREADS = 16


class ContentServiceSettings(ServiceSettings):
    """Where blobs live and how large one may be."""

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
