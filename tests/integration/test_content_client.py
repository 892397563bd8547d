"""common_core's ContentClient against real HTTP servers: each answer maps onto "retry" or
"failed result", and the service token goes with every call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from common_core.content_client import (
    ContentClient,
    ContentUnavailable,
    StoreRejectedError,
    UnusableTextError,
)
from common_core.processes import free_port
from services.content_service.repository import FileContentStore
from tests.support.content import CONTENT_TOKEN, TEST_BATCH, content_service_at, store_text

AUTHORIZATION = web.AppKey("authorization", list[str | None])
NOT_UTF8 = "a" * 32
BROKEN = "b" * 32


async def _scripted_get(request: web.Request) -> web.Response:
    request.app[AUTHORIZATION].append(request.headers.get("Authorization"))
    storage_id = request.match_info["storage_id"]
    if storage_id == NOT_UTF8:
        return web.Response(body=b"caf\xe9", content_type="text/plain")
    if storage_id == BROKEN:
        return web.Response(status=503, text="restarting")
    return web.Response(status=404)


async def _scripted_post(request: web.Request) -> web.Response:
    request.app[AUTHORIZATION].append(request.headers.get("Authorization"))
    body = await request.read()
    if body == b"too big":
        return web.json_response({"error": {"code": "payload_too_large"}}, status=413)
    if body == b"no id":
        return web.json_response({}, status=201)
    if request.headers.get("X-Batch-ID") == "deleted-batch":
        return web.json_response({"error": {"code": "batch_deleted"}}, status=410)
    if body == b"wrong token":
        return web.json_response({"error": {"code": "invalid_token"}}, status=401)
    return web.Response(status=500, text="disk full")


@pytest.fixture
async def scripted() -> AsyncIterator[tuple[str, list[str | None]]]:
    """A tiny real server answering the error cases; yields its URL and the Authorization
    headers it received."""
    app = web.Application()
    app[AUTHORIZATION] = []
    app.router.add_get("/v1/content/{storage_id}", _scripted_get)
    app.router.add_post("/v1/content", _scripted_post)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", app[AUTHORIZATION]
    finally:
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as client:
        yield client


async def test_round_trip_with_the_real_content_service(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    async with content_service_at(tmp_path / "store") as url:
        client = ContentClient(session, url + "/", CONTENT_TOKEN)
        original = await store_text(url, "Åsa skrev en uppsats.\r\n")
        assert await client.fetch_text(original) == "Åsa skrev en uppsats.\r\n"
        stored = await client.store(b'{"word_count": 4}', "application/json", TEST_BATCH)
        assert len(stored) == 32 and stored != original
        assert await client.fetch_text(stored) == '{"word_count": 4}'
        corrected, log = await client.store_texts(
            [("Åsa skrev.", "text/plain; charset=utf-8"), ("[]", "application/json")], TEST_BATCH
        )
        assert [await client.fetch_text(i) for i in (corrected, log)] == ["Åsa skrev.", "[]"]
        with pytest.raises(UnusableTextError, match="404"):
            await client.fetch_text("0" * 32)
        with pytest.raises(UnusableTextError, match="400"):
            await client.fetch_text("not-an-id")


async def test_error_answers_map_to_failed_result_or_retry(
    scripted: tuple[str, list[str | None]], session: aiohttp.ClientSession
) -> None:
    client = ContentClient(session, scripted[0])
    with pytest.raises(UnusableTextError, match="not UTF-8"):
        await client.fetch_text(NOT_UTF8)
    with pytest.raises(ContentUnavailable, match="503"):
        await client.fetch_text(BROKEN)
    with pytest.raises(StoreRejectedError, match="413"):
        await client.store(b"too big", "text/plain", TEST_BATCH)
    with pytest.raises(ContentUnavailable, match="500"):
        await client.store(b"anything", "text/plain", TEST_BATCH)
    with pytest.raises(StoreRejectedError, match="batch was deleted"):
        await client.store(b"late", "text/plain", "deleted-batch")
    with pytest.raises(ContentUnavailable, match="401"):
        await client.store(b"wrong token", "text/plain", TEST_BATCH)
    with pytest.raises(ContentUnavailable, match="without a storage_id"):
        await client.store(b"no id", "text/plain", TEST_BATCH)


async def test_service_token_goes_with_every_call_and_none_without_one(
    scripted: tuple[str, list[str | None]], session: aiohttp.ClientSession
) -> None:
    url, seen = scripted
    with pytest.raises(UnusableTextError):
        await ContentClient(session, url, SecretStr("s3cret")).fetch_text("c" * 32)
    with pytest.raises(StoreRejectedError):
        await ContentClient(session, url, "s3cret").store(b"too big", "text/plain", TEST_BATCH)
    with pytest.raises(UnusableTextError):
        await ContentClient(session, url).fetch_text("c" * 32)
    assert seen == ["Bearer s3cret", "Bearer s3cret", None]


async def test_nothing_listening_is_a_retryable_outage(session: aiohttp.ClientSession) -> None:
    client = ContentClient(session, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ContentUnavailable, match="unreachable"):
        await client.fetch_text("c" * 32)
    with pytest.raises(ContentUnavailable, match="unreachable"):
        await client.store(b"x", "text/plain", TEST_BATCH)


async def test_a_store_for_a_deleted_batch_is_a_failed_result_and_keeps_nothing(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    root = tmp_path / "store"
    async with content_service_at(root) as url:
        store = FileContentStore(root)
        try:
            await store.delete_batch("deleted-batch")  # what Content Service does on BatchDeleted
        finally:
            store.close()
        client = ContentClient(session, url, CONTENT_TOKEN)

        with pytest.raises(StoreRejectedError, match="deleted"):
            await client.store(b"late corrected text", "text/plain", "deleted-batch")
        assert len(await client.store(b"a live batch", "text/plain", TEST_BATCH)) == 32

        misconfigured = ContentClient(session, url, "not-the-token")
        with pytest.raises(ContentUnavailable, match="401"):  # retried, never a failed essay
            await misconfigured.fetch_text("0" * 32)
        with pytest.raises(ContentUnavailable, match="401"):
            await misconfigured.store(b"x", "text/plain", TEST_BATCH)
    blobs = [p for p in root.rglob("*") if p.is_file() and len(p.parent.name) == 2]
    assert [b.read_bytes().endswith(b"a live batch") for b in blobs] == [True]
