"""Key material, the JWKS shape, the real login throttle and client-address resolution."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.identity_service.api.auth import client_address
from services.identity_service.domain import LoginThrottledError
from services.identity_service.signing import jwk_thumbprint, jwks_document, new_signing_key
from services.identity_service.throttle import LoginThrottle

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_kid_is_the_rfc7638_thumbprint_and_the_jwks_holds_no_private_part() -> None:
    key = new_signing_key(NOW)
    assert key.kid == jwk_thumbprint(key.public_jwk)
    assert "BEGIN PRIVATE KEY" in key.private_key_pem
    [published] = jwks_document([key])["keys"]
    assert set(published) == {"kty", "n", "e", "kid", "alg", "use"}
    assert (published["alg"], published["use"], published["kid"]) == ("RS256", "sig", key.kid)


def test_rfc7638_example_thumbprint() -> None:
    # The worked example of RFC 7638, section 3.1.
    jwk = {
        "kty": "RSA",
        "e": "AQAB",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6"
        "tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-6"
        "5YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLy"
        "rdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJz"
        "KnqDKgw",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


async def test_failures_per_email_are_limited_and_answered_with_a_retry_time() -> None:
    throttle = LoginThrottle(3, 900, 100, 60)
    for _ in range(3):
        await throttle.admit("anna@ex.se", "10.0.0.1")
        await throttle.record_failure("anna@ex.se")
    with pytest.raises(LoginThrottledError) as caught:
        await throttle.admit("anna@ex.se", "10.0.0.2")  # another address does not help
    assert 0 < caught.value.retry_after_seconds <= 900
    await throttle.admit("bert@ex.se", "10.0.0.1")  # other accounts are unaffected


async def test_successful_logins_do_not_use_up_the_email_limit() -> None:
    throttle = LoginThrottle(2, 900, 100, 60)
    for _ in range(5):
        await throttle.admit("anna@ex.se", "10.0.0.1")


async def test_attempts_per_address_are_limited_whatever_the_account() -> None:
    throttle = LoginThrottle(100, 900, 4, 60)
    for i in range(4):
        await throttle.admit(f"user{i}@ex.se", "10.0.0.9")
    with pytest.raises(LoginThrottledError) as caught:
        await throttle.admit("user9@ex.se", "10.0.0.9")
    assert 0 < caught.value.retry_after_seconds <= 60
    await throttle.admit("user9@ex.se", "10.0.0.10")


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("10.0.0.5", "1.2.3.4", [], "10.0.0.5"),  # nobody trusted: the header is ignored
        ("10.0.0.5", "1.2.3.4", ["10.0.0.0/24"], "1.2.3.4"),
        ("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.7", ["10.0.0.0/24"], "1.2.3.4"),
        ("10.0.0.5", None, ["10.0.0.5"], "10.0.0.5"),
        ("192.168.1.1", "1.2.3.4", ["10.0.0.0/24"], "192.168.1.1"),
        (None, None, [], "unknown"),
    ],
)
def test_client_address_believes_only_trusted_proxies(
    peer: str | None, forwarded: str | None, trusted: list[str], expected: str
) -> None:
    assert client_address(peer, forwarded, trusted) == expected
