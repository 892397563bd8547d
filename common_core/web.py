"""HTTP plumbing shared by the Quart services: JSON errors, request metrics, /metrics, serving.

Only HTTP services import this module (it needs the `http` extra: quart, hypercorn).
Every error leaves as `{"error": {"code", "message", "details"}}` with the right status;
unexpected exceptions become a 500 with no stack trace in the body (it goes to the log).
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from typing import Any

import structlog
from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pydantic import ValidationError
from quart import Quart, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from common_core.logs import get_logger
from common_core.request_body import DEFAULT_LINGER_SECONDS, FinishReadingBody
from common_core.task_dump import install_task_dump

logger = get_logger(__name__)

CORRELATION_HEADER = "X-Correlation-ID"

HTTP_REQUESTS = Counter(
    "huleedu_http_requests_total",
    "HTTP requests by route and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "huleedu_http_request_seconds", "HTTP request latency by route.", ["method", "route"]
)

# Werkzeug's exception names are prose ("Request Entity Too Large"); clients want stable codes.
_STATUS_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """Raise from a route to answer with a JSON error body and the given status."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
    """The fleet's error body: `{"error": {"code", "message", "details"}}`."""
    response = jsonify({"error": {"code": code, "message": message, "details": details}})
    response.status_code = status
    return response


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors as `[{field, message, type}]`, without echoing large inputs back."""
    return [
        {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]


def correlation_id() -> str:
    """The correlation id of the request being handled (from the header, else generated)."""
    value: str = g.correlation_id
    return value


def install_http_plumbing(app: Quart, linger_seconds: float = DEFAULT_LINGER_SECONDS) -> None:
    """Register error handlers, correlation ids, request metrics and GET /metrics on `app`.

    Also wraps it in `FinishReadingBody`, so a client still sending a body the app refused
    reads the refusal instead of a reset connection (up to `linger_seconds`).
    """
    wrapped = FinishReadingBody(app.asgi_app, linger_seconds)
    app.asgi_app = wrapped  # type: ignore[method-assign,assignment]
    _treat_deep_json_as_malformed(app)

    @app.before_request
    async def _start_request() -> None:
        g.started = time.perf_counter()
        g.correlation_id = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
        structlog.contextvars.bind_contextvars(correlation_id=g.correlation_id)

    @app.after_request
    async def _finish_request(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        started = getattr(g, "started", None)
        if started is not None:
            HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        if getattr(g, "correlation_id", None):
            response.headers[CORRELATION_HEADER] = g.correlation_id
        structlog.contextvars.unbind_contextvars("correlation_id")
        return response

    @app.errorhandler(ApiError)
    async def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(RequestEntityTooLarge)
    async def _too_large(_exc: RequestEntityTooLarge) -> Response:
        # Quart's own cap (MAX_CONTENT_LENGTH / MAX_FORM_PARTS, see cap_request_body).
        error = payload_too_large(current_app.config["MAX_CONTENT_LENGTH"])
        return error_response(error.status, error.code, error.message, error.details)

    @app.errorhandler(HTTPException)
    async def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        inner = getattr(exc, "validation_error", None)  # quart-schema's request validation
        if isinstance(inner, ValidationError):
            return error_response(
                422, "validation_error", "request failed validation", validation_details(inner)
            )
        message = exc.description or exc.name
        if inner is not None:
            message = f"malformed request body: {inner}"
        response = error_response(status, _STATUS_CODES.get(status, "http_error"), message)
        for name, value in exc.get_headers():
            if name.lower() == "allow":  # a 405 says which methods the route takes
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    async def _unexpected(exc: Exception) -> Response:
        logger.exception("unhandled_error", path=request.path)
        return error_response(500, "internal_error", "an unexpected error occurred")

    @app.get("/metrics")
    async def _metrics() -> Response:
        return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)


def _treat_deep_json_as_malformed(app: Quart) -> None:
    """Python's JSON parser recurses once per level of nesting, so `[[[[...` a few thousand deep
    raises RecursionError, which Quart and quart-schema do not expect (a 500). Every JSON body
    the app parses goes through `app.json.loads`; this makes such a body malformed (400).
    Call after the app's JSON provider is set."""
    loads = app.json.loads

    def loads_or_malformed(s: str | bytes, **kwargs: Any) -> Any:
        try:
            return loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None

    app.json.loads = loads_or_malformed  # type: ignore[method-assign]


