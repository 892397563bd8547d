"""Content Service's internal credential: one shared secret, compared in constant time."""

from __future__ import annotations

import hmac

from pydantic import SecretStr

from common_core.auth.errors import AuthError
from common_core.auth.tokens import bearer_token
from common_core.content import service_token_headers

__all__ = ["check_service_token", "service_token_headers"]


def check_service_token(authorization: str | None, expected: SecretStr | str) -> None:
    """Raise AuthError unless `authorization` is `Bearer <expected>`.

    An empty `expected` refuses everything: a service left without a token must not be open.
    Bytes are compared so a non-ASCII header cannot raise instead of failing (compare_digest
    refuses non-ASCII str).
    """
    secret = expected.get_secret_value() if isinstance(expected, SecretStr) else expected
    presented = bearer_token(authorization)
    if not secret or not hmac.compare_digest(presented.encode(), secret.encode()):
        raise AuthError("invalid_token", "the service token is not valid")
