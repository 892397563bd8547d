"""The public REST routes under /v1/: parse the call, let the handler forward it, relay the
answer; the gateway's own refusals (401, 404, 405, 413, 502-504) as the fleet's JSON errors."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response, request
from quart_dishka import inject

from common_core.auth.errors import AuthError, KeysUnavailableError
from common_core.auth.quart import authenticate_request
from common_core.web import DRAIN_FACTOR, correlation_id, error_response
from services.api_gateway_service.domain import (
    BackendTimeoutError,
    BackendUnavailableError,
    BadGatewayError,
    BodyTooLargeError,
    MethodNotAllowedError,
    RouteNotFoundError,
)
from services.api_gateway_service.handlers import (
    ForwardingPolicy,
    IncomingCall,
    body_limit_for,
    forward_call,
)
from services.api_gateway_service.protocols import Upstream

proxy = Blueprint("proxy", __name__)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
RETRY_AFTER_SECONDS = "5"


def _has_body() -> bool:
    declared = request.content_length
    return bool(declared) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


async def _drain(limit: int) -> None:
    """Read what is left of the body (up to DRAIN_FACTOR x the route's limit) and drop it,
    chunk by chunk: a client that sends its whole body before reading the answer then sees
    the refusal instead of a reset connection (common_core.web.drain_body says more)."""
    if not _has_body() or (request.content_length or 0) > DRAIN_FACTOR * limit:
        return
    seen = 0
    try:
        async for chunk in request.body:
            seen += len(chunk)
            if seen > DRAIN_FACTOR * limit:
                return
    except Exception:  # the body was already consumed, cut off or refused: nothing to drain
        return


@proxy.route("/v1/<path:rest>", methods=METHODS)
@inject
async def forward(
    rest: str, upstream: FromDishka[Upstream], policy: FromDishka[ForwardingPolicy]
) -> Response:
    """Any public route: the backend's answer with its status, body and relevant headers."""
    call = IncomingCall(
        method=request.method,
        path=f"/v1/{rest}",
        query=request.query_string.decode("latin-1"),
        headers=list(request.headers.items()),
        peer=request.remote_addr,
        correlation_id=correlation_id(),
        declared_length=request.content_length,
        body=request.body if _has_body() else None,
    )
    try:
        answer = await forward_call(call, upstream, policy, authenticate_request)
    except (AuthError, KeysUnavailableError):
        await _drain(body_limit_for(call.method, call.path, policy))
        raise  # answered 401 / 503 by common_core.auth.quart's handlers
    except RouteNotFoundError:
        await _drain(policy.max_body_bytes)
        return error_response(404, "not_found", f"no public route {call.path}")
    except MethodNotAllowedError as exc:
        await _drain(policy.max_body_bytes)
        response = error_response(
            405, "method_not_allowed", f"{call.method} is not allowed on {call.path}"
        )
        response.headers["Allow"] = ", ".join(exc.allowed)
        return response
    except BodyTooLargeError as exc:
        await _drain(exc.limit)
        return error_response(413, "payload_too_large", str(exc), {"max_bytes": exc.limit})
    except BackendUnavailableError as exc:
        await _drain(body_limit_for(call.method, call.path, policy))
        response = error_response(503, "service_unavailable", str(exc))
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        return response
    except BackendTimeoutError as exc:
        return error_response(504, "gateway_timeout", str(exc))
    except BadGatewayError as exc:
        return error_response(502, "bad_gateway", str(exc))
    return Response(answer.body, status=answer.status, headers=dict(answer.headers))
