"""A real single-node Apache Kafka (KRaft) broker from Maven Central jars, no Docker.

`fetch` resolves the pinned release with `mvn` (scripts/kafka/pom.xml) into a cache dir once;
`LocalKafka` formats a log dir, starts broker+controller on 127.0.0.1, waits until it answers a
metadata request, and stops it. Used by the fleet runner and the test harness alike.

    python -m scripts.local_kafka run --port 9092 --data-dir .data/kafka   # until Ctrl-C
    python -m scripts.local_kafka fetch                                     # download only
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Self

from aiokafka.admin import AIOKafkaAdminClient

from common_core.processes import free_port, terminate

KAFKA_DIR = Path(__file__).resolve().parent / "kafka"
POM = KAFKA_DIR / "pom.xml"
LOG4J_CONFIG = KAFKA_DIR / "log4j2.properties"
KAFKA_VERSION = re.search(r"<kafka.version>([^<]+)<", POM.read_text()).group(1)  # type: ignore[union-attr]


def cache_dir() -> Path:
    """Where resolved jars live; survives work-tree resets on the same machine."""
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "huleedu-fleet" / f"kafka-{KAFKA_VERSION}"


def fetch_jars() -> Path:
    """Resolve the broker's runtime jars with Maven (first run downloads); return the dir."""
    jars = cache_dir() / "jars"
    marker = jars / ".complete"
    if marker.exists():
        return jars
    if shutil.which("mvn") is None:
        raise RuntimeError("mvn not found: install Maven (and Java 17+) to run a local Kafka")
    tmp = jars.with_name("jars.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [
        "mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
        f"-DoutputDirectory={tmp}", "-DincludeScope=runtime",
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"mvn could not resolve Kafka {KAFKA_VERSION}:\n{result.stdout}")
    shutil.rmtree(jars, ignore_errors=True)
    tmp.rename(jars)
    marker.touch()
    return jars


def random_cluster_id() -> str:
    """A KRaft cluster id as `kafka-storage random-uuid` makes one (a random UUID in unpadded
    url-safe base64), without starting a JVM for it."""
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not value.startswith("-"):  # Kafka avoids these too: they read as a CLI flag
            return value


async def broker_answers(bootstrap: str, timeout: float = 3.0) -> bool:
    """True when the broker answers a metadata request (an open port is not enough)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    # Refused connections are expected while the broker boots; don't log each one as an error.
    aiokafka_logger = logging.getLogger("aiokafka")
    previous_level = aiokafka_logger.level
    aiokafka_logger.setLevel(logging.CRITICAL)
    try:
        async with asyncio.timeout(timeout):
            await admin.start()
            await admin.list_topics()
        return True
    except Exception:  # unreachable, still starting, or timed out: all mean "not yet"
        return False
    finally:
        await admin.close()
        aiokafka_logger.setLevel(previous_level)


class LocalKafka:
    """One KRaft node on 127.0.0.1 with its data in `data_dir`: broker and controller in one
    process (combined mode), alone or as one voter of a `LocalKafkaCluster`."""

    def __init__(
        self,
        data_dir: Path,
        port: int = 9092,
        controller_port: int | None = None,
        *,
        node_id: int = 1,
        voters: str | None = None,
        replication_factor: int = 1,
    ):
        self.data_dir = data_dir
        self.port = port
        self.controller_port = controller_port or free_port()
        self.node_id = node_id
        self.voters = voters or f"{node_id}@127.0.0.1:{self.controller_port}"
        self.replication_factor = replication_factor
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _properties(self) -> str:
        replicas = self.replication_factor
        return "\n".join(
            [
                "process.roles=broker,controller",
                f"node.id={self.node_id}",
                f"listeners=PLAINTEXT://127.0.0.1:{self.port},"
                f"CONTROLLER://127.0.0.1:{self.controller_port}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                f"controller.quorum.voters={self.voters}",
                f"log.dirs={self.data_dir / 'logs'}",
                f"offsets.topic.replication.factor={replicas}",
                "offsets.topic.num.partitions=3",
                f"transaction.state.log.replication.factor={replicas}",
                f"transaction.state.log.min.isr={min(2, replicas)}",
                f"default.replication.factor={replicas}",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "num.partitions=3",
                "",
            ]
        )

    def _java(self, jars: Path, *args: str) -> list[str]:
        # C1 only (TieredStopAtLevel=1): C2 kept recompiling the broker through the first
        # several benchmark batches (0.6-1.3 s of CPU each on 2 cores, shared with the fleet)
        # and slows start-up; C1 code handled the same requests for about the same CPU.
        return [
            "java", "-Xms256m", "-Xmx512m", "-XX:TieredStopAtLevel=1",
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            "-cp", f"{jars}/*", *args,
        ]  # fmt: skip

    def needs_format(self) -> bool:
        """True when the log dir is missing or was formatted for other ports or voters."""
        props = self.data_dir / "server.properties"
        old = props.read_text() if props.exists() else None
        return (
            old != self._properties() or not (self.data_dir / "logs" / "meta.properties").exists()
        )

    def format(self, jars: Path, cluster_id: str) -> None:
        """A fresh log dir for `cluster_id` (local data is disposable test state)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        props = self.data_dir / "server.properties"
        props.write_text(self._properties())
        shutil.rmtree(self.data_dir / "logs", ignore_errors=True)
        subprocess.run(
            self._java(jars, "kafka.tools.StorageTool", "format", "-t", cluster_id,
                       "-c", str(props)),
            capture_output=True, check=True,
        )  # fmt: skip

    def launch(self, jars: Path) -> None:
        """Start the JVM without waiting for it (a quorum's nodes must start together)."""
        log = (self.data_dir / "broker.log").open("ab")
        self.process = subprocess.Popen(
            self._java(jars, "kafka.Kafka", str(self.data_dir / "server.properties")),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, not the JVM directly
        )

    def start(self, timeout: float = 90.0) -> None:
        """Format on first use, start the node and wait until it answers metadata.

        In a cluster, this restarts one node while the others run (the quorum has a leader).
        """
        jars = fetch_jars()
        if self.needs_format():
            self.format(jars, random_cluster_id())
        self.launch(jars)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                tail = (self.data_dir / "broker.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"Kafka exited with {self.process.returncode}:\n{tail}")
            if asyncio.run(broker_answers(self.bootstrap_servers)):
                return
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"Kafka on {self.bootstrap_servers} not ready after {timeout}s")

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL if it does not exit in time."""
        if self.process is not None:
            terminate(self.process, timeout)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="download the broker jars into the cache")
    run = sub.add_parser("run", help="run a broker until interrupted")
    run.add_argument("--port", type=int, default=9092)
    run.add_argument("--data-dir", type=Path, default=Path(".data/kafka"))
    args = parser.parse_args(argv)
    if args.command == "fetch":
        print(fetch_jars())
        return 0
    kafka = LocalKafka(args.data_dir.resolve(), port=args.port)
    started = time.monotonic()
    kafka.start()
    print(f"kafka {KAFKA_VERSION} ready on {kafka.bootstrap_servers} "
          f"in {time.monotonic() - started:.1f}s", flush=True)  # fmt: skip
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        assert kafka.process is not None
        kafka.process.wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        kafka.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
