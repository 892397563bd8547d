"""identity's handlers with in-memory fakes: registration, login, profiles and key rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import jwt
import pytest

from services.identity_service.domain import (
    KEY_RETIREMENT_GRACE,
    EmailAlreadyRegisteredError,
    InvalidCredentialsError,
    LoginThrottledError,
    RegistrationClosedError,
    SigningKey,
    TeacherNotFoundError,
)
from services.identity_service.handlers import (
    LoginAttempt,
    NoSigningKeyError,
    Registration,
    ensure_signing_key,
    log_in,
    public_keys,
    register_teacher,
    rotate_signing_key,
    set_password,
    teacher_profile,
)
from services.identity_service.signing import TokenSigner, new_signing_key
from services.identity_service.tests.unit.fakes import (
    FakePasswords,
    FakeStore,
    FakeThrottle,
    FakeUnitOfWork,
)

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SIGNER = TokenSigner("test-issuer", "test-audience", 3600)
_serial = count()


def cheap_key(now: datetime) -> SigningKey:
    """Key rows for rotation logic; real RSA keys only where a token is signed."""
    kid = f"k{next(_serial)}"
    return SigningKey(kid, "pem", {"kid": kid, "kty": "RSA", "n": "x", "e": "AQAB"}, now)


async def registered(store: FakeStore, passwords: FakePasswords, email: str = "anna@ex.se") -> str:
    teacher = await register_teacher(
        Registration(email=email, password="correct horse", name="Anna"),
        open_registration=True,
        passwords=passwords,
        uow=FakeUnitOfWork(store),
        now=NOW,
    )
    return teacher.teacher_id


async def attempt(
    store: FakeStore,
    passwords: FakePasswords,
    throttle: FakeThrottle,
    email: str,
    password: str,
) -> str:
    issued = await log_in(
        LoginAttempt(email=email, password=password, client_address="10.1.2.3"),
        passwords=passwords,
        throttle=throttle,
        signer=SIGNER,
        uow=FakeUnitOfWork(store),
        now=NOW,
    )
    return issued.access_token


async def test_registration_stores_a_hash_and_the_normalised_address() -> None:
    store, passwords = FakeStore(), FakePasswords()
    teacher_id = await registered(store, passwords, email=" Anna@EX.se ")
    stored = store.teachers[teacher_id]
    assert (stored.email, stored.name) == ("anna@ex.se", "Anna")
    assert stored.password_hash == "v1:correct horse"  # what the hasher made, not the password


async def test_a_second_registration_of_the_same_address_in_any_case_is_refused() -> None:
    store, passwords = FakeStore(), FakePasswords()
    await registered(store, passwords)
    with pytest.raises(EmailAlreadyRegisteredError):
        await registered(store, passwords, email="ANNA@ex.se")
    assert len(store.teachers) == 1


async def test_closed_registration_creates_nothing() -> None:
    store = FakeStore()
    with pytest.raises(RegistrationClosedError):
        await register_teacher(
            Registration(email="a@ex.se", password="correct horse", name="A"),
            open_registration=False,
            passwords=FakePasswords(),
            uow=FakeUnitOfWork(store),
            now=NOW,
        )
    assert store.teachers == {}


async def test_login_signs_a_token_for_the_teacher_with_the_active_key() -> None:
    store, passwords = FakeStore(), FakePasswords()
    key = await ensure_signing_key(FakeUnitOfWork(store), NOW, new_signing_key)
    teacher_id = await registered(store, passwords)
    token = await attempt(store, passwords, FakeThrottle(), "ANNA@ex.se", "correct horse")
    assert jwt.get_unverified_header(token)["kid"] == key.kid
    claims = jwt.decode(
        token, jwt.PyJWK(key.public_jwk).key, algorithms=["RS256"], audience="test-audience",
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )  # fmt: skip
    start = int(NOW.timestamp())
    assert claims["sub"] == teacher_id and claims["iss"] == "test-issuer"
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (start, start, start + 3600)
    assert "email" not in claims and "name" not in claims


async def test_unknown_address_and_wrong_password_fail_alike_and_both_pay_for_a_hash() -> None:
    store, passwords, throttle = FakeStore(), FakePasswords(), FakeThrottle(limit=10)
    await ensure_signing_key(FakeUnitOfWork(store), NOW, cheap_key)
    await registered(store, passwords)
    errors = []
    for email, password in [("nobody@ex.se", "correct horse"), ("anna@ex.se", "wrong horse!")]:
        with pytest.raises(InvalidCredentialsError) as caught:
            await attempt(store, passwords, throttle, email, password)
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert passwords.verified == [None, "v1:correct horse"]  # the unknown address verified too
    assert throttle.failures == {"nobody@ex.se": 1, "anna@ex.se": 1}


async def test_throttled_login_is_refused_before_any_password_check() -> None:
    store, passwords, throttle = FakeStore(), FakePasswords(), FakeThrottle(limit=2)
    await ensure_signing_key(FakeUnitOfWork(store), NOW, cheap_key)
    await registered(store, passwords)
    for _ in range(2):
        with pytest.raises(InvalidCredentialsError):
            await attempt(store, passwords, throttle, "anna@ex.se", "wrong horse!")
    checks = len(passwords.verified)
    with pytest.raises(LoginThrottledError) as caught:
        await attempt(store, passwords, throttle, "anna@ex.se", "correct horse")
    assert caught.value.retry_after_seconds == 42
    assert len(passwords.verified) == checks


async def test_login_rehashes_a_password_hashed_with_old_parameters() -> None:
    store = FakeStore()
    await ensure_signing_key(FakeUnitOfWork(store), NOW, new_signing_key)
    teacher_id = await registered(store, FakePasswords(version=1))
    upgraded = FakePasswords(version=2)
    await attempt(store, upgraded, FakeThrottle(), "anna@ex.se", "correct horse")
    assert store.teachers[teacher_id].password_hash == "v2:correct horse"


async def test_login_without_a_signing_key_is_not_ready() -> None:
    store, passwords = FakeStore(), FakePasswords()
    await registered(store, passwords)
    with pytest.raises(NoSigningKeyError):
        await attempt(store, passwords, FakeThrottle(), "anna@ex.se", "correct horse")


async def test_profile_of_an_unknown_teacher_raises() -> None:
    store, passwords = FakeStore(), FakePasswords()
    teacher_id = await registered(store, passwords)
    assert (await teacher_profile(teacher_id, FakeUnitOfWork(store))).name == "Anna"
    with pytest.raises(TeacherNotFoundError):
        await teacher_profile("no-such-id", FakeUnitOfWork(store))


async def test_set_password_replaces_the_hash() -> None:
    store, passwords = FakeStore(), FakePasswords()
    teacher_id = await registered(store, passwords)
    await set_password("ANNA@ex.se", "new password!", passwords, FakeUnitOfWork(store))
    assert store.teachers[teacher_id].password_hash == "v1:new password!"
    with pytest.raises(TeacherNotFoundError):
        await set_password("x@ex.se", "new password!", passwords, FakeUnitOfWork(store))


async def test_ensure_signing_key_creates_one_key_once() -> None:
    store = FakeStore()
    first = await ensure_signing_key(FakeUnitOfWork(store), NOW, cheap_key)
    again = await ensure_signing_key(FakeUnitOfWork(store), NOW + HOUR, cheap_key)
    assert first == again and list(store.keys) == [first.kid]


async def test_rotation_keeps_the_old_key_published_until_its_tokens_expired() -> None:
    store = FakeStore()
    old = await ensure_signing_key(FakeUnitOfWork(store), NOW, cheap_key)
    new = await rotate_signing_key(FakeUnitOfWork(store), NOW + HOUR, cheap_key, HOUR)
    kids = [k["kid"] for k in (await public_keys(FakeUnitOfWork(store), NOW + HOUR, HOUR))["keys"]]
    assert kids == [new.kid, old.kid]
    assert store.keys[old.kid].retired_at == NOW + HOUR

    gone = NOW + 2 * HOUR + HOUR + KEY_RETIREMENT_GRACE
    jwks = await public_keys(FakeUnitOfWork(store), gone, HOUR)
    assert [k["kid"] for k in jwks["keys"]] == [new.kid]
    newest = await rotate_signing_key(FakeUnitOfWork(store), gone, cheap_key, HOUR)
    assert set(store.keys) == {new.kid, newest.kid}  # the expired key's private half is deleted
