"""The unit of work every SQL-backed service's handlers use, with the transactional outbox.

A handler opens one per message (or per poll, or per request):

    async with units_of_work() as uow:
        ...                              # read and write through uow's repository
        uow.publish(event, correlation_id)
        await uow.commit()               # state and events together; leaving without: rollback

Events go into the outbox table in the same transaction (`common_core.outbox`), so an event
exists exactly when the state change it reports was committed; after a commit that queued
events, `on_events_committed` (the outbox relay's `notify`) sends them at once.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common_core.events import EventData
from common_core.outbox import insert_rows, outbox_row


class OutboxUnitOfWork:
    """One transaction on a fresh session; subclasses add their repositories in `opened`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        source_service: str,
        on_events_committed: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._source_service = source_service
        self._on_events_committed = on_events_committed
        self._session: AsyncSession | None = None
        self._queued: list[dict[str, Any]] = []

    def opened(self, session: AsyncSession) -> None:
        """Build the repositories on the new session (subclasses override)."""

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("a unit of work is one transaction: open a new one per call")
        self._session = self._sessions()
        self._queued = []
        self.opened(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed and release the connection."""
        session, self._session = self._session, None
        self._queued = []
        if session is not None:
            await session.rollback()
            await session.close()

    @property
    def session(self) -> AsyncSession:
        """The open transaction's session (only inside `async with`)."""
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    def publish(self, event: EventData, correlation_id: str) -> None:
        """Queue an event in the outbox: it goes out if, and only if, this work commits."""
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        self._queued.append(outbox_row(event, correlation_id, self._source_service)[1])

    async def commit(self) -> None:
        """Commit state and queued events atomically, then wake the relay if events were queued.

        The queued rows go in with one INSERT just before the commit (publish order is id
        order), instead of one ORM object per event flushed by the session.
        """
        queued, self._queued = self._queued, []
        await insert_rows(self.session, queued)
        await self.session.commit()
        if queued and self._on_events_committed is not None:
            self._on_events_committed()


UnitOfWorkT = TypeVar("UnitOfWorkT", bound=OutboxUnitOfWork)


class OutboxUnitOfWorkFactory(Generic[UnitOfWorkT]):
    """A fresh unit of work of one service's kind per call (per request, message or poll).

    A service subclasses it to name its unit of work and its source service once; handlers
    only ever call it.
    """

    def __init__(
        self,
        kind: type[UnitOfWorkT],
        sessions: async_sessionmaker[AsyncSession],
        source_service: str,
        on_events_committed: Callable[[], None] | None = None,
    ) -> None:
        self._kind = kind
        self.sessions = sessions
        self._source_service = source_service
        self._on_events_committed = on_events_committed

    def __call__(self) -> UnitOfWorkT:
        """A new unit of work; committed events wake the relay (`on_events_committed`)."""
        return self._kind(self.sessions, self._source_service, self._on_events_committed)
