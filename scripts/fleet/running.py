"""Runs `python -m scripts.fleet up` as a real process tree (e2e, fault tests, benchmarks)."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from common_core.processes import free_port, terminate
from scripts.fleet.services import fleet_services
from scripts.fleet.topology import Topology
from scripts.kafka_cluster import active_controller

ROOT = Path(__file__).resolve().parents[2]


class RunningFleet:
    """The fleet runner as a child process; its output goes to `<data_dir>/fleet.log`."""

    def __init__(
        self,
        data_dir: Path,
        kafka_port: int,
        topology: Topology | None = None,
        postgres_port: int | None = None,
    ) -> None:
        """A fleet with its own supervised Kafka from `kafka_port` on (one broker or three) and,
        if the topology says so, its own PostgreSQL, so tests can kill and restart them."""
        self.data_dir = data_dir
        self.topology = topology or Topology()
        self.kafka_port = kafka_port
        self.postgres_port = postgres_port or free_port()
        self.kafka_bootstrap = ",".join(
            f"127.0.0.1:{kafka_port + i}" for i in range(self.topology.brokers)
        )
        self.log_path = data_dir / "fleet.log"
        # Given to the runner (CONTENT_SERVICE_TOKEN) so tests can call Content Service too.
        self.content_token = secrets.token_urlsafe(24)
        self.pids_path = data_dir / "fleet" / "pids.json"
        self._ready = threading.Event()
        specs = fleet_services(data_dir, "", worker_replicas=self.topology.worker_replicas)
        self._health_urls = {s.name: s.health_url for s in specs}
        self.process: subprocess.Popen[bytes] | None = None
        # Under root PostgreSQL runs as an unprivileged user, who cannot enter pytest's
        # owner-only tmp dirs: its cluster goes to a directory of its own.
        self._postgres_dir: Path | None = None
        if self.topology.database == "postgresql":
            self._postgres_dir = Path(tempfile.mkdtemp(prefix="huleedu-fleet-pg-"))

    def start(self, timeout: float = 300.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "FLEET_DATA_DIR": str(self.data_dir),
            "FLEET_KAFKA_PORT": str(self.kafka_port),
            "FLEET_DATABASE": self.topology.database,
            "FLEET_KAFKA_BROKERS": str(self.topology.brokers),
            "FLEET_WORKER_REPLICAS": str(self.topology.worker_replicas),
            "FLEET_POSTGRES_PORT": str(self.postgres_port),
            "CONTENT_SERVICE_TOKEN": self.content_token,
            "NO_COLOR": "1",
        }
        if self._postgres_dir is not None:
            env["FLEET_POSTGRES_DIR"] = str(self._postgres_dir)
        env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scripts.fleet", "up"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        if not self._ready.wait(timeout) or self.process.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-5000:]
            self.stop()
            raise RuntimeError(f"fleet did not become ready:\n{tail}")

    def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        with self.log_path.open("ab") as log:
            for line in self.process.stdout:
                log.write(line)
                log.flush()
                if b"fleet ready" in line:
                    self._ready.set()

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def pids(self) -> dict[str, int]:
        pids: dict[str, int] = json.loads(self.pids_path.read_text())
        return pids

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> int:
        """Send `sig` to one service's current process; returns the pid that was hit."""
        pid = self.pids()[name]
        os.kill(pid, sig)
        return pid

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 90.0) -> int:
        """Wait until the runner has started `name` again and it is healthy; returns its pid."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.pids().get(name)
            if pid and pid != old_pid and (name not in self._health_urls or self._healthy(name)):
                return pid
            time.sleep(0.1)  # polling the pids file and health endpoint with a deadline
        raise TimeoutError(f"{name} was not restarted within {timeout}s")

    def _healthy(self, name: str) -> bool:
        return answers_ok(self._health_urls[name])

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def active_controller(self) -> str:
        """pids.json name of the Kafka node that leads the controller quorum (`kafka-N`)."""
        return f"kafka-{active_controller(self.data_dir / 'kafka-cluster')}"

    def stop(self, timeout: float = 60.0) -> int | None:
        """SIGTERM the runner (it stops every service, Kafka and PostgreSQL); returns its exit
        code."""
        if self.process is None:
            return None
        code = terminate(self.process, timeout)
        if self._postgres_dir is not None:
            shutil.rmtree(self._postgres_dir, ignore_errors=True)
        return code


def answers_ok(url: str) -> bool:
    """Whether `url` answers 200 now (a health check: any failure is "not yet")."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, http.client.HTTPException):
        # Refused, reset, timed out, an HTTP error status, or a status line cut off or
        # garbled by a process dying mid-answer: not healthy yet, ask again.
        return False
