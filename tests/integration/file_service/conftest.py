"""The File Service's real neighbours for integration tests.

- a tiny real aiohttp server answering like BOS's public batch GET (the contract's HTTP
  boundary; BOS itself is another service),
- the real Content Service app under Hypercorn with a tmp store,
- the real File Service app under Hypercorn, pointed at those and at the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from common_core.processes import free_port
from services.file_service.app import create_app as create_file_app
from services.file_service.config import FileServiceSettings
from tests.support.auth import IdentityUnderTest, Teacher
from tests.support.content import (
    CONTENT_TOKEN,
    ContentServiceUnderTest,
    serving_content,
)
from tests.support.files import (
    BosDouble,
    FileServiceFactory,
)
from tests.support.http import serving


@pytest.fixture(scope="module")
async def bos() -> AsyncIterator[BosDouble]:
    double = BosDouble()
    app = web.Application()
    app.router.add_get("/v1/batches/{batch_id}", double.get_batch)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    double.url = f"http://127.0.0.1:{port}"
    try:
        yield double
    finally:
        await runner.cleanup()


@pytest.fixture(scope="module")
async def content_service(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ContentServiceUnderTest]:
    root = tmp_path_factory.mktemp("content") / "store"
    async with serving_content(root) as url:
        yield ContentServiceUnderTest(url, root)


@pytest.fixture(scope="module")
async def uploader(identity: IdentityUnderTest) -> Teacher:
    """The teacher the tests upload as (a real token from the real identity service)."""
    return await identity.teacher("uploader")


@pytest.fixture
def auth(uploader: Teacher) -> dict[str, str]:
    """The uploading teacher's Authorization header."""
    headers: dict[str, str] = uploader.headers
    return headers


@pytest.fixture
def file_service(
    kafka_bootstrap: str,
    bos: BosDouble,
    content_service: ContentServiceUnderTest,
    tmp_path: Path,
    identity: IdentityUnderTest,
) -> FileServiceFactory:
    """`async with file_service(**setting_overrides) as url:` runs a real File Service."""

    @asynccontextmanager
    async def run(**overrides: Any) -> AsyncIterator[str]:
        values: dict[str, Any] = {
            "kafka_bootstrap_servers": kafka_bootstrap,
            "bos_url": bos.url,
            "content_service_url": content_service.url,
            "content_service_token": CONTENT_TOKEN,
            "identity_jwks_url": identity.jwks_url,
            "bos_timeout_seconds": 2.0,
            "content_service_timeout_seconds": 2.0,
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'file_service.sqlite3'}",
            # No BatchDeleted consumer (a group join per start): the e2e deletion test runs it.
            "consume_deletions": False,
            **overrides,
        }
        settings = FileServiceSettings(**values)
        async with serving(create_file_app(settings), timeout=45.0) as url:
            yield url

    return run
