"""Quart integration: guard a blueprint (or one route) with a teacher's token or a service token.

    verifier = TokenVerifier.from_settings(settings)
    install_token_auth(app, verifier)        # 401/503 JSON answers; closes the verifier on stop
    require_teacher(batches)                 # every route of the blueprint needs a valid token
    ...
    teacher_id = current_teacher_id()        # inside a guarded route

Routes on other blueprints or the app itself (`/healthz`, `/metrics`, `/openapi.json`) stay
open. Register the guard before the blueprint's other before_request hooks, so an anonymous
caller gets 401 before any 4xx about its body; `@teacher_required` on a single route goes
directly under the route decorator (above `@validate_request`) for the same reason.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import structlog
from pydantic import SecretStr
from quart import Blueprint, Quart, Response, current_app, g, request

from common_core.auth.errors import AuthError, KeysUnavailableError
from common_core.auth.service_token import check_service_token
from common_core.auth.tokens import TokenVerifier, VerifiedToken, bearer_token
from common_core.web import error_response

VERIFIER_EXTENSION = "huleedu_token_verifier"
REALM = "huleedu"
KEYS_RETRY_AFTER_SECONDS = 5

P = ParamSpec("P")
R = TypeVar("R")


def auth_error_response(exc: AuthError) -> Response:
    """401 with the fleet's JSON error body and an RFC 6750 `WWW-Authenticate` challenge."""
    response = error_response(401, exc.code, exc.message)
    if exc.code == "missing_token":
        response.headers["WWW-Authenticate"] = f'Bearer realm="{REALM}"'
    else:
        description = exc.message.replace('"', "'")
        response.headers["WWW-Authenticate"] = (
            f'Bearer realm="{REALM}", error="invalid_token", error_description="{description}"'
        )
    return response


def install_auth_errors(app: Quart) -> None:
    """AuthError → 401, KeysUnavailableError → 503 with Retry-After, as JSON, on `app`."""

    @app.errorhandler(AuthError)
    async def _unauthenticated(exc: AuthError) -> Response:
        return auth_error_response(exc)

    @app.errorhandler(KeysUnavailableError)
    async def _keys_unavailable(exc: KeysUnavailableError) -> Response:
        response = error_response(503, "auth_unavailable", str(exc))
        response.headers["Retry-After"] = str(KEYS_RETRY_AFTER_SECONDS)
        return response


def install_token_auth(app: Quart, verifier: TokenVerifier) -> None:
    """Make `verifier` the app's, answer auth failures as JSON, close it when serving stops."""
    app.extensions[VERIFIER_EXTENSION] = verifier
    install_auth_errors(app)
    app.after_serving(verifier.close)


async def authenticate_request() -> VerifiedToken:
    """Verify the current request's bearer token; remembers it in `g` and binds teacher_id
    to the log context. Raises AuthError / KeysUnavailableError."""
    verifier: TokenVerifier = current_app.extensions[VERIFIER_EXTENSION]
    verified = await verifier.verify(bearer_token(request.headers.get("Authorization")))
    g.verified_token = verified
    structlog.contextvars.bind_contextvars(teacher_id=verified.teacher_id)
    return verified


def require_teacher(blueprint: Blueprint) -> Blueprint:
    """Every route of `blueprint` needs a valid teacher token (401 otherwise)."""

    @blueprint.before_request
    async def _require_teacher() -> None:
        await authenticate_request()

    return blueprint


def teacher_required(route: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Decorator for a single route (when its blueprint also serves open routes)."""

    @functools.wraps(route)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        await authenticate_request()
        return await route(*args, **kwargs)

    return guarded


def current_verified_token() -> VerifiedToken:
    """The verified token of the request; RuntimeError in a route no guard protects."""
    verified: VerifiedToken | None = g.get("verified_token")
    if verified is None:
        raise RuntimeError("current_teacher_id() used in a route without require_teacher")
    return verified


def current_teacher_id() -> str:
    """The authenticated teacher's id (the token's `sub`)."""
    return current_verified_token().teacher_id


def require_service_token(blueprint: Blueprint, expected: SecretStr | str) -> Blueprint:
    """Every route of `blueprint` needs `Authorization: Bearer <expected>` (Content Service)."""

    @blueprint.before_request
    async def _require_service_token() -> None:
        check_service_token(request.headers.get("Authorization"), expected)

    return blueprint
