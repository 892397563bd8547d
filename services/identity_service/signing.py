"""RSA signing keys and the access tokens they sign (RS256 JWTs, PyJWT + cryptography)."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from common_core.auth.jwks import SIGNING_ALGORITHM
from services.identity_service.domain import SigningKey

RSA_KEY_BITS = 2048


@functools.lru_cache(maxsize=16)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    """Parse a PEM once: loading validates the key (~0.1 s), which a login must not pay."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("signing keys are RSA keys")
    return key


def jwk_thumbprint(public_jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint: the kid is derived from the key, so it names it unambiguously."""
    canonical = json.dumps(
        {name: public_jwk[name] for name in ("e", "kty", "n")}, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_signing_key(now: datetime) -> SigningKey:
    """A fresh 2048-bit RSA key pair, active from `now` (~0.1 s of CPU)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    public_jwk: dict[str, Any] = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    kid = jwk_thumbprint(public_jwk)
    public_jwk.update({"kid": kid, "alg": SIGNING_ALGORITHM, "use": "sig"})
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return SigningKey(kid=kid, private_key_pem=pem, public_jwk=public_jwk, created_at=now)


@dataclass(frozen=True)
class IssuedToken:
    """A signed access token and how long it lives."""

    access_token: str
    expires_in: int


class TokenSigner:
    """Signs access tokens for one issuer and audience with a fixed lifetime."""

    def __init__(self, issuer: str, audience: str, ttl_seconds: int) -> None:
        self.issuer = issuer
        self.audience = audience
        self.ttl = timedelta(seconds=ttl_seconds)

    def sign(self, teacher_id: str, key: SigningKey, now: datetime) -> IssuedToken:
        """`sub` = teacher_id, `iat` = `nbf` = now, `exp` = now + ttl, `kid` in the header.

        Tokens carry no name or e-mail address: they travel through logs and proxies.
        """
        issued_at = int(now.timestamp())
        lifetime = int(self.ttl.total_seconds())
        claims = {
            "sub": teacher_id,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + lifetime,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(
            claims,
            _private_key(key.private_key_pem),
            algorithm=SIGNING_ALGORITHM,
            headers={"kid": key.kid},
        )
        return IssuedToken(access_token=token, expires_in=lifetime)


def jwks_document(keys: list[SigningKey]) -> dict[str, Any]:
    """The public half of `keys` as a JWKS (never a private parameter)."""
    public_names = {"kty", "n", "e", "kid", "alg", "use"}
    return {
        "keys": [
            {name: value for name, value in key.public_jwk.items() if name in public_names}
            for key in keys
        ]
    }
