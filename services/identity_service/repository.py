"""Where identity's state is written: accounts and signing keys in its own SQL database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.metadata import utc_now
from common_core.migrations import upgrade_to_head
from services.identity_service.domain import EmailAlreadyRegisteredError, SigningKey, Teacher
from services.identity_service.models.orm import SigningKeyRow, TeacherRow

# identity's Alembic environment; revision 0001 creates exactly the tables of models/orm.py.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


async def migrate_schema(engine: AsyncEngine) -> None:
    """Bring identity's database to its newest migration; safe on every start."""
    await upgrade_to_head(engine.url, MIGRATIONS)


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored here is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _teacher(row: TeacherRow) -> Teacher:
    return Teacher(
        teacher_id=row.id,
        email=row.email,
        name=row.name,
        password_hash=row.password_hash,
        created_at=_utc(row.created_at),
    )


def _key(row: SigningKeyRow) -> SigningKey:
    return SigningKey(
        kid=row.kid,
        private_key_pem=row.private_key_pem,
        public_jwk=dict(row.public_jwk),
        created_at=_utc(row.created_at),
        retired_at=_utc(row.retired_at) if row.retired_at else None,
    )


class SqlTeacherRepository:
    """TeacherRepository over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, teacher: Teacher) -> None:
        """Insert; the unique e-mail index turns a race between two registrations into 409."""
        self._session.add(
            TeacherRow(
                id=teacher.teacher_id,
                email=teacher.email,
                name=teacher.name,
                password_hash=teacher.password_hash,
                created_at=teacher.created_at,
                updated_at=teacher.created_at,
            )
        )
        try:
            await self._session.flush()
        except IntegrityError as exc:
            raise EmailAlreadyRegisteredError("the e-mail address is already registered") from exc

    async def by_email(self, email: str) -> Teacher | None:
        """The account with this normalised address."""
        row = await self._session.scalar(select(TeacherRow).where(TeacherRow.email == email))
        return _teacher(row) if row is not None else None

    async def by_id(self, teacher_id: str) -> Teacher | None:
        """The account with this id."""
        row = await self._session.get(TeacherRow, teacher_id)
        return _teacher(row) if row is not None else None

    async def set_password_hash(self, teacher_id: str, password_hash: str) -> None:
        """Replace the stored hash."""
        await self._session.execute(
            update(TeacherRow)
            .where(TeacherRow.id == teacher_id)
            .values(password_hash=password_hash, updated_at=utc_now())
        )


class SqlSigningKeyRepository:
    """SigningKeyRepository over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def all(self) -> Sequence[SigningKey]:
        """Every key (a handful: the active one and those retired within a token lifetime)."""
        rows = await self._session.scalars(select(SigningKeyRow))
        return [_key(row) for row in rows]

    async def add(self, key: SigningKey) -> None:
        """Insert a new key."""
        self._session.add(
            SigningKeyRow(
                kid=key.kid,
                private_key_pem=key.private_key_pem,
                public_jwk=key.public_jwk,
                created_at=key.created_at,
                retired_at=key.retired_at,
            )
        )
        await self._session.flush()

    async def retire(self, kid: str, at: datetime) -> None:
        """Set `retired_at` if the key is not retired yet."""
        await self._session.execute(
            update(SigningKeyRow)
            .where(SigningKeyRow.kid == kid, SigningKeyRow.retired_at.is_(None))
            .values(retired_at=at)
        )

    async def delete(self, kids: Sequence[str]) -> None:
        """Remove keys (their private halves go with them)."""
        if kids:
            await self._session.execute(delete(SigningKeyRow).where(SigningKeyRow.kid.in_(kids)))


class SqlUnitOfWork:
    """One session-wide transaction; nothing is written unless `commit()` is called."""

    teachers: SqlTeacherRepository
    signing_keys: SqlSigningKeyRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        self.teachers = SqlTeacherRepository(self._session)
        self.signing_keys = SqlSigningKeyRepository(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back anything uncommitted and release the connection."""
        if self._session is not None:
            await self._session.rollback()
            await self._session.close()
            self._session = None

    async def commit(self) -> None:
        """Commit the transaction."""
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        await self._session.commit()


class SqlUnitOfWorkFactory:
    """Makes SqlUnitOfWork instances over one session factory."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def __call__(self) -> SqlUnitOfWork:
        """A fresh unit of work."""
        return SqlUnitOfWork(self._sessions)
