"""DatabaseProvider: one engine per container, migrated before use, its sessions on it."""

from __future__ import annotations

from pathlib import Path

from dishka import make_async_container
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common_core.database_provider import DatabaseProvider


async def test_the_engine_is_migrated_before_use_and_sessions_run_on_it(tmp_path: Path) -> None:
    migrated: list[AsyncEngine] = []

    async def migrate(engine: AsyncEngine) -> None:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE marker (id INTEGER)"))
        migrated.append(engine)

    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    container = make_async_container(DatabaseProvider(url, migrate=migrate))
    try:
        sessions = await container.get(async_sessionmaker[AsyncSession])
        engine = await container.get(AsyncEngine)
        async with sessions() as session:
            tables = (await session.execute(text("SELECT name FROM sqlite_master"))).scalars()
            assert list(tables) == ["marker"]
        assert migrated == [engine]
        assert await container.get(AsyncEngine) is engine  # one per container
    finally:
        await container.close()
