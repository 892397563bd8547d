"""The gateway's decisions as plain data and functions, no I/O: which backend serves a public
route, which headers cross the gateway, and which live message an event becomes for whom."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from common_core.events import (
    BatchLifecycleCompleted,
    BatchPipelineProgressUpdated,
    EssayLifecycleStateUpdated,
    EventData,
)


class Backend(StrEnum):
    """The services behind the gateway's public routes."""

    IDENTITY = "identity_service"
    BOS = "batch_orchestrator_service"
    FILE = "file_service"
    ELS = "essay_lifecycle_api"


class RouteNotFoundError(Exception):
    """No public route has this path."""


class MethodNotAllowedError(Exception):
    """The path is a public route, but not for this method."""

    def __init__(self, allowed: Sequence[str]) -> None:
        super().__init__(f"allowed methods: {', '.join(allowed)}")
        self.allowed = list(allowed)


# An id or a path segment the gateway passes on: no slashes, no "..", nothing to re-encode.
SEGMENT = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}"
_ID = f"(?:{SEGMENT})"


@dataclass(frozen=True)
class PublicRoute:
    """One public route: its methods, path pattern, backend and how its body is treated.

    `teacher_only`: the gateway checks the bearer token itself before forwarding (the backend
    checks it again, and ownership). `upload`: the body is a large multipart stream with the
    upload limits and timeout.
    """

    methods: frozenset[str]
    pattern: re.Pattern[str]
    backend: Backend
    teacher_only: bool = True
    upload: bool = False


def _route(methods: str, path: str, backend: Backend, **options: bool) -> PublicRoute:
    return PublicRoute(frozenset(methods.split()), re.compile(path), backend, **options)


# DESIGN.md's public REST API, each route once. Everything under /v1/auth is identity's own
# business (login and registration are open; identity checks the token on /me itself), and
# everything under /v1/essays belongs to the ELS API.
PUBLIC_ROUTES: tuple[PublicRoute, ...] = (
    _route("GET POST", rf"/v1/auth(?:/{SEGMENT})+", Backend.IDENTITY, teacher_only=False),
    _route("GET", r"/v1/batches", Backend.BOS),
    _route("POST", r"/v1/batches/register", Backend.BOS),
    _route("GET DELETE", rf"/v1/batches/{_ID}", Backend.BOS),
    _route("POST", rf"/v1/batches/{_ID}/pipelines", Backend.BOS),
    _route("GET", rf"/v1/batches/{_ID}/essays", Backend.ELS),
    _route("POST", r"/v1/files/batch", Backend.FILE, upload=True),
    _route("GET", rf"/v1/essays/{_ID}(?:/{SEGMENT})*", Backend.ELS),
)


def resolve_route(method: str, path: str) -> PublicRoute:
    """The public route for `method` and (decoded) `path`.

    Raises RouteNotFoundError or MethodNotAllowedError; HEAD is served wherever GET is.
    """
    matching = [route for route in PUBLIC_ROUTES if route.pattern.fullmatch(path)]
    if not matching:
        raise RouteNotFoundError(path)
    wanted = "GET" if method == "HEAD" else method
    for route in matching:
        if wanted in route.methods:
            return route
    raise MethodNotAllowedError(sorted({m for route in matching for m in route.methods}))


# Request headers a backend needs; everything else (cookies, hop-by-hop headers) stays here.
FORWARDED_REQUEST_HEADERS = (
    "Accept",
    "Accept-Language",
    "Authorization",
    "Content-Length",
    "Content-Type",
    "Idempotency-Key",
    "If-None-Match",
    "User-Agent",
)
# Answer headers a browser may need; Content-Length and the like are the gateway's own.
RELAYED_RESPONSE_HEADERS = (
    "Cache-Control",
    "Content-Disposition",
    "Content-Type",
    "ETag",
    "Location",
    "Retry-After",
    "WWW-Authenticate",
)


def is_trusted(address: str | None, trusted: Sequence[str]) -> bool:
    """Whether `address` is one of the trusted proxies (IPs or CIDRs)."""
    if not address or not trusted:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(entry, strict=False) for entry in trusted)


