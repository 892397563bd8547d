"""In-memory stand-ins for identity's seams; they copy on read and write only on commit, like
the real database, so a handler that forgets to commit is caught."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Self

from services.identity_service.domain import (
    EmailAlreadyRegisteredError,
    LoginThrottledError,
    SigningKey,
    Teacher,
)


class FakeStore:
    """The committed state shared by every unit of work of one test."""

    def __init__(self) -> None:
        self.teachers: dict[str, Teacher] = {}
        self.keys: dict[str, SigningKey] = {}
        self.commits = 0


class FakeTeachers:
    def __init__(self, state: dict[str, Teacher]) -> None:
        self._state = state

    async def add(self, teacher: Teacher) -> None:
        if any(t.email == teacher.email for t in self._state.values()):
            raise EmailAlreadyRegisteredError("taken")
        self._state[teacher.teacher_id] = copy.deepcopy(teacher)

    async def by_email(self, email: str) -> Teacher | None:
        found = [t for t in self._state.values() if t.email == email]
        return copy.deepcopy(found[0]) if found else None

    async def by_id(self, teacher_id: str) -> Teacher | None:
        teacher = self._state.get(teacher_id)
        return copy.deepcopy(teacher) if teacher else None

    async def set_password_hash(self, teacher_id: str, password_hash: str) -> None:
        self._state[teacher_id].password_hash = password_hash


class FakeKeys:
    def __init__(self, state: dict[str, SigningKey]) -> None:
        self._state = state

    async def all(self) -> Sequence[SigningKey]:
        return list(self._state.values())

    async def add(self, key: SigningKey) -> None:
        self._state[key.kid] = key

    async def retire(self, kid: str, at: datetime) -> None:
        if self._state[kid].retired_at is None:
            self._state[kid] = dataclasses.replace(self._state[kid], retired_at=at)

    async def delete(self, kids: Sequence[str]) -> None:
        for kid in kids:
            self._state.pop(kid, None)


class FakeUnitOfWork:
    """Works on a copy of the store; commit() publishes the copy."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    async def __aenter__(self) -> Self:
        self._teachers = copy.deepcopy(self._store.teachers)
        self._keys = dict(self._store.keys)
        self.teachers = FakeTeachers(self._teachers)
        self.signing_keys = FakeKeys(self._keys)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self._store.teachers = self._teachers
        self._store.keys = self._keys
        self._store.commits += 1


class FakePasswords:
    """Readable 'hashes' tagged with a parameter version; records every verify call."""

    def __init__(self, version: int = 1) -> None:
        self.version = version
        self.verified: list[str | None] = []

    async def hash(self, password: str) -> str:
        return f"v{self.version}:{password}"

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.verified.append(password_hash)
        if password_hash is None:
            return False
        return password_hash.split(":", 1)[1] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"v{self.version}:")


class FakeThrottle:
    """Counts failures per e-mail; refuses once `limit` failures were recorded."""

    def __init__(self, limit: int = 3) -> None:
        self.limit = limit
        self.failures: dict[str, int] = {}
        self.admitted: list[tuple[str, str]] = []

    async def admit(self, email: str, client_address: str) -> None:
        if self.failures.get(email, 0) >= self.limit:
            raise LoginThrottledError(42)
        self.admitted.append((email, client_address))

    async def record_failure(self, email: str) -> None:
        self.failures[email] = self.failures.get(email, 0) + 1
