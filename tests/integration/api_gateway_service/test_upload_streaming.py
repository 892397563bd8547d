"""A large upload streams through a real gateway process without being held in its memory.

The gateway runs as its own process so its peak resident memory (VmHWM) is its own; the
backend double reads the upload slowly, so a gateway that buffered would hold most of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from common_core.processes import free_port, terminate_async
from tests.support.gateway import BackendDouble, Teacher, bearer, serving_backend

ROOT = Path(__file__).resolve().parents[3]
MIB = 1024 * 1024
BODY_BYTES = 40 * MIB
# Hypercorn's queue, the body's high-water mark and the backend socket's buffer are well under
# this; a gateway holding the body would grow by about BODY_BYTES.
ALLOWED_GROWTH_BYTES = 12 * MIB


@pytest.fixture(scope="module")
async def slow_backend() -> AsyncIterator[BackendDouble]:
    # ~64 KiB per 3 ms: 40 MiB take about two seconds to read, far slower than loopback.
    async with serving_backend(BackendDouble(upload_chunk_delay=0.003)) as double:
        yield double


@pytest.fixture(scope="module")
async def gateway_process(
    kafka_bootstrap: str,
    identity_url: str,
    slow_backend: BackendDouble,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[str, int]]:
    """The gateway as a process of its own, in front of identity and the slow backend."""
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_PORT": str(port),
        "GATEWAY_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "GATEWAY_IDENTITY_URL": identity_url,
        "GATEWAY_IDENTITY_JWKS_URL": f"{identity_url}/v1/auth/jwks.json",
        "GATEWAY_BOS_URL": slow_backend.url,
        "GATEWAY_FILE_SERVICE_URL": slow_backend.url,
        "GATEWAY_ELS_API_URL": slow_backend.url,
    }
    log = (tmp_path_factory.mktemp("gateway") / "gateway.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.api_gateway_service.app",
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_healthy(url, process)
        yield url, process.pid
    finally:
        await terminate_async(process, 10)
        log.close()


async def wait_healthy(url: str, process: asyncio.subprocess.Process, timeout: float = 60) -> None:
    """Poll /healthz until 200 (the consumer is positioned and the backends answer)."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while time.monotonic() < deadline:
            assert process.returncode is None, "the gateway exited"
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)  # polling the health endpoint with a deadline
    raise TimeoutError("the gateway did not become healthy")


def peak_resident_bytes(pid: int) -> int:
    """The process's peak resident set size (VmHWM) so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def multipart(boundary: str, payload: bytes) -> bytes:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="batch_id"\r\n\r\nb-1\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    return head + payload + f"\r\n--{boundary}--\r\n".encode()


async def post(url: str, teacher: Teacher, body: bytes, chunked: bool) -> dict[str, object]:
    boundary = "gateway-test-boundary"
    headers = {**bearer(teacher), "Content-Type": f"multipart/form-data; boundary={boundary}"}

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), MIB):
            yield body[start : start + MIB]

    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{url}/v1/files/batch", data=pieces() if chunked else body, headers=headers
        ) as response,
    ):
        assert response.status == 202, await response.text()
        answer: dict[str, object] = await response.json()
        return answer


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_large_upload_streams_through_with_bounded_memory(
    gateway_process: tuple[str, int], teachers: tuple[Teacher, Teacher], chunked: bool
) -> None:
    url, pid = gateway_process
    anna, _ = teachers
    await post(url, anna, multipart("b", b"warm-up " * 1000), chunked)  # code paths loaded
    before = peak_resident_bytes(pid)
    body = multipart("gateway-test-boundary", os.urandom(BODY_BYTES))

    answer = await post(url, anna, body, chunked)

    assert answer == {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    growth = peak_resident_bytes(pid) - before
    assert growth < ALLOWED_GROWTH_BYTES, f"the gateway's peak memory grew {growth / MIB:.1f} MiB"


async def test_an_upload_over_the_limit_is_refused_with_413_and_never_reaches_the_backend(
    gateway_process: tuple[str, int],
    teachers: tuple[Teacher, Teacher],
    slow_backend: BackendDouble,
) -> None:
    url, _ = gateway_process
    anna, _ = teachers
    before = len(slow_backend.seen)
    body = multipart("gateway-test-boundary", b"x" * (53 * MIB))
    headers = {
        **bearer(anna),
        "Content-Type": "multipart/form-data; boundary=gateway-test-boundary",
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/v1/files/batch", data=body, headers=headers) as response,
    ):
        assert response.status == 413
        assert (await response.json())["error"]["details"] == {"max_bytes": 52 * MIB}
    await asyncio.sleep(0)  # nothing to wait for: the refusal came before any forwarding
    assert len(slow_backend.seen) == before
