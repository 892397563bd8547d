"""One running fleet (real processes, real broker, real databases) for the e2e tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scripts.fleet.client import FleetClient, FleetUrls
from tests.support.fleet import RunningFleet


@pytest.fixture(scope="session")
def fleet(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFleet]:
    running = RunningFleet(tmp_path_factory.mktemp("fleet"), kafka_bootstrap=kafka_bootstrap)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def client(fleet: RunningFleet) -> FleetClient:
    return FleetClient(FleetUrls())
