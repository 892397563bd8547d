"""Whole fleets as real process trees for the e2e and fault suites, one at a time.

Every fleet binds the same fixed service ports (5001, 6001, 7001, 8001 ...), so the pool keeps
at most one running: asking for another topology stops the current fleet first. Tests are
grouped by topology (see tests/conftest.py), so each starts about once per session.
"""

from __future__ import annotations

from pathlib import Path

from common_core.processes import free_ports_in_a_row
from scripts.fleet.running import RunningFleet
from scripts.fleet.topology import Topology


class FleetPool:
    """Starts the fleet a test asks for, stopping the one that runs if it has another shape."""

    def __init__(self, base_dir: Path) -> None:
        self._base_dir = base_dir
        self._current: RunningFleet | None = None
        self._started = 0

    def get(self, topology: Topology) -> RunningFleet:
        """The running fleet of `topology`, started if needed."""
        current = self._current
        if current is not None and current.topology == topology and current.is_running():
            return current
        self.close()
        self._started += 1
        data_dir = self._base_dir / f"fleet-{self._started}-{topology.database}"
        fleet = RunningFleet(data_dir, free_ports_in_a_row(topology.brokers), topology)
        fleet.start()
        self._current = fleet
        return fleet

    def close(self) -> None:
        if self._current is not None:
            self._current.stop()
            self._current = None
