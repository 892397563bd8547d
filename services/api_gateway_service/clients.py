"""The backends over HTTP: one pooled aiohttp session forwards calls and asks for health.

A request body is an async iterator the gateway passes through chunk by chunk; aiohttp writes
each chunk and waits for the socket to drain before taking the next, so a slow backend holds
the reading back (streaming.py carries that back to the client). Answers are read whole, up
to a limit: they are JSON documents and essay texts, never uploads.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import aiohttp
from yarl import URL

from common_core.logs import get_logger
from services.api_gateway_service.domain import (
    Backend,
    BackendTimeoutError,
    BackendUnavailableError,
    BadGatewayError,
    BodyTooLargeError,
    relayed_response_headers,
)
from services.api_gateway_service.metrics import UPSTREAM_REQUESTS, UPSTREAM_SECONDS

logger = get_logger(__name__)

READ_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class UpstreamRequest:
    """One call for a backend, already checked: path validated, headers chosen."""

    backend: Backend
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: AsyncIterator[bytes] | None = None
    upload: bool = False


@dataclass(frozen=True)
class UpstreamResponse:
    """A backend's answer as the browser gets it."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class UpstreamTimeouts:
    """How long to wait: to connect, for a whole call, for an upload's answer."""

    connect_seconds: float
    request_seconds: float
    upload_seconds: float


class HttpUpstream:
    """Forwards calls to the backends' base URLs over one connection pool."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_urls: Mapping[Backend, str],
        timeouts: UpstreamTimeouts,
        max_response_bytes: int,
    ) -> None:
        self._session = session
        self._base_urls = {backend: url.rstrip("/") for backend, url in base_urls.items()}
        self._call_timeout = aiohttp.ClientTimeout(
            total=timeouts.request_seconds, sock_connect=timeouts.connect_seconds
        )
        # An upload's body may take long to arrive from a slow client; what is bounded is the
        # silence after it was sent while File Service stores texts and publishes events.
        self._upload_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=timeouts.connect_seconds, sock_read=timeouts.upload_seconds
        )
        self._health_timeout = aiohttp.ClientTimeout(total=2.0)
        self._max_response_bytes = max_response_bytes

    def url(self, backend: Backend, path: str, query: str = "") -> URL:
        """The backend URL for a validated path and the client's raw query string."""
        text = f"{self._base_urls[backend]}{path}" + (f"?{query}" if query else "")
        return URL(text, encoded=True)

    async def forward(self, call: UpstreamRequest) -> UpstreamResponse:
        """The backend's answer, whatever its status; raises BackendUnavailableError,
        BackendTimeoutError or BadGatewayError when there is no answer to relay (and lets a
        BodyTooLargeError from the body iterator through)."""
        started = time.perf_counter()
        outcome = "bad_gateway"
        try:
            answer = await self._send(call)
            outcome = str(answer.status)
            return answer
        except BackendUnavailableError:
            outcome = "unavailable"
            raise
        except BackendTimeoutError:
            outcome = "timeout"
            raise
        except BodyTooLargeError:
            outcome = "body_too_large"
            raise
        finally:
            UPSTREAM_REQUESTS.labels(call.backend.value, outcome).inc()
            UPSTREAM_SECONDS.labels(call.backend.value).observe(time.perf_counter() - started)

    async def _send(self, call: UpstreamRequest) -> UpstreamResponse:
        try:
            async with self._session.request(
                call.method,
                self.url(call.backend, call.path, call.query),
                headers=dict(call.headers),
                data=call.body,
                allow_redirects=False,
                timeout=self._upload_timeout if call.upload else self._call_timeout,
            ) as response:
                body = await self._read_limited(call.backend, response)
                return UpstreamResponse(
                    response.status, relayed_response_headers(response.headers.items()), body
                )
        except BodyTooLargeError:
            raise
        except aiohttp.ClientConnectorError as exc:
            logger.warning("backend_unreachable", backend=call.backend.value, error=repr(exc))
            raise BackendUnavailableError(call.backend) from exc
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutError subclasses
            logger.warning("backend_timed_out", backend=call.backend.value)
            raise BackendTimeoutError(call.backend) from exc
        except aiohttp.ClientError as exc:
            # The body iterator's own error arrives wrapped when aiohttp was writing it.
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, BodyTooLargeError):
                raise cause from None
            logger.warning("backend_call_failed", backend=call.backend.value, error=repr(exc))
            raise BadGatewayError(call.backend, type(exc).__name__) from exc

    async def _read_limited(self, backend: Backend, response: aiohttp.ClientResponse) -> bytes:
        parts: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(READ_CHUNK_BYTES):
            size += len(chunk)
            if size > self._max_response_bytes:
                raise BadGatewayError(backend, f"answer over {self._max_response_bytes} bytes")
            parts.append(chunk)
        return b"".join(parts)

    async def is_healthy(self, backend: Backend) -> bool:
        """Whether the backend's /healthz answers 200 within two seconds."""
        try:
            async with self._session.get(
                self.url(backend, "/healthz"), timeout=self._health_timeout
            ) as response:
                await response.read()
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False
