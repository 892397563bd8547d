"""common_core.auth without a network: the JWKS cache's refresh rules, the verifier's checks,
the service token, and the Quart guard's 401 answers. Over real HTTP against identity_service:
tests/integration/identity_service/test_token_verification.py."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from quart import Blueprint, Quart, jsonify

from common_core.auth import (
    AuthError,
    JwksCache,
    KeysUnavailableError,
    TokenVerifier,
    bearer_token,
    check_service_token,
    service_token_headers,
)
from common_core.auth.jwks import COLD_ATTEMPTS
from common_core.auth.quart import (
    current_teacher_id,
    install_token_auth,
    require_service_token,
    require_teacher,
)
from common_core.metadata import utc_now
from common_core.web import install_http_plumbing
from services.identity_service.signing import jwks_document, new_signing_key
from tests.support.tokens import claims_for, hs256_token, public_key_pem, rs256_token

ISS, AUD = "test-issuer", "test-audience"
KEY = new_signing_key(utc_now())
OTHER_KEY = new_signing_key(utc_now())


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingSource:
    """Serves a changeable JWKS and counts fetches; can be made to fail."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.fetches = 0
        self.failing = False

    async def __call__(self) -> Mapping[str, Any]:
        self.fetches += 1
        if self.failing:
            raise ConnectionError("identity is down")
        return self.document


def verifier_over(source: CountingSource, clock: Clock | None = None) -> TokenVerifier:
    cache = JwksCache(source, min_refresh_interval_seconds=5, clock=clock or Clock())
    return TokenVerifier(cache, issuer=ISS, audience=AUD)


def good_token(key: Any = KEY, **overrides: Any) -> str:
    return rs256_token(claims_for("teacher-1", ISS, AUD, **overrides), key.private_key_pem, key.kid)


async def test_a_valid_token_yields_the_teacher() -> None:
    verified = await verifier_over(CountingSource(jwks_document([KEY]))).verify(good_token())
    assert verified.teacher_id == "teacher-1"
    assert verified.claims["aud"] == AUD


async def test_a_flood_of_unknown_kids_fetches_the_jwks_once_per_interval() -> None:
    source, clock = CountingSource(jwks_document([KEY])), Clock()
    verifier = verifier_over(source, clock)
    await verifier.verify(good_token())
    for i in range(50):
        forged = rs256_token(claims_for("t", ISS, AUD), OTHER_KEY.private_key_pem, f"forged-{i}")
        with pytest.raises(AuthError):
            await verifier.verify(forged)
    assert source.fetches == 1
    clock.now += 5
    with pytest.raises(AuthError):
        await verifier.verify(good_token(OTHER_KEY))
    assert source.fetches == 2


async def test_a_rotated_in_key_is_fetched_and_trusted_and_the_old_one_kept() -> None:
    source, clock = CountingSource(jwks_document([KEY])), Clock()
    verifier = verifier_over(source, clock)
    old_token = good_token()
    await verifier.verify(old_token)
    source.document = jwks_document([OTHER_KEY, KEY])
    clock.now += 5
    assert (await verifier.verify(good_token(OTHER_KEY))).teacher_id == "teacher-1"
    assert (await verifier.verify(old_token)).teacher_id == "teacher-1"


async def test_identity_down_keeps_cached_keys_and_with_none_answers_unavailable() -> None:
    source, clock = CountingSource(jwks_document([KEY])), Clock()
    verifier = verifier_over(source, clock)
    await verifier.verify(good_token())
    source.failing = True
    clock.now += 10_000  # cache stale: refresh fails, the held key still verifies
    assert (await verifier.verify(good_token())).teacher_id == "teacher-1"

    empty = CountingSource({})
    empty.failing = True
    with pytest.raises(KeysUnavailableError):
        await verifier_over(empty).verify(good_token())


async def test_keys_of_other_types_or_uses_in_the_jwks_are_not_trusted() -> None:
    document = jwks_document([KEY])
    document["keys"][0]["use"] = "enc"
    with pytest.raises(AuthError):
        await verifier_over(CountingSource(document)).verify(good_token())


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (good_token(lifetime=-120), "token_expired"),
        (good_token(iat=None), "invalid_token"),
        (good_token(sub=""), "invalid_token"),
        (hs256_token(claims_for("t", ISS, AUD), public_key_pem(KEY.public_jwk), KEY.kid),
         "invalid_token"),
        ("x" * 9000, "invalid_token"),
    ],
)  # fmt: skip
async def test_bad_tokens_raise_typed_errors(token: str, code: str) -> None:
    with pytest.raises(AuthError) as caught:
        await verifier_over(CountingSource(jwks_document([KEY]))).verify(token)
    assert caught.value.code == code


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer   "])
def test_missing_or_non_bearer_authorization_is_missing_token(header: str | None) -> None:
    with pytest.raises(AuthError) as caught:
        bearer_token(header)
    assert caught.value.code == "missing_token"


