"""ELS's unit of work and the engine it writes through.

Every handler runs in one unit of work that also holds its outgoing events (transactional
outbox), so state and events commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.db import create_engine, session_factory
from common_core.unit_of_work import OutboxUnitOfWork, OutboxUnitOfWorkFactory
from services.essay_lifecycle_service.config import SERVICE_NAME
from services.essay_lifecycle_service.repository import SqlEssayRepository


def create_writer_engine(url: str) -> AsyncEngine:
    """An engine for the worker's writes: on SQLite every transaction starts `BEGIN IMMEDIATE`.

    SQLite's default (deferred) transactions read first and fail with "database is locked" when
    they later try to write after another connection committed. Taking the write lock up front
    makes each handler's read-decide-write atomic and lets the busy timeout queue writers.
    PostgreSQL serialises per batch with an advisory lock instead (`lock_batch`).
    """
    engine = create_engine(url)
    if make_url(url).get_backend_name() == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
            # Stop the driver from issuing its own BEGIN; we issue ours below.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class SqlUnitOfWork(OutboxUnitOfWork):
    """ELS's unit of work: the repository on one transaction, events to the outbox."""

    essays: SqlEssayRepository

    def opened(self, session: AsyncSession) -> None:
        """The repository reads and writes inside this transaction."""
        self.essays = SqlEssayRepository(session)


class SqlUnitOfWorkFactory(OutboxUnitOfWorkFactory[SqlUnitOfWork]):
    """A fresh SqlUnitOfWork per consumed message or poll, on one session factory."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_events_committed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(SqlUnitOfWork, sessions, SERVICE_NAME, on_events_committed)

    @classmethod
    def for_engine(
        cls, engine: AsyncEngine, on_events_committed: Callable[[], None] | None = None
    ) -> SqlUnitOfWorkFactory:
        """Units of work on an engine made by `create_writer_engine`."""
        return cls(session_factory(engine), on_events_committed)