def forwarded_for(peer: str | None, incoming: str | None, trusted: Sequence[str]) -> str:
    """The X-Forwarded-For a backend gets: the peer appended to the incoming chain when the
    peer is a trusted proxy; otherwise the peer alone (a browser's own header is dropped)."""
    address = peer or "unknown"
    if incoming and is_trusted(peer, trusted):
        return f"{incoming}, {address}"
    return address


def backend_request_headers(
    incoming: Iterable[tuple[str, str]],
    *,
    correlation_id: str,
    peer: str | None,
    trusted_proxies: Sequence[str],
) -> dict[str, str]:
    """The headers sent to the backend: the allowed ones, the correlation id, X-Forwarded-For."""
    wanted = {name.lower(): name for name in FORWARDED_REQUEST_HEADERS}
    headers = {wanted[name.lower()]: value for name, value in incoming if name.lower() in wanted}
    incoming_xff = next((v for n, v in incoming if n.lower() == "x-forwarded-for"), None)
    headers["X-Correlation-ID"] = correlation_id
    headers["X-Forwarded-For"] = forwarded_for(peer, incoming_xff, trusted_proxies)
    return headers


def relayed_response_headers(incoming: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The backend's answer headers the browser gets."""
    wanted = {name.lower(): name for name in RELAYED_RESPONSE_HEADERS}
    return {wanted[name.lower()]: value for name, value in incoming if name.lower() in wanted}


@dataclass(frozen=True)
class LiveMessage:
    """A message for one teacher's WebSocket connections, serialised once for all of them."""

    teacher_id: str
    kind: str
    text: str


def _message(teacher_id: str, body: Mapping[str, Any]) -> LiveMessage:
    return LiveMessage(teacher_id, str(body["type"]), json.dumps(body, separators=(",", ":")))


def live_message(data: EventData) -> LiveMessage | None:
    """DESIGN.md's WebSocket message for an event, addressed to the batch's teacher.

    None for an event without a teacher (published before events carried one): such an
    update is never shown to anybody rather than guessed at.
    """
    teacher_id: str | None = getattr(data, "teacher_id", None)
    if not teacher_id:
        return None
    if isinstance(data, BatchPipelineProgressUpdated):
        return _message(
            teacher_id,
            {
                "type": "batch_progress",
                "batch_id": data.batch_id,
                "status": data.batch_status.value,
                "pipeline_state": data.pipeline_state.model_dump(mode="json"),
            },
        )
    if isinstance(data, EssayLifecycleStateUpdated):
        return _message(
            teacher_id,
            {
                "type": "essay_status",
                "batch_id": data.batch_id,
                "essay_id": data.entity_ref.entity_id,
                "status": data.status.value,
                "phase": data.phase.value,
            },
        )
    if isinstance(data, BatchLifecycleCompleted):
        return _message(
            teacher_id,
            {"type": "batch_completed", "batch_id": data.batch_id, "status": data.status.value},
        )
    return None


# Messages of the gateway's own, beside DESIGN.md's three (docs/gateway.md).
CONNECTED = "connected"  # first message: the connection is registered and will get updates
PING = json.dumps({"type": "ping"})  # heartbeat; the client answers {"type": "pong"}
RESYNC = json.dumps({"type": "resync"})  # updates were dropped: re-read the state over REST


def connected_message(teacher_id: str) -> str:
    """The first message on a connection: from now on every update for the teacher arrives."""
    return json.dumps({"type": CONNECTED, "teacher_id": teacher_id})


class BodyTooLargeError(Exception):
    """The request body is over the route's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit} bytes")
        self.limit = limit


class BackendUnavailableError(Exception):
    """The backend could not be reached (nothing listening, connection refused)."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(f"{backend.value} is unavailable")
        self.backend = backend


class BackendTimeoutError(Exception):
    """The backend did not answer in time."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(f"{backend.value} did not answer in time")
        self.backend = backend


class BadGatewayError(Exception):
    """The backend answered with something the gateway cannot relay (broken or too large)."""

    def __init__(self, backend: Backend, reason: str) -> None:
        super().__init__(f"{backend.value} gave an invalid answer: {reason}")
        self.backend = backend
