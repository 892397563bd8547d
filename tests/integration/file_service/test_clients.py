"""The BOS and Content Service clients against a real HTTP server that misbehaves on demand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from common_core.auth import AuthError
from common_core.processes import free_port
from services.file_service.clients import BosClient, ContentServiceClient
from services.file_service.domain import (
    BatchInfo,
    BatchNotFound,
    BosUnavailable,
    ContentServiceUnavailable,
)

Answer = Callable[[web.Request], Awaitable[web.StreamResponse]]
TOKEN = "content-token"


@dataclass
class Scripted:
    """Answers each request with the next scripted answer (the last one repeats)."""

    url: str = ""
    answers: list[Answer] = field(default_factory=list)
    hits: int = 0
    headers: list[dict[str, str]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        answer = self.answers[min(self.hits, len(self.answers) - 1)]
        self.hits += 1
        self.headers.append(dict(request.headers))
        return await answer(request)


def status(code: int, body: object = None) -> Answer:
    async def answer(_: web.Request) -> web.StreamResponse:
        return web.json_response(body, status=code)

    return answer


def stall(seconds: float) -> Answer:
    async def answer(_: web.Request) -> web.StreamResponse:
        await asyncio.sleep(seconds)  # the slow server being simulated
        return web.json_response({})

    return answer


@pytest.fixture
async def server() -> AsyncIterator[Scripted]:
    scripted = Scripted()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", scripted.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    scripted.url = f"http://127.0.0.1:{port}"
    try:
        yield scripted
    finally:
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            status(200, {"status": "awaiting_content", "expected_essay_count": 3}),
            BatchInfo("awaiting_content", 3),
        ),
        (status(404, {"error": {}}), None),
        (status(422, {"error": {}}), None),
        (status(400, {"error": {}}), None),
    ],
)
async def test_bos_answers(
    server: Scripted, session: aiohttp.ClientSession, answer: Answer, expected: BatchInfo | None
) -> None:
    server.answers = [answer]
    assert await BosClient(session, server.url, 1.0).batch_info("b1", "tok-1") == expected
    assert server.headers[0]["Authorization"] == "Bearer tok-1"  # asked as the teacher


@pytest.mark.parametrize(
    "answer",
    [
        status(500),
        status(200, {"no": "status"}),
        status(200, {"status": "awaiting_content"}),  # no essay count
        status(200, [1]),
        stall(2.0),
    ],
)
async def test_bos_failures_are_unavailable(
    server: Scripted, session: aiohttp.ClientSession, answer: Answer
) -> None:
    server.answers = [answer]
    with pytest.raises(BosUnavailable):
        await BosClient(session, server.url, 0.3).batch_info("b1", "tok-1")
    assert server.hits == 1  # no retries: the teacher gets a quick answer


async def test_bos_refusing_the_token_is_401_not_an_outage(
    server: Scripted, session: aiohttp.ClientSession
) -> None:
    server.answers = [status(401, {"error": {"code": "token_expired"}})]
    with pytest.raises(AuthError):
        await BosClient(session, server.url, 1.0).batch_info("b1", "tok-1")


async def test_content_5xx_is_retried_until_it_works(
    server: Scripted, session: aiohttp.ClientSession
) -> None:
    server.answers = [status(503), status(502), status(201, {"storage_id": "a" * 32})]
    client = ContentServiceClient(session, server.url, timeout=1.0, attempts=3, token=TOKEN)
    assert await client.store_text("hello", "b1", "corr") == "a" * 32
    assert server.hits == 3
    for headers in server.headers:  # every attempt carries the service token and the batch
        assert headers["Authorization"] == f"Bearer {TOKEN}"
        assert headers["X-Batch-ID"] == "b1"


async def test_content_timeouts_exhaust_the_attempts(
    server: Scripted, session: aiohttp.ClientSession
) -> None:
    server.answers = [stall(2.0)]
    client = ContentServiceClient(session, server.url, timeout=0.2, attempts=2, token=TOKEN)
    with pytest.raises(ContentServiceUnavailable) as caught:
        await client.store_text("hello", "b1", "corr")
    assert "TimeoutError" in caught.value.details["reason"]
    assert server.hits == 2


@pytest.mark.parametrize(
    "answer", [status(413, {"error": {}}), status(201, {"nope": 1}), status(201, {"storage_id": 7})]
)
async def test_content_answers_that_retrying_cannot_fix_fail_at_once(
    server: Scripted, session: aiohttp.ClientSession, answer: Answer
) -> None:
    server.answers = [answer]
    client = ContentServiceClient(session, server.url, timeout=1.0, attempts=3, token=TOKEN)
    with pytest.raises(ContentServiceUnavailable):
        await client.store_text("hello", "b1", "corr")
    assert server.hits == 1


async def test_content_refusing_a_deleted_batch_is_batch_not_found(
    server: Scripted, session: aiohttp.ClientSession
) -> None:
    server.answers = [status(410, {"error": {"code": "batch_deleted"}})]
    client = ContentServiceClient(session, server.url, timeout=1.0, attempts=3, token=TOKEN)
    with pytest.raises(BatchNotFound):
        await client.store_text("hello", "b1", "corr")
    assert server.hits == 1
