"""forward_call with a fake backend: what is checked before forwarding, and the body limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from common_core.auth.errors import AuthError
from services.api_gateway_service.clients import UpstreamRequest, UpstreamResponse
from services.api_gateway_service.domain import Backend, BodyTooLargeError, RouteNotFoundError
from services.api_gateway_service.handlers import (
    ForwardingPolicy,
    IncomingCall,
    forward_call,
    limited,
)

POLICY = ForwardingPolicy(max_body_bytes=100, max_upload_bytes=1000)


class FakeUpstream:
    """Answers 200 and keeps each call, reading its body the way aiohttp would."""

    def __init__(self) -> None:
        self.calls: list[tuple[UpstreamRequest, bytes]] = []

    async def forward(self, call: UpstreamRequest) -> UpstreamResponse:
        body = b"".join([chunk async for chunk in call.body]) if call.body else b""
        self.calls.append((call, body))
        return UpstreamResponse(200, {"Content-Type": "application/json"}, b"{}")

    async def is_healthy(self, backend: Backend) -> bool:
        return True


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def incoming(
    method: str, path: str, body: AsyncIterator[bytes] | None = None, length: int | None = None
) -> IncomingCall:
    return IncomingCall(
        method=method,
        path=path,
        query="a=1",
        headers=[("Authorization", "Bearer t")],
        peer="127.0.0.1",
        correlation_id="corr-1",
        declared_length=length,
        body=body,
    )


class Authenticator:
    def __init__(self, valid: bool) -> None:
        self.valid = valid
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1
        if not self.valid:
            raise AuthError("invalid_token", "no")


async def test_a_teacher_route_is_authenticated_before_it_is_forwarded() -> None:
    upstream, refuse = FakeUpstream(), Authenticator(valid=False)
    with pytest.raises(AuthError):
        await forward_call(incoming("GET", "/v1/batches/b-1"), upstream, POLICY, refuse)
    assert refuse.calls == 1 and upstream.calls == []


async def test_identity_routes_are_forwarded_without_the_gateways_check() -> None:
    upstream, refuse = FakeUpstream(), Authenticator(valid=False)
    call = incoming("POST", "/v1/auth/login", chunks(b'{"email": "a"}'))
    answer = await forward_call(call, upstream, POLICY, refuse)
    assert answer.status == 200 and refuse.calls == 0
    forwarded, body = upstream.calls[0]
    assert (forwarded.backend, forwarded.path, forwarded.query) == (
        Backend.IDENTITY, "/v1/auth/login", "a=1"
    )  # fmt: skip
    assert body == b'{"email": "a"}' and forwarded.headers["X-Correlation-ID"] == "corr-1"


async def test_a_declared_length_over_the_routes_limit_is_refused_unread() -> None:
    upstream = FakeUpstream()
    with pytest.raises(BodyTooLargeError) as refused:
        await forward_call(
            incoming("POST", "/v1/batches/register", chunks(b"x"), length=101),
            upstream,
            POLICY,
            Authenticator(valid=True),
        )
    assert refused.value.limit == 100 and upstream.calls == []


async def test_an_upload_gets_the_upload_limit_and_is_counted_as_it_streams() -> None:
    upstream, ok = FakeUpstream(), Authenticator(valid=True)
    await forward_call(
        incoming("POST", "/v1/files/batch", chunks(b"x" * 600, b"y" * 300)), upstream, POLICY, ok
    )
    assert upstream.calls[0][0].upload and len(upstream.calls[0][1]) == 900
    with pytest.raises(BodyTooLargeError):  # chunked: no declared length, counted on the way
        await forward_call(
            incoming("POST", "/v1/files/batch", chunks(b"x" * 600, b"y" * 600)),
            upstream,
            POLICY,
            ok,
        )


async def test_limited_passes_chunks_until_the_limit() -> None:
    assert [c async for c in limited(chunks(b"ab", b"cd"), 4)] == [b"ab", b"cd"]
    with pytest.raises(BodyTooLargeError):
        _ = [c async for c in limited(chunks(b"ab", b"cde"), 4)]


async def test_an_unknown_route_is_refused_before_authentication() -> None:
    auth = Authenticator(valid=True)
    with pytest.raises(RouteNotFoundError):
        await forward_call(incoming("GET", "/v1/content/x"), FakeUpstream(), POLICY, auth)
    assert auth.calls == 0
