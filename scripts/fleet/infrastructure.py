"""The fleet's backing servers: Kafka (one broker or a three-node cluster) and PostgreSQL.

Each is started before the services and restarted when it dies, as compose's restart policy
would; their pids join the services' in `pids.json` (`kafka` or `kafka-1..3`, `postgres`).
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from scripts.fleet.topology import Topology
from scripts.kafka_cluster import LocalKafkaCluster
from scripts.local_kafka import LocalKafka
from scripts.local_postgres import LocalPostgres

Say = Callable[[str], None]


class Restartable(Protocol):
    """A server process the fleet can (re)start and stop: a Kafka node, PostgreSQL."""

    process: subprocess.Popen[bytes] | None

    def start(self) -> None: ...

    def stop(self) -> None: ...


class Infrastructure:
    """Kafka unless `kafka_bootstrap` is given; PostgreSQL when the topology asks for it."""

    def __init__(
        self,
        data_dir: Path,
        topology: Topology,
        *,
        kafka_bootstrap: str | None,
        kafka_port: int,
        postgres_dir: Path | None,
        postgres_port: int,
        databases: list[str],
        say: Say,
    ) -> None:
        self._say = say
        self._databases = databases
        self.kafka: LocalKafka | None = None
        self.cluster: LocalKafkaCluster | None = None
        if kafka_bootstrap is not None:
            self.kafka_bootstrap = kafka_bootstrap
        elif topology.brokers == 1:
            self.kafka = LocalKafka(data_dir / "kafka", port=kafka_port)
            self.kafka_bootstrap = self.kafka.bootstrap_servers
        else:
            self.cluster = LocalKafkaCluster(data_dir / "kafka-cluster", kafka_port)
            self.kafka_bootstrap = self.cluster.bootstrap_servers
        self.postgres: LocalPostgres | None = None
        if topology.database == "postgresql":
            self.postgres = LocalPostgres(postgres_dir or data_dir / "postgres", postgres_port)
        self._stopping = False
        self._watches: list[asyncio.Task[None]] = []
        self.on_restart: Callable[[], None] = lambda: None

    def servers(self) -> dict[str, Restartable]:
        """Every supervised server by its name in pids.json."""
        named: dict[str, Restartable] = {}
        if self.kafka is not None:
            named["kafka"] = self.kafka
        if self.cluster is not None:
            named |= {f"kafka-{node.node_id}": node for node in self.cluster.nodes}
        if self.postgres is not None:
            named["postgres"] = self.postgres
        return named

    def database_url(self, name: str) -> str:
        """The PostgreSQL URL of one service's database."""
        assert self.postgres is not None
        return self.postgres.url(name)

    async def start(self) -> None:
        """Start PostgreSQL and Kafka side by side, then watch them."""
        await asyncio.gather(self._start_postgres(), self._start_kafka())
        for name, server in self.servers().items():
            self._watches.append(asyncio.create_task(self._watch(name, server)))

    async def _start_postgres(self) -> None:
        if self.postgres is None:
            return
        started = time.monotonic()
        await asyncio.to_thread(self.postgres.start)
        await asyncio.to_thread(self.postgres.create_databases, self._databases)
        self._say(
            f"PostgreSQL ready on 127.0.0.1:{self.postgres.port} in "
            f"{time.monotonic() - started:.1f}s (databases: {', '.join(self._databases)})"
        )

    async def _start_kafka(self) -> None:
        started = time.monotonic()
        if self.kafka is not None:
            self._say(f"starting Kafka on {self.kafka_bootstrap}")
            await asyncio.to_thread(self.kafka.start)
        elif self.cluster is not None:
            self._say(f"starting a {len(self.cluster.nodes)}-node Kafka cluster on "
                      f"{self.kafka_bootstrap}")  # fmt: skip
            await asyncio.to_thread(self.cluster.start)
        else:
            return
        self._say(f"Kafka ready in {time.monotonic() - started:.1f}s")

    async def _watch(self, name: str, server: Restartable) -> None:
        """Restart `server` whenever it dies, until the fleet stops."""
        while server.process is not None:
            code = await asyncio.to_thread(server.process.wait)
            if self._stopping:
                return
            self._say(f"{name} exited with code {code}; restarting")
            while not self._stopping:
                try:
                    await asyncio.to_thread(server.start)
                    break
                except (RuntimeError, TimeoutError, OSError, subprocess.SubprocessError) as exc:
                    self._say(f"{name} restart failed ({exc!r}); retrying")
                    await asyncio.sleep(2)  # restart backoff
            self.on_restart()
            self._say(f"{name} ready again")

    async def stop(self) -> None:
        """Stop Kafka and PostgreSQL (after the services have stopped)."""
        self._stopping = True
        stops = []
        if self.kafka is not None:
            stops.append(asyncio.to_thread(self.kafka.stop))
        if self.cluster is not None:
            stops.append(asyncio.to_thread(self.cluster.stop))
        if self.postgres is not None:
            stops.append(asyncio.to_thread(self.postgres.stop))
        await asyncio.gather(*stops)
        for watch in self._watches:
            await watch
