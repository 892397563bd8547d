"""The verifier every service uses (common_core.auth), against the real identity server over
HTTP: a guarded Quart app served by Hypercorn fetches the JWKS from identity and must answer
each forged, stale or misdirected token with a 401 JSON error and a Bearer challenge."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from quart import Blueprint, Quart, jsonify
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core.auth import HttpJwksSource, JwksCache, TokenVerifier
from common_core.auth.quart import current_teacher_id, install_token_auth, require_teacher
from common_core.db import create_engine, session_factory
from common_core.web import install_http_plumbing
from services.identity_service.config import IdentitySettings
from services.identity_service.domain import SigningKey, active_key
from services.identity_service.repository import SqlUnitOfWorkFactory
from tests.support.http import serving
from tests.support.identity import (
    call,
    identity_settings,
    login,
    register,
    run_cli,
    serving_identity,
)
from tests.support.tokens import (
    claims_for,
    hs256_token,
    public_key_pem,
    rs256_token,
    unsigned_token,
)

REFRESH_INTERVAL = 0.5


def protected_app(jwks_url: str, settings: IdentitySettings) -> Quart:
    """What BOS, File Service or ELS API will look like: one guarded blueprint, open health."""
    app = Quart("protected")
    install_http_plumbing(app)
    cache = JwksCache(HttpJwksSource(jwks_url), min_refresh_interval_seconds=REFRESH_INTERVAL)
    verifier = TokenVerifier(cache, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    install_token_auth(app, verifier)
    app.extensions["jwks_cache"] = cache
    mine = require_teacher(Blueprint("mine", __name__))

    @mine.get("/v1/mine")
    async def whoami() -> Any:
        return jsonify({"teacher_id": current_teacher_id()})

    @app.get("/healthz")
    async def healthz() -> Any:
        return jsonify({"status": "ok"})

    app.register_blueprint(mine)
    return app


@dataclass
class Fleetlet:
    identity_url: str
    protected_url: str
    settings: IdentitySettings
    http: aiohttp.ClientSession
    engine: AsyncEngine
    cache: JwksCache

    async def active_key(self) -> SigningKey:
        """identity's current signing key, read from its store (to sign well-formed tokens)."""
        async with SqlUnitOfWorkFactory(session_factory(self.engine))() as uow:
            key = active_key(await uow.signing_keys.all())
        assert key is not None
        return key

    async def get_mine(self, token: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return await call(self.http, "GET", f"{self.protected_url}/v1/mine", headers=headers)

    async def jwks_fetches(self) -> float:
        """JWKS requests identity has answered (its request counter; the registry is shared)."""
        async with self.http.get(f"{self.identity_url}/metrics") as response:
            text = await response.text()
        pattern = r'huleedu_http_requests_total\{method="GET",route="/v1/auth/jwks.json",' \
                  r'status="200"\} ([0-9.e+]+)'  # fmt: skip
        return sum(float(value) for value in re.findall(pattern, text))


@pytest.fixture
async def fleetlet(tmp_path: Path) -> AsyncIterator[Fleetlet]:
    settings = identity_settings(tmp_path / "identity.db")
    engine = create_engine(settings.database_url)
    async with serving_identity(settings) as identity_url:
        app = protected_app(f"{identity_url}/v1/auth/jwks.json", settings)
        async with serving(app) as protected_url, aiohttp.ClientSession() as http:
            yield Fleetlet(
                identity_url, protected_url, settings, http, engine, app.extensions["jwks_cache"]
            )
    await engine.dispose()


async def teacher_token(f: Fleetlet) -> tuple[str, str, str]:
    """A new teacher's id, e-mail address and access token."""
    email = f"t-{uuid.uuid4().hex[:10]}@school.example.se"
    teacher = await register(f.http, f.identity_url, email)
    return teacher["teacher_id"], email, await login(f.http, f.identity_url, email)


async def assert_refused(f: Fleetlet, token: str | None, code: str = "invalid_token") -> None:
    status, body, headers = await f.get_mine(token)
    assert status == 401, body
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert headers["WWW-Authenticate"].startswith('Bearer realm="huleedu"')


async def test_a_token_from_identity_is_accepted_and_health_stays_open(fleetlet: Fleetlet) -> None:
    teacher_id, _, token = await teacher_token(fleetlet)
    status, body, _ = await fleetlet.get_mine(token)
    assert status == 200 and body == {"teacher_id": teacher_id}
    status, _, _ = await call(fleetlet.http, "GET", f"{fleetlet.protected_url}/healthz")
    assert status == 200
    status, _, _ = await call(fleetlet.http, "GET", f"{fleetlet.identity_url}/healthz")
    assert status == 200


async def test_missing_and_malformed_tokens_are_refused(fleetlet: Fleetlet) -> None:
    await assert_refused(fleetlet, None, "missing_token")
    for token in ("abc", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30", "x" * 10_000):
        await assert_refused(fleetlet, token)
    async with fleetlet.http.get(
        f"{fleetlet.protected_url}/v1/mine", headers={"Authorization": "Basic dGVhY2hlcg=="}
    ) as response:
        assert response.status == 401


async def test_alg_none_and_hs256_forgeries_are_refused(fleetlet: Fleetlet) -> None:
    teacher_id, _, _ = await teacher_token(fleetlet)
    key = await fleetlet.active_key()
    claims = claims_for(teacher_id, fleetlet.settings.jwt_issuer, fleetlet.settings.jwt_audience)
    await assert_refused(fleetlet, unsigned_token(claims, key.kid))
    await assert_refused(fleetlet, unsigned_token(claims))
    for secret in (b"secret", b"huleedu", b""):
        await assert_refused(fleetlet, hs256_token(claims, secret, key.kid))
    # The classic confusion attack: the published public key used as an HMAC secret.
    await assert_refused(fleetlet, hs256_token(claims, public_key_pem(key.public_jwk), key.kid))


_TIME_CLAIMS = frozenset({"exp", "iat", "nbf"})


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        # Times are offsets from the moment the test runs, not from collection: a suite longer
        # than the offset would otherwise see a "future" nbf already in the past.
        ({"exp": -120, "iat": -720, "nbf": -720}, "token_expired"),
        ({"nbf": 600}, "invalid_token"),
        ({"aud": "some-other-fleet"}, "invalid_token"),
        ({"iss": "https://evil.example"}, "invalid_token"),
        ({"exp": None}, "invalid_token"),
        ({"sub": None}, "invalid_token"),
    ],
    ids=["expired", "not-yet-valid", "wrong-audience", "wrong-issuer", "no-exp", "no-sub"],
)
async def test_well_signed_tokens_with_wrong_claims_are_refused(
    fleetlet: Fleetlet, overrides: dict[str, Any], code: str
) -> None:
    key = await fleetlet.active_key()
    s = fleetlet.settings
    now = int(time.time())
    claims = {
        name: now + value if name in _TIME_CLAIMS and value is not None else value
        for name, value in overrides.items()
    }
    token = rs256_token(claims_for("t-1", s.jwt_issuer, s.jwt_audience, **claims),
                        key.private_key_pem, key.kid)  # fmt: skip
    await assert_refused(fleetlet, token, code)
    good = rs256_token(claims_for("t-1", s.jwt_issuer, s.jwt_audience), key.private_key_pem,
                       key.kid)  # fmt: skip
    assert (await fleetlet.get_mine(good))[0] == 200  # the same key, right claims: accepted


