"""Every database-owning service's migrations: head equals its models, starts may race, and a
database made by create_all before migrations existed is adopted, on each database we run.

A new service with a database adds one line to SERVICES.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection

from common_core.db import create_engine
from common_core.migrations import VERSION_TABLE, alembic_config, upgrade_to_head
from common_core.outbox import OutboxBase
from services.batch_orchestrator_service.models.orm import Base as BosBase
from services.batch_orchestrator_service.repository import MIGRATIONS as BOS_MIGRATIONS
from services.essay_lifecycle_service.models.orm import MIGRATIONS as ELS_MIGRATIONS
from services.essay_lifecycle_service.models.orm import Base as ElsBase
from services.file_service.models.orm import Base as FileBase
from services.file_service.repository import MIGRATIONS as FILE_MIGRATIONS
from services.identity_service.models.orm import Base as IdentityBase
from services.identity_service.repository import MIGRATIONS as IDENTITY_MIGRATIONS

SERVICES = {
    "batch_orchestrator_service": (BOS_MIGRATIONS, [BosBase.metadata, OutboxBase.metadata]),
    "essay_lifecycle_service": (ELS_MIGRATIONS, [ElsBase.metadata, OutboxBase.metadata]),
    "identity_service": (IDENTITY_MIGRATIONS, [IdentityBase.metadata]),
    "file_service": (FILE_MIGRATIONS, [FileBase.metadata]),
}
# Services whose databases existed (made by create_all) before migrations did.
ADOPTED = ["batch_orchestrator_service", "essay_lifecycle_service"]


@pytest.fixture(params=sorted(SERVICES))
def service(request: pytest.FixtureRequest) -> tuple[Path, list[MetaData]]:
    return SERVICES[request.param]


async def run_sync(url: str, fn: Callable[[Connection], Any]) -> Any:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(fn)
    finally:
        await engine.dispose()


def schema_diff(metadata: list[MetaData]) -> Callable[[Connection], list[Any]]:
    """What autogenerate would change to make the database match the service's models."""
    combined = MetaData()
    for each in metadata:
        for table in each.tables.values():
            table.to_metadata(combined)

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, combined))

    return diff


def applied_revisions(connection: Connection) -> list[str]:
    return [row[0] for row in connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]


async def test_head_creates_exactly_the_models(
    service: tuple[Path, list[MetaData]], database_url: str
) -> None:
    migrations, metadata = service
    await upgrade_to_head(database_url, migrations)
    assert await run_sync(database_url, schema_diff(metadata)) == []


async def test_starts_racing_on_a_fresh_database_migrate_it_once(
    service: tuple[Path, list[MetaData]], database_url: str
) -> None:
    migrations, metadata = service
    await asyncio.gather(*(upgrade_to_head(database_url, migrations) for _ in range(4)))
    assert len(await run_sync(database_url, applied_revisions)) == 1
    assert await run_sync(database_url, schema_diff(metadata)) == []


@pytest.mark.parametrize("adopted", ADOPTED)
async def test_a_database_made_by_create_all_is_adopted_and_keeps_its_rows(
    adopted: str, database_url: str
) -> None:
    migrations, metadata = SERVICES[adopted]

    def create_all_and_a_row(connection: Connection) -> None:
        # create_all made the schema revision 0001 records (the models have moved on since):
        # build exactly that, without a version table.
        command.upgrade(alembic_config(migrations, connection), "0001")
        connection.execute(text(f"DROP TABLE {VERSION_TABLE}"))
        connection.execute(
            text(
                "INSERT INTO event_outbox (event_id, topic, key, value, created_at) "
                "VALUES ('e1', 't', 'k', :v, CURRENT_TIMESTAMP)"
            ),
            {"v": b"{}"},
        )

    await run_sync(database_url, create_all_and_a_row)
    await upgrade_to_head(database_url, migrations)
    head = ScriptDirectory.from_config(alembic_config(migrations)).get_current_head()
    assert await run_sync(database_url, applied_revisions) == [head]
    assert await run_sync(database_url, schema_diff(metadata)) == []
    rows = await run_sync(
        database_url, lambda c: c.execute(text("SELECT count(*) FROM event_outbox")).scalar()
    )
    assert rows == 1


async def test_downgrade_to_nothing_and_up_again(
    service: tuple[Path, list[MetaData]], database_url: str
) -> None:
    migrations, metadata = service
    await upgrade_to_head(database_url, migrations)
    await run_sync(database_url, lambda c: command.downgrade(alembic_config(migrations, c), "base"))
    assert set(await run_sync(database_url, lambda c: inspect(c).get_table_names())) == {
        VERSION_TABLE
    }
    await upgrade_to_head(database_url, migrations)
    assert await run_sync(database_url, schema_diff(metadata)) == []
