"""The real Content Service for integration tests: served in-process, written and read over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from services.content_service.app import create_app as create_content_app
from services.content_service.config import ContentServiceSettings
from tests.support.http import serving


@dataclass(frozen=True)
class ContentServiceUnderTest:
    """A running Content Service: its base URL and the directory holding its blobs."""

    url: str
    root: Path


@asynccontextmanager
async def content_service_at(root: Path, port: int | None = None) -> AsyncIterator[str]:
    """The real Content Service app over the store at `root`, on `port` or a free one; yields
    its base URL."""
    app = create_content_app(ContentServiceSettings(content_store_root=root))
    async with serving(app, port=port) as url:
        yield url


async def store_text(base_url: str, text: str) -> str:
    """POST a text as UTF-8 text/plain (as File Service and the spell checker do); its id."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{base_url}/v1/content",
            data=text.encode("utf-8"),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        ) as response,
    ):
        assert response.status == 201, await response.text()
        body: dict[str, Any] = await response.json()
    return str(body["storage_id"])


async def fetch_blob(base_url: str, storage_id: str) -> tuple[int, bytes, str]:
    """GET a blob: status, bytes and content type."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base_url}/v1/content/{storage_id}") as response,
    ):
        return response.status, await response.read(), response.headers.get("Content-Type", "")
