"""The SQL engine and session factory of a service's Dishka container, declared once.

Every SQL-backed web service wants the same two things for the life of its app: one engine on
its `database_url` (disposed when the container closes) and a session factory over it. The URL
is known when the container is made, so it is given to the provider rather than looked up in
each service's own settings type.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.db import create_engine, session_factory


class DatabaseProvider(Provider):
    """Provides AsyncEngine and async_sessionmaker[AsyncSession] for one database URL.

    `migrate` (e.g. a service's `migrate_schema`) runs on the new engine before anything uses it.
    """

    def __init__(
        self, url: str, migrate: Callable[[AsyncEngine], Awaitable[None]] | None = None
    ) -> None:
        super().__init__(scope=Scope.APP)
        self._url = url
        self._migrate = migrate

    @provide
    async def engine(self) -> AsyncIterator[AsyncEngine]:
        """The engine, disposed (connections closed) when the container closes."""
        engine = create_engine(self._url)
        try:
            if self._migrate is not None:
                await self._migrate(engine)
            yield engine
        finally:
            await engine.dispose()

    @provide
    def sessions(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        """Session factory over the engine."""
        return session_factory(engine)
