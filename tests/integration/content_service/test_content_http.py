"""Content Service over real HTTP (Hypercorn): round trips, limits, and traversal attempts."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from common_core.content import content_headers
from tests.support.content import CONTENT_TOKEN, TEST_BATCH, serving_content
from tests.support.http import raw_get, simple_post

AUTH = content_headers(CONTENT_TOKEN)
STORE = content_headers(CONTENT_TOKEN, TEST_BATCH)

SECRET = b"TOP-SECRET-" + uuid.uuid4().hex.encode()
# An id-shaped file name placed just outside the store root.
OUTSIDE_ID = "ab" + uuid.uuid4().hex[:30]


@dataclass
class RunningContentService:
    base_url: str
    root: Path
    outside: Path


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[RunningContentService]:
    root = tmp_path / "store"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    (tmp_path / OUTSIDE_ID).write_bytes(b"text/plain\n" + SECRET)
    async with serving_content(root, max_content_bytes=1024) as base_url:
        yield RunningContentService(base_url, root, outside)


async def test_concurrent_posts_are_all_retrievable(service: RunningContentService) -> None:
    bodies = [f"essay {i} \u2013 Åsa".encode() for i in range(25)]
    async with aiohttp.ClientSession() as session:

        async def post(body: bytes) -> str:
            async with session.post(
                f"{service.base_url}/v1/content",
                data=body,
                headers={**STORE, "Content-Type": "text/plain; charset=utf-8"},
            ) as response:
                assert response.status == 201
                storage_id: str = (await response.json())["storage_id"]
                return storage_id

        ids = await asyncio.gather(*(post(b) for b in bodies))
        for storage_id, body in zip(ids, bodies, strict=True):
            async with session.get(
                f"{service.base_url}/v1/content/{storage_id}", headers=AUTH
            ) as response:
                assert response.status == 200
                assert await response.read() == body
                assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert len(set(ids)) == len(bodies)
    assert not list(service.root.rglob(".tmp-*"))


async def test_over_limit_is_413_and_nothing_is_written(service: RunningContentService) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{service.base_url}/v1/content", data=b"x" * 1025, headers=STORE) as response,
    ):
        body = await response.json()
    assert response.status == 413
    assert body["error"]["code"] == "payload_too_large"
    assert not [p for p in service.root.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer guessed"}, {"Authorization": f"Token {CONTENT_TOKEN}"}],
    ids=["no-token", "wrong-token", "not-bearer"],
)
async def test_without_the_service_token_nothing_is_read_or_written(
    service: RunningContentService, headers: dict[str, str]
) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{service.base_url}/v1/content", data=SECRET, headers=STORE
        ) as stored:
            storage_id = (await stored.json())["storage_id"]
        async with session.get(
            f"{service.base_url}/v1/content/{storage_id}", headers=headers
        ) as read:
            read_body = await read.read()
        async with session.post(
            f"{service.base_url}/v1/content",
            data=b"planted",
            headers={**headers, "X-Batch-ID": TEST_BATCH},
        ) as write:
            write_body = await write.json()
        async with session.get(f"{service.base_url}/healthz") as health:
            assert health.status == 200  # health and metrics stay open
        async with session.get(f"{service.base_url}/metrics") as metrics:
            assert metrics.status == 200

    assert read.status == 401 and SECRET not in read_body
    assert write.status == 401 and write_body["error"]["code"] in {"missing_token", "invalid_token"}
    blobs = [p for p in service.root.rglob("*") if p.is_file() and len(p.parent.name) == 2]
    assert [p.read_bytes().endswith(SECRET) for p in blobs] == [True]  # "planted" never landed


@pytest.mark.parametrize(
    "raw_path",
    [
        "/v1/content/..%2F..%2Fetc%2Fpasswd",
        "/v1/content/..%2Foutside%2Fsecret.txt",
        f"/v1/content/..%2F{OUTSIDE_ID}",
        f"/v1/content/%2e%2e%2f{OUTSIDE_ID}",
        "/v1/content/%2e%2e",
        "/v1/content/..",
        "/v1/content/%2Fetc%2Fpasswd",
        "/v1/content//etc/passwd",
        "/v1/content/../../etc/passwd",
        "/v1/content/" + "a" * 31,
        "/v1/content/" + "a" * 33,
        "/v1/content/" + "A" * 32,
        "/v1/content/" + "0" * 31 + "%00",
    ],
)
async def test_traversal_attempts_get_400_or_404_and_never_read_outside(
    service: RunningContentService, raw_path: str
) -> None:
    status, body = await raw_get(service.base_url, raw_path, AUTH)

    assert status in (400, 404)
    assert SECRET not in body
    assert b"root:" not in body


async def test_health_is_503_when_the_store_is_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    async with (
        serving_content(tmp_path / "store") as base_url,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(f"{base_url}/healthz") as healthy:
            assert healthy.status == 200
        (tmp_path / "store").rename(tmp_path / "moved")
        (tmp_path / "store").symlink_to(blocker)
        async with session.get(f"{base_url}/healthz") as broken:
            body = await broken.json()
    assert broken.status == 503
    assert body["error"]["code"] == "service_unavailable"


async def test_simple_client_sending_an_oversized_body_reads_the_413(tmp_path: Path) -> None:
    limit = 256 * 1024
    async with serving_content(tmp_path / "store", max_content_bytes=limit) as base_url:
        # Large enough to overflow socket buffers: answering before reading it all would reset.
        status, raw = await asyncio.to_thread(
            simple_post, f"{base_url}/v1/content", b"x" * (3 * limit), "text/plain", STORE
        )
    assert status == 413
    assert json.loads(raw)["error"]["details"] == {"max_bytes": limit}