def test_service_token_is_compared_exactly_and_an_empty_secret_refuses_all() -> None:
    check_service_token("Bearer s3cret-token", "s3cret-token")
    for header in ("Bearer s3cret-tokeN", "Bearer s3cret", "Bearer ünïcode", None):
        with pytest.raises(AuthError):
            check_service_token(header, "s3cret-token")
    with pytest.raises(AuthError):
        check_service_token("Bearer ", "")
    assert service_token_headers("abc") == {"Authorization": "Bearer abc"}
    assert service_token_headers("") == {}


async def test_quart_guard_answers_401_json_and_leaves_other_routes_open() -> None:
    app = Quart(__name__)
    install_http_plumbing(app)
    install_token_auth(app, verifier_over(CountingSource(jwks_document([KEY]))))
    teachers = require_teacher(Blueprint("teachers", __name__))
    internal = require_service_token(Blueprint("internal", __name__), "svc-token")

    @teachers.get("/mine")
    async def mine() -> Any:
        return jsonify({"teacher_id": current_teacher_id()})

    @internal.get("/internal")
    async def internal_route() -> Any:
        return jsonify({"ok": True})

    @app.get("/healthz")
    async def healthz() -> Any:
        return jsonify({"status": "ok"})

    app.register_blueprint(teachers)
    app.register_blueprint(internal)
    client = app.test_client()

    ok = await client.get("/mine", headers={"Authorization": f"Bearer {good_token()}"})
    assert ok.status_code == 200 and (await ok.get_json()) == {"teacher_id": "teacher-1"}
    missing = await client.get("/mine")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="huleedu"'
    assert (await missing.get_json())["error"]["code"] == "missing_token"
    expired = await client.get(
        "/mine", headers={"Authorization": f"Bearer {good_token(lifetime=-120)}"}
    )
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
    assert (await expired.get_json())["error"]["code"] == "token_expired"
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/metrics")).status_code == 200
    assert (await client.get("/internal")).status_code == 401
    svc = await client.get("/internal", headers={"Authorization": "Bearer svc-token"})
    assert svc.status_code == 200


class SlowSource(CountingSource):
    """A JWKS source that answers only when released, to hold a fetch in flight."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        super().__init__(document)
        self.release = asyncio.Event()

    async def __call__(self) -> Mapping[str, Any]:
        await self.release.wait()
        return await super().__call__()


async def test_callers_during_the_first_fetch_wait_for_it_instead_of_failing() -> None:
    source = SlowSource(jwks_document([KEY]))
    verifier = TokenVerifier(
        JwksCache(source, min_refresh_interval_seconds=5, clock=Clock()), issuer=ISS, audience=AUD
    )
    first = asyncio.create_task(verifier.verify(good_token()))
    await asyncio.sleep(0)  # the first caller is now fetching
    second = asyncio.create_task(verifier.verify(good_token()))
    await asyncio.sleep(0)
    assert not second.done()
    source.release.set()
    verified = await asyncio.gather(first, second)
    assert [v.teacher_id for v in verified] == ["teacher-1", "teacher-1"]
    assert source.fetches == 1


class FailsFirst(CountingSource):
    """Fails its first `failures` fetches (identity slow to answer at start-up), then serves."""

    def __init__(self, document: Mapping[str, Any], failures: int) -> None:
        super().__init__(document)
        self.failures = failures

    async def __call__(self) -> Mapping[str, Any]:
        self.failing = self.fetches < self.failures
        return await super().__call__()


async def test_holding_no_key_yet_a_failed_fetch_is_tried_again_at_once() -> None:
    source = FailsFirst(jwks_document([KEY]), failures=COLD_ATTEMPTS - 1)

    assert (await verifier_over(source).verify(good_token())).teacher_id == "teacher-1"
    assert source.fetches == COLD_ATTEMPTS


async def test_holding_keys_a_failed_refresh_is_not_retried_before_the_interval() -> None:
    source, clock = CountingSource(jwks_document([KEY])), Clock()
    verifier = verifier_over(source, clock)
    await verifier.verify(good_token())
    source.failing = True
    clock.now += 10_000  # stale: one refresh attempt, which fails; the held key still works
    await verifier.verify(good_token())
    assert source.fetches == 2
