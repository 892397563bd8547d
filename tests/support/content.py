"""Content Service for integration tests: the real app under Hypercorn with the fleet's
service token, and the calls other services make to it (token and batch included)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from common_core.content import content_headers
from services.content_service.app import create_app
from services.content_service.config import ContentServiceSettings
from tests.support.http import serving


@dataclass(frozen=True)
class ContentServiceUnderTest:
    """A running Content Service: its base URL and the directory holding its blobs."""

    url: str
    root: Path


# The one service token every test piece shares (the fleet runner makes a random one).
CONTENT_TOKEN = "test-content-service-token"
# The batch a test's blob belongs to when the test is not about batches.
TEST_BATCH = "batch-under-test"


def content_settings(root: Path, **overrides: Any) -> ContentServiceSettings:
    """Settings of a test Content Service on the store at `root`, expecting CONTENT_TOKEN.

    It consumes BatchDeleted only when asked (`consume_deletions=True`, then also pass
    `kafka_bootstrap_servers` and a `consumer_group` of the test's own).
    """
    values: dict[str, Any] = {
        "content_store_root": root,
        "content_service_token": SecretStr(CONTENT_TOKEN),
        "consume_deletions": False,
        **overrides,
    }
    return ContentServiceSettings(**values)


@asynccontextmanager
async def serving_content(
    root: Path, *, port: int | None = None, **overrides: Any
) -> AsyncIterator[str]:
    """The real Content Service app over `root` for the block; yields its base URL."""
    app = create_app(content_settings(root, **overrides))
    async with serving(app, port=port) as url:
        yield url


async def store_blob(
    base_url: str,
    data: bytes,
    batch_id: str = TEST_BATCH,
    content_type: str = "text/plain; charset=utf-8",
) -> str:
    """POST a blob as File Service or the Spell Checker would; asserts 201, returns its id."""
    headers = {**content_headers(CONTENT_TOKEN, batch_id), "Content-Type": content_type}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{base_url}/v1/content", data=data, headers=headers) as response,
    ):
        assert response.status == 201, await response.text()
        body: dict[str, Any] = await response.json()
    return str(body["storage_id"])


async def fetch_blob(base_url: str, storage_id: str) -> tuple[int, bytes, str]:
    """GET a blob with the service token: status, bytes and content type."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{base_url}/v1/content/{storage_id}", headers=content_headers(CONTENT_TOKEN)
        ) as response,
    ):
        return response.status, await response.read(), response.headers.get("Content-Type", "")


@asynccontextmanager
async def content_service_at(root: Path, port: int | None = None) -> AsyncIterator[str]:
    """The real Content Service app over the store at `root`, on `port` or a free one; yields
    its base URL (no BatchDeleted consumer)."""
    async with serving_content(root, port=port) as url:
        yield url


async def store_text(base_url: str, text: str, batch_id: str = TEST_BATCH) -> str:
    """POST a text as UTF-8 text/plain (as File Service and the spell checker do); its id."""
    return await store_blob(base_url, text.encode("utf-8"), batch_id)


def blob_path(root: Path, storage_id: str) -> Path:
    """Where the store keeps a blob on disk (to prove it is gone)."""
    return root / storage_id[:2] / storage_id
