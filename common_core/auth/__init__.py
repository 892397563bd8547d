"""Authentication shared by every HTTP service: teachers' JWTs verified offline from identity's
JWKS, and Content Service's internal service token. Needs the `http` extra (pyjwt, aiohttp).

docs/security.md says where each check runs; `common_core.auth.quart` wires them into Quart.
"""

from common_core.auth.errors import AuthError, KeysUnavailableError
from common_core.auth.jwks import HttpJwksSource, JwksCache, JwksSource, parse_signing_keys
from common_core.auth.service_token import check_service_token, service_token_headers
from common_core.auth.settings import ContentServiceTokenSettings, TokenVerificationSettings
from common_core.auth.tokens import TokenVerifier, VerifiedToken, bearer_token

__all__ = [
    "AuthError",
    "ContentServiceTokenSettings",
    "HttpJwksSource",
    "JwksCache",
    "JwksSource",
    "KeysUnavailableError",
    "TokenVerificationSettings",
    "TokenVerifier",
    "VerifiedToken",
    "bearer_token",
    "check_service_token",
    "parse_signing_keys",
    "service_token_headers",
]
