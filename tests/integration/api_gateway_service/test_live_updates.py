"""GET /v1/ws on real gateways with a real broker: who may connect, who gets which update,
every instance sees every event, heartbeats close silent clients, slow clients stay bounded."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from common_core.events import EventData
from common_core.kafka import KafkaEventPublisher, running_publisher
from tests.support.events import completed, essay_state, progress
from tests.support.gateway import GatewayFactory, Teacher, call
from tests.support.kafka import poll
from tests.support.tokens import claims_for, unsigned_token


@pytest.fixture(scope="module")
async def publisher(kafka_bootstrap: str) -> AsyncIterator[KafkaEventPublisher]:
    async with running_publisher(kafka_bootstrap, "batch_orchestrator_service") as publisher:
        yield publisher


def ws_url(base_url: str, token: str) -> str:
    return f"{base_url.replace('http://', 'ws://')}/v1/ws?token={token}"


async def next_message(ws: aiohttp.ClientWebSocketResponse, timeout: float = 10) -> Any:
    """The next live message, answering heartbeats on the way; the close frame as a tuple."""
    deadline = time.monotonic() + timeout
    while True:
        message = await ws.receive(timeout=max(0.01, deadline - time.monotonic()))
        if message.type != aiohttp.WSMsgType.TEXT:
            return ("closed", ws.close_code, message.extra)
        body = json.loads(message.data)
        if body["type"] == "ping":
            await ws.send_json({"type": "pong"})
            continue
        return body


@asynccontextmanager
async def live(base_url: str, teacher: Teacher) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A teacher's connection, once the gateway said it is registered."""
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(ws_url(base_url, teacher.token)) as ws,
    ):
        assert await next_message(ws) == {"type": "connected", "teacher_id": teacher.teacher_id}
        yield ws


async def publish(publisher: KafkaEventPublisher, *events: EventData) -> None:
    for event in events:
        await publisher.publish(event, correlation_id=f"corr-{uuid.uuid4().hex[:8]}")


@pytest.mark.parametrize(
    "token",
    ["", "not-a-jwt", unsigned_token(claims_for("someone", "huleedu-identity", "huleedu-fleet"))],
    ids=["missing", "malformed", "alg-none"],
)
async def test_a_bad_token_is_closed_with_policy_violation(gateway: str, token: str) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url(gateway, token)) as ws:
        closed = await next_message(ws)
    assert closed[:2] == ("closed", 1008)


async def test_updates_reach_the_owning_teachers_connections_only(
    gateway: str, publisher: KafkaEventPublisher, teachers: tuple[Teacher, Teacher]
) -> None:
    anna, bertil = teachers
    # One batch id: one partition per topic, so each topic's events arrive in order. The three
    # kinds travel on three topics, which Kafka does not order among themselves (ci23 got the
    # essay status first), so each connection's first three are checked by kind.
    batch = f"batch-{uuid.uuid4().hex[:8]}"
    async with (
        live(gateway, anna) as anna_ws,
        live(gateway, anna) as anna_tab,
        live(gateway, bertil) as bertil_ws,
    ):
        await publish(
            publisher,
            progress(batch, anna.teacher_id),
            essay_state(batch, "essay-1", anna.teacher_id),
            completed(batch, anna.teacher_id),
            progress(batch, None),  # names no teacher: shown to nobody
            progress(batch, bertil.teacher_id),  # the marker: bertil's first message
        )

        for ws in (anna_ws, anna_tab):
            got = {}
            for _ in range(3):
                message = await next_message(ws)
                got[message["type"]] = message
            assert sorted(got) == ["batch_completed", "batch_progress", "essay_status"]
            assert got["batch_progress"]["batch_id"] == batch
            assert got["batch_progress"]["status"] == "processing"
            counts = got["batch_progress"]["pipeline_state"]["spellcheck"]["essay_counts"]
            assert counts["successful"] == 1
            assert got["essay_status"] == {
                "type": "essay_status", "batch_id": batch, "essay_id": "essay-1",
                "status": "spellchecked_success", "phase": "spellcheck",
            }  # fmt: skip
            assert got["batch_completed"] == {
                "type": "batch_completed",
                "batch_id": batch,
                "status": "completed",
            }
        marker = await next_message(bertil_ws)
        assert marker["type"] == "batch_progress" and marker["batch_id"] == batch
        await publish(publisher, completed(batch, anna.teacher_id))
        assert (await next_message(anna_ws))["type"] == "batch_completed"  # not the None one


