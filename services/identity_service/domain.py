"""identity_service's rules, without I/O: accounts, e-mail normalisation, which keys sign and
which are published, and the errors handlers raise (the API layer maps them to statuses)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024  # hashing cost must not be chosen by the caller
MAX_EMAIL_CHARS = 254
# A retired key stays published this long past its last token's expiry, for clock skew.
KEY_RETIREMENT_GRACE = timedelta(minutes=5)

_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LOCAL_PART = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$")


class EmailAlreadyRegisteredError(Exception):
    """Registration with an e-mail address that already has an account."""


class RegistrationClosedError(Exception):
    """Open registration is switched off."""


class InvalidCredentialsError(Exception):
    """Unknown e-mail address or wrong password: deliberately the same error for both."""


class LoginThrottledError(Exception):
    """Too many login attempts; the caller may try again after `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many login attempts; retry after {retry_after_seconds}s")
        self.retry_after_seconds = retry_after_seconds


class TeacherNotFoundError(Exception):
    """A token names a teacher this service does not know (deleted, or another store)."""


class InvalidEmailError(ValueError):
    """Not an e-mail address this service accepts."""


@dataclass
class Teacher:
    """An account: its id is what tokens carry as `sub` and what other services store."""

    teacher_id: str
    email: str
    name: str
    password_hash: str
    created_at: datetime


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair signing access tokens; `retired_at` set once a newer key took over."""

    kid: str
    private_key_pem: str
    public_jwk: dict[str, Any]
    created_at: datetime
    retired_at: datetime | None = None


def normalise_email(raw: str) -> str:
    """The canonical form two spellings of one address share (trimmed, NFKC, lower case).

    Raises InvalidEmailError for anything that is not `local@domain.tld`. Lower-casing the
    local part is what teachers expect (`Anna@School.se` is one account), though RFC 5321
    leaves it to the mail server.
    """
    email = unicodedata.normalize("NFKC", raw).strip().lower()
    local, at, domain = email.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or len(email) > MAX_EMAIL_CHARS
        or not _LOCAL_PART.match(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or len(labels) < 2
        or not all(_DOMAIN_LABEL.match(label) for label in labels)
    ):
        raise InvalidEmailError("not a valid e-mail address")
    return email


def login_key(raw: str) -> str:
    """The address a login looks up and is throttled by; never raises (a malformed address is
    simply unknown, answered like any other unknown address)."""
    try:
        return normalise_email(raw)
    except InvalidEmailError:
        return unicodedata.normalize("NFKC", raw).strip().lower()[: MAX_EMAIL_CHARS + 1]


def active_key(keys: Iterable[SigningKey]) -> SigningKey | None:
    """The key new tokens are signed with: the newest one not retired."""
    live = [key for key in keys if key.retired_at is None]
    return max(live, key=lambda key: (key.created_at, key.kid), default=None)


def still_verifiable(key: SigningKey, now: datetime, token_lifetime: timedelta) -> bool:
    """True while a token signed by `key` may still be unexpired (so verifiers need it)."""
    if key.retired_at is None:
        return True
    return now < key.retired_at + token_lifetime + KEY_RETIREMENT_GRACE


def published_keys(
    keys: Iterable[SigningKey], now: datetime, token_lifetime: timedelta
) -> list[SigningKey]:
    """Keys in the JWKS: the active one and every retired one whose tokens may be alive."""
    return sorted(
        (key for key in keys if still_verifiable(key, now, token_lifetime)),
        key=lambda key: (key.created_at, key.kid),
        reverse=True,
    )
