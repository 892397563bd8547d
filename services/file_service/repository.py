"""Where File Service's state is written: idempotency records, the files each batch has on
record and the ids of deleted batches, in its own SQL database (SQLite by default, PostgreSQL
in compose and production).

Every method is one short transaction. Two requests racing — in one process or on two File
Service instances — are settled by the database: an insert that finds the primary key taken
does nothing (`ON CONFLICT DO NOTHING`), and every change of a held record is conditional on
the lease token (`UPDATE ... WHERE lease_token = :mine`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Insert, delete, false, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.migrations import upgrade_to_head
from services.file_service.domain import (
    BatchNotFound,
    Busy,
    Claimed,
    ClaimResult,
    KnownFile,
    RecordsUnavailable,
    RejectionSlots,
    Replay,
    RequestKey,
)
from services.file_service.models.orm import BatchFileRow, DeletedBatchRow, UploadRequestRow

# File Service's Alembic environment; revision 0001 creates exactly models/orm.py's tables.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

IN_PROGRESS = "in_progress"
COMPLETED = "completed"


async def migrate_schema(engine: AsyncEngine) -> None:
    """Bring File Service's database to its newest migration; safe on every start."""
    await upgrade_to_head(engine.url, MIGRATIONS)


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored here is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@asynccontextmanager
async def _transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction; a database that fails is RecordsUnavailable (the upload answers 503)."""
    try:
        async with sessions.begin() as session:
            yield session
    except SQLAlchemyError as exc:
        raise RecordsUnavailable(type(exc).__name__) from exc


def _insert_or_skip(session: AsyncSession, table: Any) -> Insert:
    """INSERT that does nothing when the primary key (or a unique key) is taken."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise RuntimeError(f"File Service does not support {dialect}")


