"""Let a client that sends its whole body before reading always read the answer.

A route may answer before it has read the request body: a 413 for a body over the limit, a 415
for the wrong media type, a 401 for a missing token. Hypercorn then ends the connection as soon
as the response is complete, and closing a socket whose receive buffer still holds unread bytes
makes the kernel send a reset. A simple client (urllib, `curl` without `Expect`) is still writing
at that moment: it gets `EPIPE` or `ECONNRESET` instead of the answer, or loses the answer it
had already received — how often depends on socket-buffer timing, which is why it showed up as
a flaky test.

`FinishReadingBody` wraps the ASGI app. It passes the response through at once (status, headers
and body bytes reach the client's receive buffer), but holds back the final "end of response"
message until the client has sent the rest of its body, which is read and thrown away as it
arrives — so memory stays bounded whatever the size. The wait is bounded by time, not bytes
(`linger_seconds`): a client that trickles or stalls is cut off afterwards, as before. Once the
body is complete, the connection ends cleanly or is kept alive for the next request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[..., Awaitable[None]]

DEFAULT_LINGER_SECONDS = 30.0


def _expects_body(scope: MutableMapping[str, Any]) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"transfer-encoding":
            return True
        if name == b"content-length":
            return value.strip() not in (b"", b"0")
    return False


class FinishReadingBody:
    """ASGI middleware: the response ends only after the request body was read to its end
    (or `linger_seconds` passed); what arrives after the response started is discarded."""

    def __init__(self, app: AsgiApp, linger_seconds: float = DEFAULT_LINGER_SECONDS) -> None:
        self.app = app
        self.linger_seconds = linger_seconds

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _expects_body(scope):
            await self.app(scope, receive, send)
            return
        body_read = asyncio.Event()
        responding = False

        async def receive_body() -> Message:
            message = await receive()
            if message["type"] == "http.disconnect" or not message.get("more_body", False):
                body_read.set()
            if responding and message.get("body"):
                # The app has decided; nobody will look at the rest, so do not keep it.
                message = {**message, "body": b""}
            return message

        async def send_response(message: Message) -> None:
            nonlocal responding
            if message["type"] == "http.response.start":
                responding = True
            is_last = message["type"] == "http.response.body" and not message.get("more_body")
            if not is_last or body_read.is_set():
                await send(message)
                return
            if message.get("body"):
                await send({**message, "more_body": True})
            # The app's own receiver keeps pulling the body (and, via receive_body, drops it)
            # while this send waits; the end of the response follows the end of the body.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.linger_seconds):
                    await body_read.wait()
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app(scope, receive_body, send_response)
