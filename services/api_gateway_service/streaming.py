"""Request bodies that stream through the gateway with bounded memory.

Quart's ASGI layer copies every chunk the server receives into the request's body buffer as
fast as the client sends, whether or not the route reads it: a 25 MB upload to a slower
backend would sit in the gateway's memory whole. Here the receiving side waits while more
than `HIGH_WATER_BYTES` are buffered and unread. Hypercorn's per-request queue is bounded
too, so a fast client is held back by TCP flow control, and a streaming route holds at most
about HIGH_WATER_BYTES + Hypercorn's queue (10 reads of up to 64 KiB) + the backend socket's
write buffer, whatever the body's size.

A route that awaits the whole body (`await request.get_data()`) turns the limit off for its
request, since it must see the end before it can read anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

from hypercorn.typing import ASGIReceiveCallable
from quart import Quart
from quart.asgi import ASGIHTTPConnection
from quart.wrappers import Request
from quart.wrappers.request import Body

HIGH_WATER_BYTES = 256 * 1024


class FlowControlledBody(Body):
    """A Body that tells its feeder to wait while HIGH_WATER_BYTES wait unread."""

    def __init__(self, expected_content_length: int | None, max_content_length: int | None):
        super().__init__(expected_content_length, max_content_length)
        self._room = asyncio.Event()
        self._room.set()
        self._whole = False

    async def wait_for_room(self) -> None:
        """Return once the reader has taken what was buffered (or wants the whole body)."""
        await self._room.wait()

    def append(self, data: bytes) -> None:
        super().append(data)
        if not self._whole and len(self._data) >= HIGH_WATER_BYTES:
            self._room.clear()

    def set_complete(self) -> None:
        super().set_complete()
        self._room.set()  # nothing more will come; never hold the feeder

    async def __anext__(self) -> bytes:
        try:
            return await super().__anext__()
        finally:
            self._room.set()

    def __await__(self) -> Generator[Any, None, Any]:
        self._whole = True
        self._room.set()
        return super().__await__()


class StreamingRequest(Request):
    """Quart's Request with a flow-controlled body."""

    body_class = FlowControlledBody


class FlowControlledHTTPConnection(ASGIHTTPConnection):
    """Quart's ASGI HTTP handler that receives the next chunk only when there is room."""

    async def handle_messages(self, request: Request, receive: ASGIReceiveCallable) -> None:
        body = request.body
        while True:
            if isinstance(body, FlowControlledBody):
                await body.wait_for_room()
            message = await receive()
            if message["type"] == "http.request":
                body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body.set_complete()
            elif message["type"] == "http.disconnect":
                return


def stream_request_bodies(app: Quart) -> None:
    """Make `app` stream request bodies with bounded memory (see the module docstring)."""
    app.request_class = StreamingRequest
    app.asgi_http_class = FlowControlledHTTPConnection