async def _lock_batch(session: AsyncSession, batch_id: str) -> None:
    """Serialise recording files of a batch with recording others and with forgetting it, so
    none can miss another under PostgreSQL's READ COMMITTED (and two uploads never both count
    the same free slots). On SQLite a write that changes nothing takes the database's one
    write lock, held until commit, before anything is read."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:batch_id))"), {"batch_id": batch_id}
        )
    else:
        await session.execute(
            update(DeletedBatchRow).where(false()).values(batch_id=DeletedBatchRow.batch_id)
        )


def _rowcount(result: Any) -> int:
    count: int = result.rowcount if isinstance(result, CursorResult) else 0
    return count


def _key_filter(key: RequestKey) -> tuple[Any, ...]:
    return (
        UploadRequestRow.teacher_id == key.teacher_id,
        UploadRequestRow.batch_id == key.batch_id,
        UploadRequestRow.idempotency_key == key.idempotency_key,
    )


class SqlUploadRequests:
    """UploadRequests in SQL (see protocols.UploadRequests)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(
        self, key: RequestKey, lease_token: str, now: datetime, lease: timedelta, ttl: timedelta
    ) -> ClaimResult:
        """Insert the record, or take it over when expired or abandoned, or report its state."""
        async with _transaction(self._sessions) as session:
            inserted = await session.execute(
                _insert_or_skip(session, UploadRequestRow).values(
                    teacher_id=key.teacher_id,
                    batch_id=key.batch_id,
                    idempotency_key=key.idempotency_key,
                    state=IN_PROGRESS,
                    admitted=False,
                    lease_token=lease_token,
                    lease_expires_at=now + lease,
                    response=None,
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
            if _rowcount(inserted) == 1:
                return Claimed(lease_token, admitted=False)
            row = await session.scalar(select(UploadRequestRow).where(*_key_filter(key)))
            if row is None:  # released between the insert and the read: the caller asks again
                return Busy(now)
            if _utc(row.expires_at) <= now:
                return await self._take_over(
                    session, key, row, lease_token, now + lease, fresh=(now, now + ttl)
                )
            if row.state == COMPLETED and row.response is not None:
                return Replay(dict(row.response))
            if _utc(row.lease_expires_at) <= now:
                return await self._take_over(session, key, row, lease_token, now + lease)
            return Busy(_utc(row.lease_expires_at))

    async def _take_over(
        self,
        session: AsyncSession,
        key: RequestKey,
        row: UploadRequestRow,
        lease_token: str,
        until: datetime,
        fresh: tuple[datetime, datetime] | None = None,
    ) -> ClaimResult:
        """Take the record from the holder we read, if nobody else did meanwhile.

        `fresh` (created, expires) starts the key over: the old record had expired.
        """
        values: dict[str, Any] = {"lease_token": lease_token, "lease_expires_at": until}
        admitted = row.admitted
        if fresh is not None:
            admitted = False
            values |= {
                "state": IN_PROGRESS,
                "admitted": False,
                "response": None,
                "created_at": fresh[0],
                "expires_at": fresh[1],
            }
        taken = await session.execute(
            update(UploadRequestRow)
            .where(
                *_key_filter(key),
                UploadRequestRow.lease_token.is_(None)
                if row.lease_token is None
                else UploadRequestRow.lease_token == row.lease_token,
                UploadRequestRow.state == row.state,
            )
            .values(**values)
        )
        if _rowcount(taken) == 1:
            return Claimed(lease_token, admitted=admitted)
        return Busy(until)  # someone else took it first: ask again

    async def admit(self, key: RequestKey, lease_token: str) -> None:
        """Mark the batch check passed."""
        await self._update_held(key, lease_token, {"admitted": True})

    async def renew(self, key: RequestKey, lease_token: str, until: datetime) -> bool:
        """Push the lease's end to `until`."""
        return await self._update_held(key, lease_token, {"lease_expires_at": until})

    async def complete(self, key: RequestKey, lease_token: str, response: dict[str, Any]) -> bool:
        """Store the answer; later requests with the key replay it."""
        return await self._update_held(
            key, lease_token, {"state": COMPLETED, "response": response, "lease_token": None}
        )

    async def release(self, key: RequestKey, lease_token: str, *, forget: bool) -> None:
        """Delete the record, or end its lease now."""
        if not forget:
            await self._update_held(
                key, lease_token, {"lease_expires_at": datetime.fromtimestamp(0, UTC)}
            )
            return
        async with _transaction(self._sessions) as session:
            await session.execute(
                delete(UploadRequestRow).where(
                    *_key_filter(key), UploadRequestRow.lease_token == lease_token
                )
            )

    async def purge_expired(self, now: datetime) -> int:
        """Delete every record past its 24 hours."""
        async with _transaction(self._sessions) as session:
            result = await session.execute(
                delete(UploadRequestRow).where(UploadRequestRow.expires_at <= now)
            )
            return _rowcount(result)

    async def _update_held(self, key: RequestKey, held_by: str, values: dict[str, Any]) -> bool:
        async with _transaction(self._sessions) as session:
            result = await session.execute(
                update(UploadRequestRow)
                .where(
                    *_key_filter(key),
                    UploadRequestRow.lease_token == held_by,
                    UploadRequestRow.state == IN_PROGRESS,
                )
                .values(**values)
            )
            return _rowcount(result) == 1


class SqlBatchFiles:
    """BatchFiles in SQL (see protocols.BatchFiles)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(
        self,
        batch_id: str,
        new_ids: Mapping[str, str],
        first_request: str | None,
        now: datetime,
        slots: RejectionSlots | None = None,
    ) -> dict[str, KnownFile]:
        """Insert what is new (the primary key keeps the first of racing uploads), then read
        every fingerprint back as recorded. BatchNotFound, with nothing recorded, when the
        batch was deleted meanwhile.

        With `slots`, the fingerprints it names as rejections are recorded after the others,
        and only as many new ones as the batch has slots left once every file on record (this
        upload's texts included) has one; the rest are left out of the answer. The batch lock
        makes the count and the inserts one step for every upload of the batch.
        """
        if not new_ids:
            return {}
        rejections = set(slots.rejections) if slots is not None else set()
        texts = [fp for fp in new_ids if fp not in rejections]
        async with _transaction(self._sessions) as session:
            await _lock_batch(session, batch_id)
            await self._insert(session, batch_id, new_ids, texts, first_request, now)
            if slots is not None:
                on_record = set(await self._on_record(session, batch_id, list(rejections)))
                taken = await session.scalar(
                    select(func.count())
                    .select_from(BatchFileRow)
                    .where(BatchFileRow.batch_id == batch_id)
                )
                free = max(0, slots.expected_essay_count - int(taken or 0))
                fresh = [fp for fp in slots.rejections if fp not in on_record][:free]
                await self._insert(session, batch_id, new_ids, fresh, first_request, now)
            # Checked after the insert: on SQLite the insert took the write lock, so this read
            # sees a deletion committed before it (and the rollback undoes the insert).
            if await session.get(DeletedBatchRow, batch_id) is not None:
                raise BatchNotFound(batch_id)
            rows = await session.scalars(
                select(BatchFileRow).where(
                    BatchFileRow.batch_id == batch_id,
                    BatchFileRow.fingerprint.in_(list(new_ids)),
                )
            )
            return {
                row.fingerprint: KnownFile(
                    row.file_upload_id, row.published_at is not None, row.first_request
                )
                for row in rows
            }

    @staticmethod
    async def _insert(
        session: AsyncSession,
        batch_id: str,
        new_ids: Mapping[str, str],
        fingerprints: Sequence[str],
        first_request: str | None,
        now: datetime,
    ) -> None:
        if not fingerprints:
            return
        await session.execute(
            _insert_or_skip(session, BatchFileRow),
            [
                {
                    "batch_id": batch_id,
                    "fingerprint": fingerprint,
                    "file_upload_id": new_ids[fingerprint],
                    "first_request": first_request,
                    "created_at": now,
                    "published_at": None,
                }
                for fingerprint in fingerprints
            ],
        )

    @staticmethod
    async def _on_record(
        session: AsyncSession, batch_id: str, fingerprints: list[str]
    ) -> list[str]:
        if not fingerprints:
            return []
        found = await session.scalars(
            select(BatchFileRow.fingerprint).where(
                BatchFileRow.batch_id == batch_id, BatchFileRow.fingerprint.in_(fingerprints)
            )
        )
        return list(found)

    async def mark_published(
        self, batch_id: str, file_upload_ids: Iterable[str], now: datetime
    ) -> None:
        """Stamp the files whose events Kafka acknowledged."""
        ids = list(file_upload_ids)
        if not ids:
            return
        async with _transaction(self._sessions) as session:
            await session.execute(
                update(BatchFileRow)
                .where(
                    BatchFileRow.batch_id == batch_id,
                    BatchFileRow.file_upload_id.in_(ids),
                    BatchFileRow.published_at.is_(None),
                )
                .values(published_at=now)
            )


class SqlDeletedBatches:
    """BatchDeletions in SQL (see protocols.BatchDeletions)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def forget(self, batch_id: str, now: datetime) -> tuple[int, int]:
        """Keep the batch's id, delete its files and idempotency records in one transaction;
        returns (files, records) deleted. A redelivery deletes nothing more."""
        async with _transaction(self._sessions) as session:
            await _lock_batch(session, batch_id)
            await session.execute(
                _insert_or_skip(session, DeletedBatchRow).values(batch_id=batch_id, deleted_at=now)
            )
            files = await session.execute(
                delete(BatchFileRow).where(BatchFileRow.batch_id == batch_id)
            )
            records = await session.execute(
                delete(UploadRequestRow).where(UploadRequestRow.batch_id == batch_id)
            )
            return _rowcount(files), _rowcount(records)
