"""A throwaway PostgreSQL for the test session, and a fresh database per test.

The session starts one server from the machine's binaries (scripts/local_postgres.py, ~1 s
including initdb) unless HULEEDU_TEST_POSTGRES_URL names an existing one, e.g.
`postgresql+asyncpg://user:pw@127.0.0.1:5432/postgres` (a role allowed to CREATE DATABASE).
Each test that asks gets its own database, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from scripts.local_postgres import LocalPostgres

EXTERNAL_URL_VARIABLE = "HULEEDU_TEST_POSTGRES_URL"


@contextmanager
def session_postgres_server() -> Iterator[URL]:
    """The admin URL of a server for this session; a local one is stopped and removed after.

    The cluster lives in a fresh directory under the system temp dir, not in pytest's tmp
    tree: under root the server runs as the `postgres` user, who cannot enter pytest's
    owner-only directories.
    """
    if external := os.environ.get(EXTERNAL_URL_VARIABLE):
        yield make_url(external)
        return
    with tempfile.TemporaryDirectory(prefix="huleedu-test-pg-") as scratch:
        server = LocalPostgres(Path(scratch), durable=False)
        server.start()
        try:
            yield make_url(server.url("postgres"))
        finally:
            server.stop()


def _connect_args(url: URL) -> dict[str, object]:
    return {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "database": url.database,
    }


async def create_database(admin_url: URL, prefix: str = "t") -> str:
    """A new, empty database on the server; returns its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(**_connect_args(admin_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return admin_url.set(database=name).render_as_string(hide_password=False)


async def drop_database(admin_url: URL, url: str) -> None:
    """Drop a database made by `create_database`, closing whatever still holds it."""
    connection = await asyncpg.connect(**_connect_args(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await connection.close()