async def drain_body() -> None:
    """Read the rest of the request body and drop it.

    Rarely needed: `FinishReadingBody` (installed by `install_http_plumbing`) already lets a
    client that is still sending read an early answer. Quart's cap still applies (an oversized
    body raises RequestEntityTooLarge here).
    """
    async for _chunk in request.body:
        pass


# How many times the limit Quart itself accepts. Since FinishReadingBody reads (and drops) a
# refused body to its end, a client always reads the 413 whatever the size, so Quart's cap can
# be the limit itself; kept as a parameter for routes that want to read past it.
DRAIN_FACTOR = 1


def cap_request_body(
    app: Quart, max_bytes: int, *, drain_factor: int = DRAIN_FACTOR, max_form_parts: int = 0
) -> None:
    """Quart's own hard limits: `max_bytes` (times `drain_factor`) per body, which Quart
    enforces while reading (a 413 `payload_too_large`), and `max_form_parts` multipart parts.
    """
    app.config["MAX_CONTENT_LENGTH"] = max_bytes * drain_factor
    if max_form_parts:
        app.config["MAX_FORM_PARTS"] = max_form_parts


def payload_too_large(max_bytes: int, message: str | None = None) -> ApiError:
    """The 413 for a body over `max_bytes`, naming the limit in its details."""
    return ApiError(
        413,
        "payload_too_large",
        message or f"the request body is larger than {max_bytes} bytes",
        {"max_bytes": max_bytes},
    )


def limit_request_body(app: Quart, max_bytes: int, drain_factor: int = DRAIN_FACTOR) -> None:
    """413 JSON for any request body larger than `max_bytes`.

    A declared length is checked before the route runs; a chunked body (no declared length)
    is cut off by Quart's cap when the route reads past the limit.
    """
    cap_request_body(app, max_bytes, drain_factor=drain_factor)

    @app.before_request
    async def _refuse_oversized_body() -> None:
        declared = request.content_length
        if declared is not None and declared > max_bytes:
            raise payload_too_large(max_bytes)


async def serve_app(
    app: Quart, host: str, port: int, *, websocket_max_message_size: int | None = None
) -> None:
    """Serve `app` with Hypercorn until SIGTERM or SIGINT, then shut down gracefully.

    `websocket_max_message_size` caps what one WebSocket message may be (Hypercorn's default
    is 16 MiB; a service whose clients only send small messages says so).
    """
    config = HypercornConfig()
    config.bind = [f"{host}:{port}"]
    if websocket_max_message_size is not None:
        config.websocket_max_message_size = websocket_max_message_size
    config.accesslog = None  # request metrics and structured logs replace the access log
    config.graceful_timeout = 5.0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    install_task_dump()  # SIGUSR1: log where every task waits
    logger.info("http_serving", host=host, port=port)
    await serve(app, config, shutdown_trigger=stop.wait)


async def require_json_body() -> None:
    """For a POST: 415 unless the body is declared JSON, 400 (with the position) unless it
    parses. quart-schema would read a non-JSON body as null and answer 422; the client
    deserves the real reason. Use as a blueprint's before_request hook."""
    if request.method != "POST":
        return
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            "request body must be JSON (Content-Type: application/json)",
            {"content_type": request.content_type},
        )
    try:
        json.loads(await request.get_data())
    except ValueError as exc:
        raise ApiError(400, "bad_request", f"malformed JSON body: {exc}") from None
    except RecursionError:
        # Python's parser recurses per level of nesting; no request of ours nests this deep.
        raise ApiError(400, "bad_request", "malformed JSON body: nested too deeply") from None
