"""What the fleet runs on: which database, how many brokers, how many replicas of each worker.

Two profiles. `default` is the zero-set-up developer fleet `make demo` uses: SQLite files, one
broker, one process per service. `production` runs natively what docker compose runs, grown as
operators grow it: PostgreSQL, three KRaft brokers with every topic at replication factor 3 and
min.insync.replicas 2, and two replicas of every Kafka worker in their consumer groups. Each
part can also be chosen on its own (the test suite runs the default fleet on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Profile = Literal["default", "production"]
Database = Literal["sqlite", "postgresql"]


@dataclass(frozen=True)
class Topology:
    """The shape of one fleet run."""

    database: Database = "sqlite"
    brokers: int = 1
    worker_replicas: int = 1

    @classmethod
    def of(
        cls,
        profile: Profile,
        *,
        database: Database | None = None,
        brokers: int | None = None,
        worker_replicas: int | None = None,
    ) -> Topology:
        """The profile's topology with any part overridden."""
        base = cls() if profile == "default" else cls("postgresql", 3, 2)
        topology = cls(
            database if database is not None else base.database,
            brokers if brokers is not None else base.brokers,
            worker_replicas if worker_replicas is not None else base.worker_replicas,
        )
        if topology.brokers not in (1, 3):
            raise ValueError("brokers must be 1 or 3")
        if topology.worker_replicas < 1:
            raise ValueError("worker_replicas must be at least 1")
        return topology

    @property
    def replication_factor(self) -> int:
        return self.brokers

    @property
    def min_insync_replicas(self) -> int:
        """2 of 3: an acknowledged write survives one broker, and one broker may be down."""
        return 2 if self.brokers >= 3 else 1

    def describe(self) -> str:
        replicas = "one process per service"
        if self.worker_replicas > 1:
            replicas = f"{self.worker_replicas} replicas of each Kafka worker"
        brokers = "1 broker" if self.brokers == 1 else f"{self.brokers} brokers (RF {self.brokers})"
        return f"{self.database}, {brokers}, {replicas}"
