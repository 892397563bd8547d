"""GET /v1/ws?token=...: a teacher's live updates over a WebSocket.

The token is verified offline before anything else; a missing or bad one is answered by
accepting and at once closing with 1008 (policy violation), which a browser can read where a
refused handshake would only say "failed". Then three tasks share the connection: the sender
writes the connection's outbox (hub.py bounds it), the listener reads the client's messages
(only `pong`s are expected; any message counts as a sign of life), and the heartbeat sends a
`ping` every interval, closing the connection (4408) when the client has been silent past the
timeout, or (1008) when its token expires. docs/gateway.md lists the close codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime

from dishka import FromDishka
from quart import Blueprint, websocket
from quart_dishka import inject

from common_core.auth.errors import AuthError, KeysUnavailableError
from common_core.auth.tokens import TokenVerifier, VerifiedToken
from common_core.logs import get_logger
from services.api_gateway_service.config import GatewaySettings
from services.api_gateway_service.domain import connected_message
from services.api_gateway_service.hub import ConnectionHub, LiveConnection
from services.api_gateway_service.metrics import WS_CLOSED

logger = get_logger(__name__)

live = Blueprint("live", __name__)

CLOSE_POLICY_VIOLATION = 1008  # no valid token, or it expired
CLOSE_TRY_AGAIN_LATER = 1013  # the signing keys cannot be loaded right now
CLOSE_HEARTBEAT_TIMEOUT = 4408  # the client answered no heartbeat in time


class _Closing(Exception):
    """Ends a connection with a close code and reason."""

    def __init__(self, code: int, reason: str, metric: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.metric = metric


@live.websocket("/v1/ws")
@inject
async def live_updates(
    verifier: FromDishka[TokenVerifier],
    hub: FromDishka[ConnectionHub],
    settings: FromDishka[GatewaySettings],
) -> None:
    """Push the teacher's live messages until either side closes."""
    token = websocket.args.get("token", "")
    try:
        verified = await verifier.verify(token)
    except AuthError as exc:
        await websocket.accept()
        await _close(settings, _Closing(CLOSE_POLICY_VIOLATION, exc.message, "invalid_token"))
        return
    except KeysUnavailableError:
        await websocket.accept()
        await _close(
            settings, _Closing(CLOSE_TRY_AGAIN_LATER, "try again shortly", "auth_unavailable")
        )
        return
    await websocket.accept()
    connection = hub.connect(verified.teacher_id)
    logger.info("live_connection_opened", teacher_id=verified.teacher_id)
    try:
        await _serve(connection, verified, settings)
    except _Closing as closing:
        hub.disconnect(connection)  # nothing more is queued for a connection being closed
        await _close(settings, closing)
    finally:
        hub.disconnect(connection)
        logger.info("live_connection_closed", teacher_id=verified.teacher_id)


async def _serve(
    connection: LiveConnection, verified: VerifiedToken, settings: GatewaySettings
) -> None:
    """Run sender, listener and heartbeat until one ends; raises _Closing to close."""
    await websocket.send(connected_message(verified.teacher_id))
    last_heard = time.monotonic()

    async def send() -> None:
        while True:
            await websocket.send(await connection.next())

    async def listen() -> None:
        nonlocal last_heard
        while True:
            await websocket.receive()
            last_heard = time.monotonic()

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(settings.ws_heartbeat_interval_seconds)  # the beat itself
            if datetime.now(UTC) >= verified.expires_at:
                raise _Closing(CLOSE_POLICY_VIOLATION, "the token has expired", "token_expired")
            if time.monotonic() - last_heard > settings.ws_heartbeat_timeout_seconds:
                raise _Closing(CLOSE_HEARTBEAT_TIMEOUT, "no heartbeat", "heartbeat_timeout")
            connection.offer_ping()

    tasks = [asyncio.create_task(job()) for job in (send, listen, heartbeat)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        task.result()  # _Closing, or the error that ended the connection


async def _close(settings: GatewaySettings, closing: _Closing) -> None:
    """Send the close frame, unless the client's socket is too full to take it in time."""
    WS_CLOSED.labels(closing.metric).inc()
    logger.info("live_connection_closing", code=closing.code, reason=closing.metric)
    with contextlib.suppress(Exception):
        async with asyncio.timeout(settings.ws_close_timeout_seconds):
            await websocket.close(closing.code, closing.reason[:120])
