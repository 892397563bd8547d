"""Fixtures for tests that run the whole fleet as real processes (e2e and faults).

`fleet` runs each test that takes it twice: on the default fleet (SQLite) and on the same fleet
with PostgreSQL. `production_fleet` is `fleet up --profile production` (PostgreSQL, three
brokers, two replicas of each worker). Only one fleet runs at a time (tests/support/fleets.py);
the session-scoped `fleet_database` groups the tests so each fleet starts about once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scripts.fleet.client import FleetClient
from scripts.fleet.running import RunningFleet
from scripts.fleet.topology import Database, Topology
from tests.support.fleets import FleetPool
from tests.support.teachers import teacher_client


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `one_database` (what it checks cannot differ by database, e.g. file
    extraction or the browser's page) runs on the SQLite fleet only: its PostgreSQL copy is
    deselected, so the summary counts it and nothing is reported as skipped."""
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("fleet_database") == "postgresql"
        (drop if on_postgres and item.get_closest_marker("one_database") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def fleet_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FleetPool]:
    pool = FleetPool(tmp_path_factory.mktemp("fleets"))
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def fleet_database(request: pytest.FixtureRequest) -> Database:
    """Which database the default fleet runs on (session scope: groups the tests by it)."""
    database: Database = request.param
    return database


@pytest.fixture
def fleet(fleet_pool: FleetPool, fleet_database: Database) -> RunningFleet:
    """`fleet up` (default profile) with its own supervised broker, on SQLite or PostgreSQL."""
    return fleet_pool.get(Topology.of("default", database=fleet_database))


@pytest.fixture
def production_fleet(fleet_pool: FleetPool) -> RunningFleet:
    """`fleet up --profile production`: PostgreSQL, three brokers, two replicas per worker."""
    return fleet_pool.get(Topology.of("production"))


@pytest.fixture
def client(fleet: RunningFleet) -> FleetClient:
    """A teacher of their own, logged in (every public route needs a teacher's token)."""
    return teacher_client()


@pytest.fixture
def other_teacher(fleet: RunningFleet) -> FleetClient:
    """A second teacher, for what one teacher must not see of another's."""
    return teacher_client(label="other")


@pytest.fixture
def production_client(production_fleet: RunningFleet) -> FleetClient:
    """A teacher of their own on the production fleet, logged in."""
    return teacher_client()
