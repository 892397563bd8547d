"""Argon2id password hashing (argon2-cffi), run off the event loop: one hash costs ~50 ms of
CPU at the default parameters, and a login must not stall every other request meanwhile."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.identity_service.config import IdentitySettings


class Argon2Passwords:
    """Hash, verify and re-hash passwords with this service's Argon2 parameters."""

    def __init__(self, time_cost: int, memory_cost_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
        )
        # Verified against when the e-mail is unknown, so that answer costs the same time.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    @classmethod
    def from_settings(cls, settings: IdentitySettings) -> Argon2Passwords:
        """The hasher with the configured cost."""
        return cls(
            settings.argon2_time_cost, settings.argon2_memory_cost_kib, settings.argon2_parallelism
        )

    async def hash(self, password: str) -> str:
        """A new salted hash of `password`."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; a None hash (unknown account) costs the same, fails."""
        candidate = self._dummy_hash if password_hash is None else password_hash
        try:
            await asyncio.to_thread(self._hasher.verify, candidate, password)
        except (VerificationError, InvalidHashError):
            return False
        return password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        return self._hasher.check_needs_rehash(password_hash)
