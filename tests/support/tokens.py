"""Forged and hand-made access tokens for the token-verification tests.

PyJWT rightly refuses to make some of these (an HS256 token keyed with a PEM public key), so
the forgeries are assembled by hand, as an attacker would.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JWTs use."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_for(
    teacher_id: str, issuer: str, audience: str, lifetime: int = 600, **overrides: Any
) -> dict[str, Any]:
    """A complete, currently valid claim set; `overrides` replace (or, with None, drop) claims."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": teacher_id, "iss": issuer, "aud": audience,
        "iat": now, "nbf": now, "exp": now + lifetime,
    }  # fmt: skip
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def _segments(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return ".".join(
        b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )


def unsigned_token(claims: dict[str, Any], kid: str | None = None) -> str:
    """`alg: none` with an empty signature."""
    header: dict[str, Any] = {"alg": "none", "typ": "JWT"}
    if kid:
        header["kid"] = kid
    return _segments(header, claims) + "."


def hs256_token(claims: dict[str, Any], secret: bytes, kid: str | None = None) -> str:
    """HS256 with any secret, e.g. a guessed one or the verifier's own public key PEM."""
    header: dict[str, Any] = {"alg": "HS256", "typ": "JWT"}
    if kid:
        header["kid"] = kid
    signing_input = _segments(header, claims)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


@functools.lru_cache(maxsize=32)
def _private_key(pem: str) -> Any:
    return serialization.load_pem_private_key(pem.encode(), password=None)


def rs256_token(claims: dict[str, Any], private_key_pem: str, kid: str) -> str:
    """A properly signed RS256 token (the claims decide whether it should pass)."""
    return jwt.encode(
        claims, _private_key(private_key_pem), algorithm="RS256", headers={"kid": kid}
    )


def public_key_pem(public_jwk: dict[str, Any]) -> bytes:
    """The PEM of a JWK's public key: what an attacker would try as an HMAC secret."""
    key = jwt.PyJWK(public_jwk).key
    return key.public_bytes(  # type: ignore[no-any-return]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
