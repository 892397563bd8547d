"""The gateway's neighbours in tests: a small real HTTP server answering as BOS, File Service
and the ELS API (recording what reached it), teachers with real tokens, and the settings of a
gateway in front of them."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from common_core.processes import free_port
from services.api_gateway_service.config import GatewaySettings


@dataclass(frozen=True)
class Seen:
    """A request as the backend double received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]


@dataclass
class BackendDouble:
    """Answers the BOS, File Service and ELS API routes the gateway forwards to."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    upload_chunk_delay: float = 0.0  # seconds between reads of an upload: a slow backend

    def record(self, request: web.Request) -> None:
        self.seen.append(
            Seen(
                request.method,
                request.path,
                request.rel_url.raw_query_string,
                dict(request.headers),
            )
        )

    async def get_batch(self, request: web.Request) -> web.Response:
        self.record(request)
        batch_id = request.match_info["batch_id"]
        if batch_id == "slow":
            await asyncio.sleep(3)  # longer than the gateway's request timeout in the tests
        if batch_id == "missing":
            body = {"error": {"code": "not_found", "message": "no such batch", "details": None}}
            return web.json_response(body, status=404)
        return web.json_response({"batch_id": batch_id, "status": "processing"})

    async def register_batch(self, request: web.Request) -> web.Response:
        self.record(request)
        body = await request.json()
        error = {
            "code": "validation_error",
            "message": "course_code: unknown",
            "details": [{"field": "course_code", "message": "unknown", "type": "value_error"}],
        }
        if body.get("course_code") != "ENG5":
            return web.json_response({"error": error}, status=422)
        return web.json_response({"batch_id": "b-1"}, status=202)

    async def delete_batch(self, request: web.Request) -> web.Response:
        self.record(request)
        return web.json_response({"batch_id": request.match_info["batch_id"]}, status=202)

    async def essay_text(self, request: web.Request) -> web.Response:
        self.record(request)
        return web.Response(text="Hej världen", content_type="text/plain", charset="utf-8")

    async def upload(self, request: web.Request) -> web.Response:
        self.record(request)
        digest = hashlib.sha256()
        size = 0
        async for chunk in request.content.iter_chunked(64 * 1024):
            digest.update(chunk)
            size += len(chunk)
            if self.upload_chunk_delay:
                await asyncio.sleep(self.upload_chunk_delay)  # a slow backend, on purpose
        return web.json_response({"size": size, "sha256": digest.hexdigest()}, status=202)

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})


@asynccontextmanager
async def serving_backend(double: BackendDouble) -> AsyncIterator[BackendDouble]:
    """Serve `double` on a free port for the block."""
    app = web.Application(client_max_size=256 * 1024 * 1024)
    app.router.add_get("/v1/batches/{batch_id}", double.get_batch)
    app.router.add_delete("/v1/batches/{batch_id}", double.delete_batch)
    app.router.add_post("/v1/batches/register", double.register_batch)
    app.router.add_get("/v1/essays/{essay_id}/text", double.essay_text)
    app.router.add_post("/v1/files/batch", double.upload)
    app.router.add_get("/healthz", double.healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    double.url = f"http://127.0.0.1:{port}"
    try:
        yield double
    finally:
        await runner.cleanup()


@dataclass(frozen=True)
class Teacher:
    teacher_id: str
    token: str


GatewayFactory = Callable[..., AbstractAsyncContextManager[str]]


def gateway_settings(
    kafka_bootstrap: str, identity_url: str, backend_url: str, **overrides: Any
) -> GatewaySettings:
    """A gateway in front of the real identity and the backend double."""
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": kafka_bootstrap,
        "identity_url": identity_url,
        "identity_jwks_url": f"{identity_url}/v1/auth/jwks.json",
        "bos_url": backend_url,
        "file_service_url": backend_url,
        "els_api_url": backend_url,
        "request_timeout_seconds": 1.0,
        **overrides,
    }
    return GatewaySettings(**values)


async def call(method: str, url: str, **kwargs: Any) -> tuple[int, Any, dict[str, str]]:
    """Status, body (parsed when JSON) and headers of one request."""
    async with aiohttp.ClientSession() as http, http.request(method, url, **kwargs) as response:
        raw = await response.read()
        body: Any = raw.decode()
        if response.content_type == "application/json":
            body = await response.json()
        return response.status, body, dict(response.headers)


def bearer(teacher: Teacher) -> dict[str, str]:
    """The teacher's Authorization header."""
    return {"Authorization": f"Bearer {teacher.token}"}


def upload_form(batch_id: str, data: bytes, file_name: str = "essay.txt") -> aiohttp.FormData:
    """A File Service upload form with one file."""
    form = aiohttp.FormData()
    form.add_field("batch_id", batch_id)
    form.add_field("files", data, filename=file_name, content_type="text/plain")
    return form