async def test_every_gateway_instance_sees_every_event(
    gateway: str,
    start_gateway: GatewayFactory,
    publisher: KafkaEventPublisher,
    teachers: tuple[Teacher, Teacher],
) -> None:
    anna, _ = teachers
    batch = f"batch-{uuid.uuid4().hex[:8]}"
    async with start_gateway() as second, live(gateway, anna) as one, live(second, anna) as two:
        await publish(publisher, completed(batch, anna.teacher_id))
        for ws in (one, two):
            message = await next_message(ws)
            assert message == {"type": "batch_completed", "batch_id": batch, "status": "completed"}


async def test_heartbeats_close_a_silent_client_and_keep_an_answering_one(
    start_gateway: GatewayFactory, teachers: tuple[Teacher, Teacher]
) -> None:
    anna, _ = teachers
    beats = {"ws_heartbeat_interval_seconds": 0.2, "ws_heartbeat_timeout_seconds": 0.7}
    async with start_gateway(**beats) as url, aiohttp.ClientSession() as http:
        # The silent connection's clock starts when the gateway accepts it, before the polite
        # one's handshake (a JWKS fetch when cold): time from before it opens, or a slow
        # handshake makes a correct close look early.
        opened = time.monotonic()
        async with (
            http.ws_connect(ws_url(url, anna.token)) as silent,
            live(url, anna) as polite,
        ):
            # The polite client answers every ping (next_message does) meanwhile.
            answering = asyncio.create_task(next_message(polite, timeout=3))
            while True:  # read, but never answer a ping
                message = await silent.receive(timeout=5)
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
            assert silent.close_code == 4408
            assert 0.7 <= time.monotonic() - opened < 5
            with pytest.raises(TimeoutError):
                await answering  # nothing but pings came: it outlived the silent one
            assert not polite.closed


async def raw_websocket(base_url: str, token: str) -> socket.socket:
    """A WebSocket opened by hand on a socket with a tiny receive buffer, never read again."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, (host, int(port)))
    await loop.sock_sendall(
        sock,
        (
            f"GET /v1/ws?token={token} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode(),
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += await loop.sock_recv(sock, 1)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


def metric(text: str, name: str) -> float:
    """The sum of a metric's samples whose line starts with `name` in a /metrics answer."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name) and not line.startswith("#")
    )


async def metrics_when(url: str, condition: Callable[[str], bool], failure: str) -> None:
    """Poll the gateway's /metrics until `condition` holds for the answer, with a deadline."""

    async def fetch() -> str:
        _, text, _ = await call("GET", f"{url}/metrics")
        return str(text)

    assert condition(await poll(fetch, condition, timeout=30)), failure


async def test_a_client_that_stops_reading_is_bounded_and_slows_nobody(
    start_gateway: GatewayFactory, publisher: KafkaEventPublisher, teachers: tuple[Teacher, Teacher]
) -> None:
    anna, bertil = teachers
    options = {
        "ws_queue_size": 8,
        "ws_heartbeat_interval_seconds": 0.5,
        # Longer than the flood takes to publish on a busy machine: the heartbeat dropping the
        # stuck client before its queue overflows would leave nothing to resync.
        "ws_heartbeat_timeout_seconds": 12.0,
        "ws_close_timeout_seconds": 0.5,
    }
    resync = 'huleedu_gateway_ws_messages_total{outcome="resync"'
    async with start_gateway(**options) as url, live(url, bertil) as fast:
        _, before, _ = await call("GET", f"{url}/metrics")
        stuck = await raw_websocket(url, anna.token)
        try:
            # 200 messages of ~64 KB: far more than the socket buffers and the outbox hold.
            padding = "x" * 64_000
            floods = [progress(f"flood-{i}-{padding}", anna.teacher_id) for i in range(200)]
            marker = f"batch-{uuid.uuid4().hex[:8]}"
            # The fast client keeps reading (and answering pings) while the flood goes out.
            fast_reads = asyncio.create_task(next_message(fast, timeout=30))
            # Pipelined, not one acknowledged send after another: one at a time, the flood took
            # 34 s at load ~25 (ci24), past both the fast client's wait and the stuck one's
            # heartbeat timeout, so the test measured the publisher instead of the gateway.
            events = [*floods, completed(marker, bertil.teacher_id)]
            await publisher.publish_many((event, f"corr-{i}") for i, event in enumerate(events))
            message = await fast_reads
            assert message["batch_id"] == marker  # the fast client got its update meanwhile

            # The stuck client's sender counts the resync when it gets to it, which on a busy
            # machine may be after the fast client has read its update: poll for it.
            await metrics_when(
                url, lambda now: metric(now, resync) > metric(before, resync), "no resync"
            )
            # The heartbeat gives up on the stuck client: it is no longer counted as open.
            open_ = "huleedu_gateway_ws_connections"
            await metrics_when(
                url,
                lambda now: metric(now, open_) <= metric(before, open_),
                "the stuck connection was never dropped",
            )
        finally:
            stuck.close()
