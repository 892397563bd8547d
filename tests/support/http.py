"""Run a real Quart app under Hypercorn on a free port for the length of a test."""

from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import aiohttp
from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig
from quart import Quart

from common_core.processes import free_port
from common_core.task_dump import task_stacks


@asynccontextmanager
async def serving(app: Quart, timeout: float = 15.0, port: int | None = None) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 (`port`, else a free one) and yield its base URL once it
    answers HTTP; stop afterwards."""
    port = port or free_port()
    config = HypercornConfig()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    config.graceful_timeout = 2.0
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))
    base_url = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_answering(base_url, task, timeout)
        yield base_url
    finally:
        stop.set()
        await _stopped(task, base_url)


# Far beyond a clean stop (Hypercorn's graceful timeout, the app's own shutdown), far below the
# test timeout: a server that does not stop is reported with what it is waiting for.
_STOP_LIMIT_SECONDS = 60.0


async def _stopped(task: asyncio.Task[None], base_url: str) -> None:
    try:
        async with asyncio.timeout(_STOP_LIMIT_SECONDS):
            await asyncio.shield(task)
    except TimeoutError:
        stacks = task_stacks()  # each task's await chain: where the shutdown waits
        task.cancel()
        raise AssertionError(
            f"{base_url} did not stop within {_STOP_LIMIT_SECONDS:.0f}s; the tasks: {stacks}"
        ) from None


async def _wait_until_answering(base_url: str, task: asyncio.Task[None], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if task.done():
                task.result()  # surfaces the startup error
                raise RuntimeError("server stopped before answering")
            with suppress(aiohttp.ClientError):
                async with session.get(f"{base_url}/metrics") as response:
                    await response.read()
                    return
            await asyncio.sleep(0.05)
    raise TimeoutError(f"{base_url} did not answer within {timeout}s")


async def raw_get(
    base_url: str, raw_path: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """GET `raw_path` byte for byte (no client-side normalising or re-encoding)."""
    host, port = base_url.removeprefix("http://").split(":")
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            f"GET {raw_path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n".encode()
        )
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
        with suppress(ConnectionError):
            await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body


def simple_post(
    url: str, body: bytes, content_type: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """POST the way a simple client does (urllib: whole body first, then read the answer).

    Blocking; call it through asyncio.to_thread. A reset connection propagates as OSError.
    """
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
