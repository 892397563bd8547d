"""The shared unit of work on a real SQLite file: events exactly when the work commits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common_core.db import create_engine, session_factory
from common_core.outbox import OutboxBase, OutboxMessage
from common_core.unit_of_work import OutboxUnitOfWork
from tests.support.events import registered


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'uow.sqlite3'}")
    async with engine.begin() as conn:
        await conn.run_sync(OutboxBase.metadata.create_all)
    yield session_factory(engine)
    await engine.dispose()


async def outbox_rows(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_committed_events_are_stored_and_wake_the_relay_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    wakes: list[str] = []
    uow = OutboxUnitOfWork(sessions, "test", on_events_committed=lambda: wakes.append("wake"))

    async with uow:
        uow.publish(registered("b1"), "c1")
        uow.publish(registered("b2"), "c2")
        await uow.commit()
    async with uow:  # a commit without events does not wake the relay
        await uow.commit()

    assert await outbox_rows(sessions) == 2
    assert wakes == ["wake"]


async def test_work_left_without_commit_leaves_no_event(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    wakes: list[str] = []
    uow = OutboxUnitOfWork(sessions, "test", on_events_committed=lambda: wakes.append("wake"))

    with pytest.raises(RuntimeError, match="boom"):
        async with uow:
            uow.publish(registered("b3"), "c3")
            raise RuntimeError("boom")

    assert await outbox_rows(sessions) == 0
    assert wakes == []


async def test_one_unit_of_work_is_one_transaction_at_a_time(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    uow = OutboxUnitOfWork(sessions, "test")
    async with uow:
        with pytest.raises(RuntimeError, match="one transaction"):
            async with uow:
                pass
    with pytest.raises(RuntimeError, match="outside"):
        uow.publish(registered("b4"), "c4")
