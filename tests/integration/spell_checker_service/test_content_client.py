"""ContentClient against real HTTP servers: each answer maps onto retry or failed result."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from common_core.content_client import (
    ContentClient,
    ContentUnavailable,
    StoreRejectedError,
    UnusableTextError,
)
from common_core.processes import free_port
from tests.support.content import (
    CONTENT_TOKEN,
    TEST_BATCH,
    ContentServiceUnderTest,
    store_text,
)

NOT_UTF8 = "a" * 32
BROKEN = "b" * 32


async def _scripted_get(request: web.Request) -> web.Response:
    storage_id = request.match_info["storage_id"]
    if storage_id == NOT_UTF8:
        return web.Response(body=b"caf\xe9", content_type="text/plain")
    if storage_id == BROKEN:
        return web.Response(status=503, text="restarting")
    return web.Response(status=404)


async def _scripted_post(request: web.Request) -> web.Response:
    body = await request.read()
    if body == b"too big":
        return web.json_response({"error": {"code": "payload_too_large"}}, status=413)
    return web.Response(status=500, text="disk full")


@pytest.fixture
async def scripted_server() -> AsyncIterator[str]:
    """A tiny real server answering the error cases Content Service can produce."""
    app = web.Application()
    app.router.add_get("/v1/content/{storage_id}", _scripted_get)
    app.router.add_post("/v1/content", _scripted_post)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as client:
        yield client


async def test_round_trip_with_the_real_content_service(
    content_service: ContentServiceUnderTest, session: aiohttp.ClientSession
) -> None:
    client = ContentClient(session, content_service.url + "/", CONTENT_TOKEN)
    original = await store_text(content_service.url, "Åsa skrev en uppsats.\r\n")
    assert await client.fetch_text(original) == "Åsa skrev en uppsats.\r\n"
    stored = await client.store(b'[{"original": "x"}]', "application/json", TEST_BATCH)
    assert len(stored) == 32 and stored != original
    with pytest.raises(UnusableTextError, match="404"):
        await client.fetch_text("0" * 32)
    with pytest.raises(UnusableTextError, match="400"):
        await client.fetch_text("not-an-id")


async def test_error_answers_map_to_failed_result_or_retry(
    scripted_server: str, session: aiohttp.ClientSession
) -> None:
    client = ContentClient(session, scripted_server)
    with pytest.raises(UnusableTextError, match="not UTF-8"):
        await client.fetch_text(NOT_UTF8)
    with pytest.raises(ContentUnavailable, match="503"):
        await client.fetch_text(BROKEN)
    with pytest.raises(StoreRejectedError, match="413"):
        await client.store(b"too big", "text/plain", TEST_BATCH)
    with pytest.raises(ContentUnavailable, match="500"):
        await client.store(b"anything", "text/plain", TEST_BATCH)


async def test_nothing_listening_is_a_retryable_outage(session: aiohttp.ClientSession) -> None:
    client = ContentClient(session, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ContentUnavailable, match="unreachable"):
        await client.fetch_text("c" * 32)
    with pytest.raises(ContentUnavailable, match="unreachable"):
        await client.store(b"x", "text/plain", TEST_BATCH)
