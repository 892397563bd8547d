"""Offline verification of teachers' access tokens (RS256 JWTs signed by identity_service).

Only RS256 is accepted, decided before any key is looked at: `alg: none`, HS256 (with a
guessed secret or the public key used as an HMAC secret) and every other algorithm are refused
up front. `iss`, `aud`, `exp`, `nbf`, `iat` and `sub` are required; clocks may differ by
`leeway_seconds`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from common_core.auth.errors import AuthError
from common_core.auth.jwks import SIGNING_ALGORITHM, HttpJwksSource, JwksCache
from common_core.auth.settings import TokenVerificationSettings

REQUIRED_CLAIMS = ("exp", "iat", "nbf", "iss", "aud", "sub")
# A real token is well under 1 KB; refusing huge ones keeps parsing cheap under abuse.
MAX_TOKEN_CHARS = 8192


@dataclass(frozen=True)
class VerifiedToken:
    """A token that passed every check: who it speaks for, until when, and all its claims."""

    teacher_id: str
    expires_at: datetime
    claims: Mapping[str, Any]


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header; AuthError when absent or other."""
    if not authorization:
        raise AuthError("missing_token", "an 'Authorization: Bearer <token>' header is required")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthError("missing_token", "the Authorization header must be 'Bearer <token>'")
    return token


class TokenVerifier:
    """Checks a token against identity's published keys, issuer and audience; no network call
    except a (rate-limited) JWKS refresh when a token names a key not yet seen."""

    def __init__(
        self, keys: JwksCache, *, issuer: str, audience: str, leeway_seconds: float = 30.0
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds

    @classmethod
    def from_settings(cls, settings: TokenVerificationSettings) -> TokenVerifier:
        """A verifier fetching keys over HTTP from `settings.identity_jwks_url`."""
        keys = JwksCache(HttpJwksSource(settings.identity_jwks_url))
        return cls(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience)

    async def close(self) -> None:
        """Release the key source's HTTP session (call when the service stops)."""
        await self._keys.close()

    async def verify(self, token: str) -> VerifiedToken:
        """The verified token; AuthError for anything short of a valid, current, RS256 token
        for this issuer and audience. KeysUnavailableError when no key could be loaded."""
        if len(token) > MAX_TOKEN_CHARS:
            raise AuthError("invalid_token", "the token is too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise AuthError("invalid_token", "the token is malformed") from None
        if header.get("alg") != SIGNING_ALGORITHM:
            raise AuthError("invalid_token", f"only {SIGNING_ALGORITHM} tokens are accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 128:
            raise AuthError("invalid_token", "the token names no signing key")
        key = await self._keys.key(kid)
        claims = self._decode(token, key)
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise AuthError("invalid_token", "the token has no subject")
        return VerifiedToken(
            teacher_id=subject,
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            claims=claims,
        )

    def _decode(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[SIGNING_ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS), "strict_aud": True},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token_expired", "the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise AuthError("invalid_token", "the token is not valid yet") from None
        except (jwt.InvalidAudienceError, jwt.InvalidIssuerError):
            raise AuthError("invalid_token", "the token was not issued for this service") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError("invalid_token", f"the token lacks the '{exc.claim}' claim") from None
        except jwt.InvalidSignatureError:
            raise AuthError("invalid_token", "the token's signature is not valid") from None
        except jwt.InvalidTokenError:
            raise AuthError("invalid_token", "the token is malformed") from None
        return claims
