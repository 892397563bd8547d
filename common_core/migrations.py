"""Schema migrations (Alembic) for every service that owns a database.

A service keeps one Alembic environment in `services/<name>/migrations/` (`env.py` calls
`run_env` with the service's metadata; `versions/` holds the revisions, `0001` creating the
schema the service started with). At start-up the service calls `upgrade_to_head`, and an
operator can run the same upgrade by hand:

    python -m common_core.migrations upgrade services/<name>/migrations <database-url>
    python -m common_core.migrations current services/<name>/migrations <database-url>
    python -m common_core.migrations revision services/<name>/migrations -m "what changes"

Several processes may start together on one database (ELS API and worker, two replicas), so an
upgrade runs in one transaction that first takes a lock — a PostgreSQL advisory lock, SQLite's
write lock (`BEGIN IMMEDIATE`) — and whoever comes second finds the schema at head and does
nothing. On both databases the DDL is transactional, so a process killed mid-upgrade leaves the
previous revision, never half of one.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, event, inspect, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core.db import create_engine

VERSION_TABLE = "alembic_version"
# First key of PostgreSQL's two-key advisory locks, so migration locks never collide with the
# one-key locks services take on ids (e.g. ELS's per-batch lock).
_MIGRATION_LOCK_CLASS = 0x6D696772  # "migr"
_SQLITE_SETTLE_SECONDS = 60.0


def alembic_config(script_location: Path | str, connection: Connection | None = None) -> Config:
    """An Alembic config for a service's environment, without an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def run_env(*metadata: MetaData) -> None:
    """The body of every service's `env.py`: run Alembic on the connection it was given.

    `metadata` is the service's tables (its own and the outbox); autogenerate compares them
    with the database. Batch mode lets later revisions alter columns on SQLite too.
    """
    from alembic import context

    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run migrations through common_core.migrations (python -m common_core.migrations)"
        )
    context.configure(
        connection=connection,
        target_metadata=list(metadata),
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _migration_engine(url: str | URL) -> AsyncEngine:
    """An engine whose transactions take the database's migration lock first."""
    engine = create_engine(str(url) if isinstance(url, str) else url.render_as_string(False))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            # The write lock for the whole upgrade; a second process waits (busy timeout).
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _lock_key(script_location: Path | str) -> str:
    return Path(script_location).resolve().parent.name


def _upgrade(connection: Connection, script_location: str) -> None:
    config = alembic_config(script_location, connection)
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:cls, hashtext(:key))"),
            {"cls": _MIGRATION_LOCK_CLASS, "key": _lock_key(script_location)},
        )
    tables = set(inspect(connection).get_table_names())
    if tables and VERSION_TABLE not in tables:
        # Made by create_all before the service had migrations: that schema is exactly the
        # first revision's, so record it as applied and upgrade from there.
        base = ScriptDirectory.from_config(config).get_base()
        if base is None:
            raise RuntimeError(f"{script_location} has no base revision")
        command.stamp(config, base)
    command.upgrade(config, "head")


async def upgrade_to_head(url: str | URL, script_location: Path | str) -> None:
    """Bring the database at `url` to the newest revision in `script_location`.

    Safe to call from every process of a service on every start: it waits for a concurrent
    upgrade and then finds nothing to do.
    """
    deadline = asyncio.get_running_loop().time() + _SQLITE_SETTLE_SECONDS
    while True:
        try:
            await _upgrade_once(url, script_location)
            return
        except OperationalError as error:
            # Processes opening a fresh SQLite file together race to switch it to WAL and to
            # take its write lock; in some of those races SQLite answers "database is locked"
            # at once (waiting could deadlock) instead of after the busy timeout. The upgrade is
            # one transaction, so trying it again from the start is safe.
            locked = "database is locked" in str(error.orig)
            if not locked or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


async def _upgrade_once(url: str | URL, script_location: Path | str) -> None:
    engine = _migration_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_upgrade, str(script_location))
            await connection.commit()
    finally:
        await engine.dispose()


def _current(connection: Connection, script_location: str) -> None:
    command.current(alembic_config(script_location, connection), verbose=True)


async def _show_current(url: str, script_location: Path) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_current, str(script_location))
    finally:
        await engine.dispose()


def _next_rev_id(script_location: Path) -> str:
    """Revisions are numbered 0001, 0002, ... so their files sort in the order they apply."""
    revisions = list(ScriptDirectory.from_config(alembic_config(script_location)).walk_revisions())
    return f"{len(revisions) + 1:04d}"


def _autogenerate(connection: Connection, script_location: str, message: str) -> None:
    config = alembic_config(script_location, connection)
    command.revision(config, message, autogenerate=True, rev_id=_next_rev_id(Path(script_location)))


async def _new_revision(script_location: Path, message: str) -> None:
    """Autogenerate against a scratch SQLite database brought to head first."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{scratch}/scratch.sqlite3"
        await upgrade_to_head(url, script_location)
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(_autogenerate, str(script_location), message)
        finally:
            await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """`upgrade`, `current` or `revision` for one service's migrations."""
    parser = argparse.ArgumentParser(prog="python -m common_core.migrations")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text_ in (("upgrade", "upgrade to head"), ("current", "show the applied revision")):
        cmd = sub.add_parser(name, help=text_)
        cmd.add_argument("script_location", type=Path, help="e.g. services/<name>/migrations")
        cmd.add_argument("url", help="SQLAlchemy async URL, e.g. the service's DATABASE_URL")
    rev = sub.add_parser("revision", help="autogenerate the next revision from the models")
    rev.add_argument("script_location", type=Path)
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)
    if args.command == "upgrade":
        asyncio.run(upgrade_to_head(args.url, args.script_location))
        print(f"{args.script_location}: at head", flush=True)
    elif args.command == "current":
        asyncio.run(_show_current(args.url, args.script_location))
    else:
        asyncio.run(_new_revision(args.script_location, args.message))
    return 0


if __name__ == "__main__":
    sys.exit(main())
