"""Three KRaft nodes on 127.0.0.1 as one cluster: what the production profile runs.

Each node is broker and controller in one JVM (combined mode), and the three controllers form
the quorum. Separate controllers would be six JVMs on a 2-core machine for the same tolerance
(any one node may die: two voters still elect a leader, two brokers still hold every
partition's in-sync replicas at min.insync.replicas=2); combined mode also makes "kill the
active controller" the harder fault, since the broker on that node dies with it.

    python -m scripts.kafka_cluster run --data-dir .data/kafka-cluster   # 9092-9094 until Ctrl-C
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from common_core.processes import free_port
from scripts.local_kafka import LocalKafka, fetch_jars, random_cluster_id

CLUSTER_SIZE = 3


async def live_brokers(bootstrap: str, timeout: float = 3.0) -> set[int]:
    """Node ids of the brokers the cluster's metadata lists as alive."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    aiokafka_logger = logging.getLogger("aiokafka")
    previous_level = aiokafka_logger.level
    aiokafka_logger.setLevel(logging.CRITICAL)  # refusals are expected while nodes boot
    try:
        async with asyncio.timeout(timeout):
            await admin.start()
            cluster = await admin.describe_cluster()
        return {int(broker["node_id"]) for broker in cluster["brokers"]}
    except Exception:  # not up yet, no quorum yet, or timed out: "none known"
        return set()
    finally:
        await admin.close()
        aiokafka_logger.setLevel(previous_level)


def active_controller(cluster_dir: Path) -> int:
    """Node id of the quorum's leader, from the voters' persisted election state.

    Every voter records the leader and epoch it knows in `quorum-state`; the highest epoch any
    voter has seen names the current leader. (The metadata API's "controller id" is an
    arbitrary broker under KRaft, so it cannot say.)
    """
    best_epoch, leader = -1, -1
    for state_file in cluster_dir.glob("node*/logs/__cluster_metadata-0/quorum-state"):
        try:
            state = json.loads(state_file.read_text())
        except (OSError, ValueError):
            continue  # being rewritten right now: the other voters know too
        epoch, leader_id = int(state.get("leaderEpoch", -1)), int(state.get("leaderId", -1))
        if leader_id > 0 and epoch > best_epoch:
            best_epoch, leader = epoch, leader_id
    if leader < 0:
        raise RuntimeError("no voter has recorded a quorum leader")
    return leader


class LocalKafkaCluster:
    """`CLUSTER_SIZE` combined nodes on consecutive ports from `first_port`."""

    def __init__(self, data_dir: Path, first_port: int = 9092, size: int = CLUSTER_SIZE) -> None:
        self.data_dir = data_dir
        ports_file = data_dir / "controller-ports.json"
        # Controller ports are part of every node's voter list; keeping them across runs keeps
        # the formatted logs (and a restarted node's place in the quorum) valid.
        if ports_file.exists():
            controller_ports = json.loads(ports_file.read_text())
        else:
            controller_ports = [free_port() for _ in range(size)]
        if len(controller_ports) != size:
            controller_ports = [free_port() for _ in range(size)]
        self._controller_ports: list[int] = controller_ports
        voters = ",".join(f"{i + 1}@127.0.0.1:{port}" for i, port in enumerate(controller_ports))
        self.nodes = [
            LocalKafka(
                data_dir / f"node{i + 1}",
                first_port + i,
                controller_ports[i],
                node_id=i + 1,
                voters=voters,
                replication_factor=size,
            )
            for i in range(size)
        ]

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(node.bootstrap_servers for node in self.nodes)

    def node(self, node_id: int) -> LocalKafka:
        return self.nodes[node_id - 1]

    def start(self, timeout: float = 120.0) -> None:
        """Format all nodes if any needs it, start them together, wait for every broker."""
        jars = fetch_jars()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "controller-ports.json").write_text(json.dumps(self._controller_ports))
        if any(node.needs_format() for node in self.nodes):
            cluster_id = random_cluster_id()
            threads = [
                threading.Thread(target=node.format, args=(jars, cluster_id)) for node in self.nodes
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        for node in self.nodes:
            node.launch(jars)
        try:
            self.wait_all_brokers(timeout)
        except BaseException:
            self.stop()
            raise

    def wait_all_brokers(self, timeout: float) -> None:
        """Until every node is registered as a live broker (the quorum has a leader)."""
        wanted = {node.node_id for node in self.nodes}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for node in self.nodes:
                if node.process is not None and node.process.poll() is not None:
                    log = (node.data_dir / "broker.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"Kafka node {node.node_id} exited:\n{log}")
            if asyncio.run(live_brokers(self.bootstrap_servers)) >= wanted:
                return
            time.sleep(0.3)  # polling the cluster with a deadline
        raise TimeoutError(f"Kafka cluster {self.bootstrap_servers} not ready after {timeout}s")

    def active_controller(self) -> int:
        """Node id of the quorum's leader (see `active_controller`)."""
        return active_controller(self.data_dir)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM every node at once (a node stopping alone would wait for the quorum)."""
        running = [n for n in self.nodes if n.process is not None and n.process.poll() is None]
        for node in running:
            assert node.process is not None
            node.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for node in running:
            assert node.process is not None
            try:
                node.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the cluster until interrupted")
    run.add_argument("--first-port", type=int, default=9092)
    run.add_argument("--data-dir", type=Path, default=Path(".data/kafka-cluster"))
    args = parser.parse_args(argv)
    cluster = LocalKafkaCluster(args.data_dir.resolve(), first_port=args.first_port)
    started = time.monotonic()
    cluster.start()
    print(f"kafka cluster ready on {cluster.bootstrap_servers} in "
          f"{time.monotonic() - started:.1f}s; controller: node {cluster.active_controller()}",
          flush=True)  # fmt: skip
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while all(n.process is not None and n.process.poll() is None for n in cluster.nodes):
            time.sleep(1)  # the foreground process of a CLI, not synchronisation
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
