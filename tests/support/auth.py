"""Teachers and their tokens for tests of the teacher-facing services.

- `IdentityUnderTest`: the real identity service (one per test session, see the root conftest's
  `identity` fixture): teachers registered and logged in over HTTP, real RS256 tokens, and the
  forged or stale tokens every guarded route must refuse (`refused_tokens`).
- `LocalIssuer`: a key made in the test process and a TokenVerifier trusting only it, for unit
  tests of an app without any identity server.
- `AuthedClient`: a Quart test client that sends a teacher's token with every request.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from quart.typing import TestClientProtocol
from quart.wrappers import Response
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core.auth import JwksCache, TokenVerifier
from common_core.auth.settings import DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER
from common_core.db import create_engine, session_factory
from services.identity_service.config import IdentitySettings
from services.identity_service.domain import SigningKey, active_key
from services.identity_service.repository import SqlUnitOfWorkFactory
from tests.support.identity import identity_settings, login, register, serving_identity
from tests.support.tokens import (
    claims_for,
    hs256_token,
    public_key_pem,
    rs256_token,
    unsigned_token,
)


@dataclass(frozen=True)
class Teacher:
    """A registered, logged-in teacher."""

    teacher_id: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """`Authorization: Bearer <token>`."""
        return {"Authorization": f"Bearer {self.token}"}


def bearer(token: str | None) -> dict[str, str]:
    """The Authorization header for `token` (none for None)."""
    return {"Authorization": f"Bearer {token}"} if token is not None else {}


class IdentityUnderTest:
    """The real identity service over HTTP, and its signing key read from its own store."""

    def __init__(self, url: str, settings: IdentitySettings, engine: AsyncEngine) -> None:
        self.url = url
        self.settings = settings
        self._engine = engine

    @property
    def jwks_url(self) -> str:
        """What a service's `identity_jwks_url` must be to trust this identity."""
        return f"{self.url}/v1/auth/jwks.json"

    async def teacher(self, label: str = "teacher") -> Teacher:
        """A new teacher, registered and logged in."""
        email = f"{label}-{uuid.uuid4().hex[:12]}@school.test"
        async with aiohttp.ClientSession() as http:
            account = await register(http, self.url, email)
            token = await login(http, self.url, email)
        return Teacher(account["teacher_id"], email, token)

    async def signing_key(self) -> SigningKey:
        """The key identity signs with now (to make well-signed tokens with wrong claims)."""
        async with SqlUnitOfWorkFactory(session_factory(self._engine))() as uow:
            key = active_key(await uow.signing_keys.all())
        assert key is not None
        return key

    async def refused_tokens(self, teacher_id: str) -> dict[str, dict[str, str]]:
        """Authorization headers a guarded route must answer 401 to, by name: no header, a
        malformed or non-Bearer one, expired, not yet valid, wrong audience or issuer,
        `alg: none`, HS256 with a guessed secret or the public key as secret."""
        key = await self.signing_key()
        s = self.settings
        now = int(time.time())

        def claims(**overrides: Any) -> dict[str, Any]:
            return claims_for(teacher_id, s.jwt_issuer, s.jwt_audience, **overrides)

        def signed(**overrides: Any) -> str:
            return rs256_token(claims(**overrides), key.private_key_pem, key.kid)

        expired = {"exp": now - 120, "iat": now - 720, "nbf": now - 720}
        return {
            "missing": {},
            "not_bearer": {"Authorization": f"Basic {uuid.uuid4().hex}"},
            "malformed": bearer("not.a-token"),
            "expired": bearer(signed(**expired)),
            "not_yet_valid": bearer(signed(nbf=now + 600)),
            "wrong_audience": bearer(signed(aud="another-fleet")),
            "wrong_issuer": bearer(signed(iss="https://evil.example")),
            "alg_none": bearer(unsigned_token(claims(), key.kid)),
            "hs256_guessed_secret": bearer(hs256_token(claims(), b"secret", key.kid)),
            "hs256_public_key": bearer(
                hs256_token(claims(), public_key_pem(key.public_jwk), key.kid)
            ),
        }


@asynccontextmanager
async def running_identity(directory: Path) -> AsyncIterator[IdentityUnderTest]:
    """identity_service on a SQLite file in `directory`, served for the block. Its login
    limits are raised: a test session logs in far more often than one address would."""
    settings = identity_settings(
        directory / "identity.sqlite3",
        login_attempts_per_address=100_000,
        login_failures_per_email=100_000,
    )
    engine = create_engine(settings.database_url)
    try:
        async with serving_identity(settings) as url:
            yield IdentityUnderTest(url, settings, engine)
    finally:
        await engine.dispose()


class _StaticJwks:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document

    async def __call__(self) -> Mapping[str, Any]:
        return self._document


class LocalIssuer:
    """Signs tokens with a key of its own; `verifier()` trusts exactly that key (unit tests)."""

    KID = "local-test-key"

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        self._jwks = {"keys": [{**public, "kid": self.KID, "alg": "RS256", "use": "sig"}]}

    def verifier(self) -> TokenVerifier:
        """A verifier with the fleet's default issuer and audience, trusting this key."""
        return TokenVerifier(
            JwksCache(_StaticJwks(self._jwks)),
            issuer=DEFAULT_JWT_ISSUER,
            audience=DEFAULT_JWT_AUDIENCE,
        )

    def token(self, teacher_id: str, **overrides: Any) -> str:
        """A valid token for `teacher_id` (`overrides` change or, with None, drop claims)."""
        claims = claims_for(teacher_id, DEFAULT_JWT_ISSUER, DEFAULT_JWT_AUDIENCE, **overrides)
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.KID})

    def headers(self, teacher_id: str) -> dict[str, str]:
        """`Authorization: Bearer` with a valid token for `teacher_id`."""
        return bearer(self.token(teacher_id))


class AuthedClient:
    """A Quart test client that sends `headers` (a teacher's Authorization) with every call;
    a call's own `headers` are added on top (and may replace it)."""

    def __init__(self, client: TestClientProtocol, headers: Mapping[str, str]) -> None:
        self.raw = client
        self.headers = dict(headers)

    async def open(self, path: str, *, method: str, **kwargs: Any) -> Response:
        """Any request, as the teacher."""
        headers = {**self.headers, **(kwargs.pop("headers", None) or {})}
        response: Response = await self.raw.open(path, method=method, headers=headers, **kwargs)
        return response

    async def get(self, path: str, **kwargs: Any) -> Response:
        return await self.open(path, method="GET", **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Response:
        return await self.open(path, method="POST", **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Response:
        return await self.open(path, method="DELETE", **kwargs)

    async def put(self, path: str, **kwargs: Any) -> Response:
        return await self.open(path, method="PUT", **kwargs)
