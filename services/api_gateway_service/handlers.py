"""Decisions on each call and each event: which backend, with which limits and headers; which
teacher sees an update. Entry points (api/, live_consumer.py) parse and reply; I/O is behind
the protocols."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from common_core.envelope import EventEnvelope
from common_core.logs import get_logger
from services.api_gateway_service.clients import UpstreamRequest, UpstreamResponse
from services.api_gateway_service.domain import (
    BodyTooLargeError,
    MethodNotAllowedError,
    PublicRoute,
    RouteNotFoundError,
    backend_request_headers,
    live_message,
    resolve_route,
)
from services.api_gateway_service.metrics import WS_MESSAGES
from services.api_gateway_service.protocols import LiveUpdates, Upstream

logger = get_logger(__name__)


@dataclass(frozen=True)
class IncomingCall:
    """A browser's call as the API layer parsed it."""

    method: str
    path: str
    query: str
    headers: Sequence[tuple[str, str]]
    peer: str | None
    correlation_id: str
    declared_length: int | None
    body: AsyncIterator[bytes] | None


@dataclass(frozen=True)
class ForwardingPolicy:
    """Limits and trust: body sizes per kind of route, and which peers are proxies."""

    max_body_bytes: int
    max_upload_bytes: int
    trusted_proxies: Sequence[str] = ()

    def body_limit(self, route: PublicRoute) -> int:
        """The largest body `route` takes."""
        return self.max_upload_bytes if route.upload else self.max_body_bytes


def body_limit_for(method: str, path: str, policy: ForwardingPolicy) -> int:
    """The body limit of the route a call is for (the JSON limit when there is no route)."""
    try:
        return policy.body_limit(resolve_route(method, path))
    except (RouteNotFoundError, MethodNotAllowedError):  # no more than a JSON call's
        return policy.max_body_bytes


async def limited(chunks: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    """Pass `chunks` through; BodyTooLargeError once more than `limit` bytes went by (a chunked
    body declares no length, so it is counted on the way)."""
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen > limit:
            raise BodyTooLargeError(limit)
        yield chunk


async def forward_call(
    call: IncomingCall,
    upstream: Upstream,
    policy: ForwardingPolicy,
    authenticate: Callable[[], Awaitable[Any]],
) -> UpstreamResponse:
    """Forward a public call to its backend and return the backend's answer.

    Raises RouteNotFoundError / MethodNotAllowedError for what is not a public route, the
    token errors of `authenticate` on a teacher route without a valid token (checked here so
    an anonymous upload is refused before any of it is streamed), BodyTooLargeError, and the
    backend errors of `upstream`.
    """
    route = resolve_route(call.method, call.path)
    if route.teacher_only:
        await authenticate()
    limit = policy.body_limit(route)
    if call.declared_length is not None and call.declared_length > limit:
        raise BodyTooLargeError(limit)
    headers = backend_request_headers(
        call.headers,
        correlation_id=call.correlation_id,
        peer=call.peer,
        trusted_proxies=policy.trusted_proxies,
    )
    body = limited(call.body, limit) if call.body is not None else None
    return await upstream.forward(
        UpstreamRequest(
            route.backend, call.method, call.path, call.query, headers, body, route.upload
        )
    )


async def deliver_live_update(envelope: EventEnvelope[Any], updates: LiveUpdates) -> None:
    """Push the event's message to its teacher's connections; an event that names no teacher
    is shown to nobody."""
    message = live_message(envelope.data)
    if message is None:
        WS_MESSAGES.labels(envelope.event_type, "unrouted").inc()
        logger.debug("live_update_unrouted", batch_id=envelope.data.batch_id)
        return
    updates.publish(message)
