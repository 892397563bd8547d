"""identity's pure rules: e-mail normalisation and which keys sign and which are published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.identity_service.domain import (
    KEY_RETIREMENT_GRACE,
    InvalidEmailError,
    SigningKey,
    active_key,
    login_key,
    normalise_email,
    published_keys,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def key(kid: str, created: datetime, retired: datetime | None = None) -> SigningKey:
    return SigningKey(kid, "pem", {"kid": kid}, created, retired)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Anna.Svensson@Skolan.SE ", "anna.svensson@skolan.se"),
        ("demo@huleedu.local", "demo@huleedu.local"),
        ("o'neil+9b@school-1.example.org", "o'neil+9b@school-1.example.org"),
        (
            "\uff21\uff2e\uff2e\uff21@example.com",
            "anna@example.com",
        ),  # full-width letters fold under NFKC
    ],
)
def test_addresses_are_normalised(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "anna", "anna@", "@example.com", "anna@localhost", "an na@example.com",
     "anna@-bad.com", "a..b@example.com", ".a@example.com", "anna@exa_mple.com",
     "x" * 250 + "@example.com"],
)  # fmt: skip
def test_malformed_addresses_are_refused(raw: str) -> None:
    with pytest.raises(InvalidEmailError):
        normalise_email(raw)


def test_login_key_never_raises_and_matches_normalised_form() -> None:
    assert login_key(" Anna@Example.com") == "anna@example.com"
    assert login_key("Not An Address") == "not an address"
    assert len(login_key("x" * 5000)) == 255


def test_active_key_is_the_newest_unretired() -> None:
    old, new = key("old", T0), key("new", T0 + HOUR)
    retired = key("retired", T0 + 2 * HOUR, retired=T0 + 3 * HOUR)
    assert active_key([old, new, retired]) == new
    assert active_key([retired]) is None
    assert active_key([]) is None


def test_retired_key_is_published_until_its_last_token_expired() -> None:
    active = key("active", T0 + HOUR)
    retired = key("retired", T0, retired=T0 + HOUR)
    last_valid = T0 + HOUR + HOUR + KEY_RETIREMENT_GRACE - timedelta(seconds=1)
    assert [k.kid for k in published_keys([retired, active], last_valid, HOUR)] == [
        "active",
        "retired",
    ]
    after = last_valid + timedelta(seconds=1)
    assert [k.kid for k in published_keys([retired, active], after, HOUR)] == ["active"]