async def test_forged_kids_do_not_hammer_identity(fleetlet: Fleetlet) -> None:
    _, _, token = await teacher_token(fleetlet)
    assert (await fleetlet.get_mine(token))[0] == 200
    key = await fleetlet.active_key()
    s = fleetlet.settings
    before = await fleetlet.jwks_fetches()
    started = time.monotonic()
    forged = [
        rs256_token(claims_for("t", s.jwt_issuer, s.jwt_audience), key.private_key_pem, f"k{i}")
        for i in range(40)
    ]
    await asyncio.gather(*(assert_refused(fleetlet, token) for token in forged))
    elapsed = time.monotonic() - started
    fetched = await fleetlet.jwks_fetches() - before
    assert fetched <= 1 + elapsed / REFRESH_INTERVAL, (fetched, elapsed)


async def test_rotation_new_key_is_fetched_on_its_first_token_and_old_tokens_stay_valid(
    fleetlet: Fleetlet,
) -> None:
    teacher_id, email, old_token = await teacher_token(fleetlet)
    assert (await fleetlet.get_mine(old_token))[0] == 200
    old_kid = (await fleetlet.active_key()).kid

    code, output = await run_cli(fleetlet.settings.database_url, "rotate-key")
    assert code == 0, output
    new_kid = (await fleetlet.active_key()).kid
    assert new_kid != old_kid and fleetlet.cache.kids == {old_kid}

    _, jwks, _ = await call(fleetlet.http, "GET", f"{fleetlet.identity_url}/v1/auth/jwks.json")
    assert [k["kid"] for k in jwks["keys"]] == [new_kid, old_kid]

    new_token = await login(fleetlet.http, fleetlet.identity_url, email)
    deadline = time.monotonic() + 10
    while True:  # a refresh may wait out the rate limit's interval after the last fetch
        status, body, _ = await fleetlet.get_mine(new_token)
        if status == 200 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    assert status == 200 and body == {"teacher_id": teacher_id}
    assert new_kid in fleetlet.cache.kids
    assert (await fleetlet.get_mine(old_token))[0] == 200  # nobody was logged out
