"""identity_service's decisions, one plain async function per command.

Each takes its collaborators as arguments (fakes in unit tests), raises domain errors, and
never sees HTTP. Logs carry teacher ids, never e-mail addresses, names or passwords.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from common_core.logs import get_logger
from services.identity_service.domain import (
    EmailAlreadyRegisteredError,
    InvalidCredentialsError,
    LoginThrottledError,
    RegistrationClosedError,
    SigningKey,
    Teacher,
    TeacherNotFoundError,
    active_key,
    login_key,
    normalise_email,
    published_keys,
    still_verifiable,
)
from services.identity_service.metrics import LOGINS, PASSWORD_REHASHES, REGISTRATIONS
from services.identity_service.protocols import LoginThrottle, PasswordHasher, UnitOfWork
from services.identity_service.signing import IssuedToken, TokenSigner, jwks_document

logger = get_logger(__name__)

KeyFactory = Callable[[datetime], SigningKey]


class NoSigningKeyError(Exception):
    """No active key exists (start-up has not created one yet): the service is not ready."""


@dataclass(frozen=True)
class Registration:
    """A new account as asked for: the address is normalised here, whatever the caller did."""

    email: str
    password: str
    name: str


@dataclass(frozen=True)
class LoginAttempt:
    """Credentials and the client address they came from (for the per-address limit)."""

    email: str
    password: str
    client_address: str


async def create_teacher(
    registration: Registration, passwords: PasswordHasher, uow: UnitOfWork, now: datetime
) -> Teacher:
    """Store a new account with an Argon2 hash; EmailAlreadyRegisteredError for a taken address.

    The hash is made before the transaction opens, so no connection waits on ~50 ms of CPU.
    """
    email = normalise_email(registration.email)
    password_hash = await passwords.hash(registration.password)
    teacher = Teacher(
        teacher_id=str(uuid.uuid4()),
        email=email,
        name=registration.name,
        password_hash=password_hash,
        created_at=now,
    )
    async with uow:
        if await uow.teachers.by_email(email) is not None:
            raise EmailAlreadyRegisteredError("the e-mail address is already registered")
        await uow.teachers.add(teacher)  # the unique index catches a concurrent twin
        await uow.commit()
    REGISTRATIONS.inc()
    logger.info("teacher_registered", teacher_id=teacher.teacher_id)
    return teacher


async def register_teacher(
    registration: Registration,
    *,
    open_registration: bool,
    passwords: PasswordHasher,
    uow: UnitOfWork,
    now: datetime,
) -> Teacher:
    """Self-service registration: refused with RegistrationClosedError when switched off."""
    if not open_registration:
        raise RegistrationClosedError("registration is closed; ask an administrator")
    return await create_teacher(registration, passwords, uow, now)


async def log_in(
    attempt: LoginAttempt,
    *,
    passwords: PasswordHasher,
    throttle: LoginThrottle,
    signer: TokenSigner,
    uow: UnitOfWork,
    now: datetime,
) -> IssuedToken:
    """An access token for the right password, else InvalidCredentialsError.

    An unknown address and a wrong password take the same path and the same Argon2 time
    (the hasher verifies against a dummy hash), so neither the answer nor its timing tells
    whether an account exists. LoginThrottledError when a limit is used up.
    """
    email = login_key(attempt.email)
    try:
        await throttle.admit(email, attempt.client_address)
    except LoginThrottledError:
        LOGINS.labels("throttled").inc()
        logger.warning("login_throttled")
        raise
    async with uow:
        teacher = await uow.teachers.by_email(email)
        stored_hash = teacher.password_hash if teacher is not None else None
        # Verify even for an unknown address (against the dummy hash): same time, same answer.
        matches = await passwords.verify(stored_hash, attempt.password)
        if teacher is None or not matches:
            await throttle.record_failure(email)
            LOGINS.labels("invalid_credentials").inc()
            logger.info("login_failed")
            raise InvalidCredentialsError("wrong e-mail address or password")
        if passwords.needs_rehash(teacher.password_hash):
            new_hash = await passwords.hash(attempt.password)
            await uow.teachers.set_password_hash(teacher.teacher_id, new_hash)
            PASSWORD_REHASHES.inc()
            logger.info("password_rehashed", teacher_id=teacher.teacher_id)
        key = active_key(await uow.signing_keys.all())
        if key is None:
            raise NoSigningKeyError("no active signing key")
        await uow.commit()
    token = signer.sign(teacher.teacher_id, key, now)
    LOGINS.labels("success").inc()
    logger.info("teacher_logged_in", teacher_id=teacher.teacher_id, kid=key.kid)
    return token


async def teacher_profile(teacher_id: str, uow: UnitOfWork) -> Teacher:
    """The account a verified token speaks for; TeacherNotFoundError if it is gone."""
    async with uow:
        teacher = await uow.teachers.by_id(teacher_id)
    if teacher is None:
        raise TeacherNotFoundError(teacher_id)
    return teacher


async def set_password(
    email: str, password: str, passwords: PasswordHasher, uow: UnitOfWork
) -> Teacher:
    """An administrator sets a new password (CLI); TeacherNotFoundError for an unknown address."""
    password_hash = await passwords.hash(password)
    async with uow:
        teacher = await uow.teachers.by_email(normalise_email(email))
        if teacher is None:
            raise TeacherNotFoundError("no account with that e-mail address")
        await uow.teachers.set_password_hash(teacher.teacher_id, password_hash)
        await uow.commit()
    logger.info("password_set", teacher_id=teacher.teacher_id)
    return teacher


async def public_keys(uow: UnitOfWork, now: datetime, token_lifetime: timedelta) -> dict[str, Any]:
    """The JWKS: the active key and every retired key one of whose tokens may be unexpired."""
    async with uow:
        keys = await uow.signing_keys.all()
    return jwks_document(published_keys(keys, now, token_lifetime))


async def ensure_signing_key(uow: UnitOfWork, now: datetime, make_key: KeyFactory) -> SigningKey:
    """The active key, created on first start; later starts reuse the stored one."""
    async with uow:
        key = active_key(await uow.signing_keys.all())
        if key is not None:
            return key
        key = await asyncio.to_thread(make_key, now)
        await uow.signing_keys.add(key)
        await uow.commit()
    logger.info("signing_key_created", kid=key.kid)
    return key


async def rotate_signing_key(
    uow: UnitOfWork, now: datetime, make_key: KeyFactory, token_lifetime: timedelta
) -> SigningKey:
    """A new active key; the old one signs no more but stays published until its last token
    expires, so nobody is logged out. Keys past that point are deleted with their private half.
    """
    new_key = await asyncio.to_thread(make_key, now)
    async with uow:
        keys = await uow.signing_keys.all()
        retiring = [key.kid for key in keys if key.retired_at is None]
        for kid in retiring:
            await uow.signing_keys.retire(kid, now)
        expired = [
            key.kid
            for key in keys
            if key.retired_at is not None and not still_verifiable(key, now, token_lifetime)
        ]
        await uow.signing_keys.delete(expired)
        await uow.signing_keys.add(new_key)
        await uow.commit()
    logger.info("signing_key_rotated", kid=new_key.kid, retired=retiring, deleted=expired)
    return new_key
