"""The seams between identity's decisions and its I/O; SQL and Argon2 implement them, unit
tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from services.identity_service.domain import SigningKey, Teacher


class TeacherRepository(Protocol):
    """Accounts by id and by normalised e-mail address."""

    async def add(self, teacher: Teacher) -> None:
        """Store a new account; EmailAlreadyRegisteredError if the address has one."""

    async def by_email(self, email: str) -> Teacher | None:
        """The account with this (normalised) address, or None."""

    async def by_id(self, teacher_id: str) -> Teacher | None:
        """The account with this id, or None."""

    async def set_password_hash(self, teacher_id: str, password_hash: str) -> None:
        """Replace the stored hash (re-hash with new parameters, or a new password)."""


class SigningKeyRepository(Protocol):
    """The token signing keys, active and retired."""

    async def all(self) -> Sequence[SigningKey]:
        """Every stored key."""

    async def add(self, key: SigningKey) -> None:
        """Store a new key."""

    async def retire(self, kid: str, at: datetime) -> None:
        """Mark the key retired (it signs no more tokens, still verifies old ones)."""

    async def delete(self, kids: Sequence[str]) -> None:
        """Forget keys whose every token has expired."""


class UnitOfWork(Protocol):
    """One transaction over accounts and keys."""

    @property
    def teachers(self) -> TeacherRepository:
        """Accounts, read and written inside this transaction."""

    @property
    def signing_keys(self) -> SigningKeyRepository:
        """Signing keys, read and written inside this transaction."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""

    async def commit(self) -> None:
        """Make the changes durable."""


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work per request or command."""

    def __call__(self) -> UnitOfWork: ...


class PasswordHasher(Protocol):
    """Slow, salted password hashing (Argon2 in production, a cheap fake in unit tests)."""

    async def hash(self, password: str) -> str:
        """A new hash of `password`."""

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` matches; with None, spends the same time and answers False."""

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with outdated parameters."""


class LoginThrottle(Protocol):
    """Login rate limits."""

    async def admit(self, email: str, client_address: str) -> None:
        """Raise LoginThrottledError when this attempt is over a limit; else count it."""

    async def record_failure(self, email: str) -> None:
        """Count a failed attempt for `email`."""
