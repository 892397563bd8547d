"""Starts, watches, restarts and stops the fleet's processes (and its Kafka and PostgreSQL).

Like compose's `restart: unless-stopped`: a process that exits while the fleet runs is started
again after a short backoff, with a log line. Each service's output goes to
`<data>/logs/<service>.log`; `fleet up` also echoes it, prefixed, to the terminal, while the
demo keeps the terminal for its own story. Current pids are written to `<data>/fleet/pids.json`
so tests and operators can find (and kill) a process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp

from common_core.processes import exit_code, terminate_async
from scripts.fleet.demo_teacher import ensure_demo_teacher
from scripts.fleet.infrastructure import Infrastructure
from scripts.fleet.services import DATABASES, ServiceSpec, fleet_services
from scripts.fleet.topology import Topology
from scripts.kafka_topic_bootstrap import TopicBootstrapSettings, bootstrap_topics

ROOT = Path(__file__).resolve().parents[2]
_COLOURS = ["36", "33", "35", "32", "34", "31", "37"]


def say(message: str) -> None:
    """A line from the runner itself."""
    print(f"[fleet] {message}", flush=True)


def _kill_group(pgid: int) -> None:
    """SIGKILL whatever is left of a service's process group (it is its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class ManagedProcess:
    """One service process, restarted when it dies until the fleet stops."""

    def __init__(
        self,
        spec: ServiceSpec,
        colour: str | None,
        on_start: Callable[[], None],
        log_path: Path,
        echo: bool = True,
    ) -> None:
        self.spec = spec
        self.log_path = log_path
        self._echo = echo
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self._prefix = f"\x1b[{colour}m[{spec.name}]\x1b[0m" if colour else f"[{spec.name}]"
        self._stopping = False
        self._on_start = on_start
        self._task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name=self.spec.name)

    async def _spawn(self) -> asyncio.subprocess.Process:
        env = {**os.environ, **self.spec.env, "PYTHONUNBUFFERED": "1"}
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", self.spec.module,
            cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # the runner decides when children stop, in order
        )  # fmt: skip

    async def _supervise(self) -> None:
        backoff = 0.5
        while not self._stopping:
            started = time.monotonic()
            self.process = await self._spawn()
            self._on_start()
            pump = asyncio.create_task(self._pump_output(self.process))
            code = await exit_code(self.process)
            # Children of the service (e.g. the spell checker's pool) may outlive it and keep
            # its output pipe open; like a container's cgroup, the whole group goes with it.
            _kill_group(self.process.pid)
            await pump
            if self._stopping:
                return
            if time.monotonic() - started > 30:
                backoff = 0.5  # it ran fine for a while; this is a fresh failure
            self.restarts += 1
            say(f"{self.spec.name} exited with code {code}; restarting in {backoff:.1f}s")
            await asyncio.sleep(backoff)  # restart backoff, not synchronisation
            backoff = min(backoff * 2, 10.0)

    async def _pump_output(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        with self.log_path.open("ab") as log:
            async for line in process.stdout:
                log.write(line)
                log.flush()
                if self._echo:
                    sys.stdout.write(f"{self._prefix} {line.decode(errors='replace').rstrip()}\n")
                    sys.stdout.flush()

    async def stop(self, timeout: float = 8.0) -> None:
        self._stopping = True
        process = self.process
        if process is not None and not await terminate_async(
            process, timeout, dump_tasks_first=True
        ):
            say(f"{self.spec.name} did not stop in {timeout}s; killed it")
        if self._task is not None:
            await self._task


class Fleet:
    """The backing servers (Kafka unless one is given, PostgreSQL if the topology says so), the
    topics and every service process."""

    def __init__(
        self,
        data_dir: Path,
        kafka_bootstrap: str | None = None,
        kafka_port: int = 9092,
        topology: Topology | None = None,
        postgres_dir: Path | None = None,
        postgres_port: int = 55432,
        echo_logs: bool = True,
        content_token: str | None = None,
    ) -> None:
        """`content_token` is Content Service's shared secret; None makes a fresh one."""
        self.data_dir = data_dir.resolve()
        self.log_dir = self.data_dir / "logs"
        self.topology = topology or Topology()
        self.infrastructure = Infrastructure(
            self.data_dir,
            self.topology,
            kafka_bootstrap=kafka_bootstrap,
            kafka_port=kafka_port,
            postgres_dir=postgres_dir.resolve() if postgres_dir else None,
            postgres_port=postgres_port,
            databases=DATABASES,
            say=say,
        )
        self.infrastructure.on_restart = self._write_pids
        self.kafka_bootstrap = self.infrastructure.kafka_bootstrap
        self.pids_file = self.data_dir / "fleet" / "pids.json"
        colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        database_url = (
            self.infrastructure.database_url if self.topology.database == "postgresql" else None
        )
        # Only the fleet's own processes learn it: Content Service is internal.
        self.content_token = content_token or secrets.token_urlsafe(32)
        specs = fleet_services(
            self.data_dir,
            self.kafka_bootstrap,
            self.content_token,
            database_url,
            self.topology.worker_replicas,
        )
        self.processes = [
            ManagedProcess(
                spec,
                _COLOURS[i % len(_COLOURS)] if colour else None,
                self._write_pids,
                self.log_dir / f"{spec.name}.log",
                echo_logs,
            )
            for i, spec in enumerate(specs)
        ]

    def _write_pids(self) -> None:
        self.pids_file.parent.mkdir(parents=True, exist_ok=True)
        pids = {p.spec.name: p.pid for p in self.processes if p.pid}
        for name, server in self.infrastructure.servers().items():
            if server.process is not None:
                pids[name] = server.process.pid
        tmp = self.pids_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(pids, indent=2))
        tmp.replace(self.pids_file)

    async def start(self, health_timeout: float = 180.0) -> None:
        """Start everything and return once every health check answers 200."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(exist_ok=True)
        say(f"service logs in {self.log_dir}")
        say(f"topology: {self.topology.describe()}")
        await self.infrastructure.start()
        self._write_pids()
        settings = TopicBootstrapSettings(
            kafka_bootstrap_servers=self.kafka_bootstrap,
            kafka_topic_replication_factor=self.topology.replication_factor,
            kafka_topic_min_insync_replicas=self.topology.min_insync_replicas,
        )
        topics = await bootstrap_topics(settings)
        say(f"{len(topics)} topics ready")
        for process in self.processes:
            process.start()
        # The demo teacher is made beside the health checks (identity's CLI migrates too).
        identity = next(p.spec for p in self.processes if p.spec.name == "identity_service")
        demo_teacher, _ = await asyncio.gather(
            ensure_demo_teacher(self.data_dir, identity, ROOT), self.wait_healthy(health_timeout)
        )
        say(demo_teacher)

    async def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = {p.spec.name: p.spec.health_url for p in self.processes}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while pending:
                for name, url in list(pending.items()):
                    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                        async with http.get(url) as response:
                            if response.status == 200:
                                say(f"{name} healthy")
                                del pending[name]
                if pending and time.monotonic() > deadline:
                    raise TimeoutError(f"not healthy after {timeout}s: {sorted(pending)}")
                if pending:
                    await asyncio.sleep(0.25)  # polling interval of the health checks

    async def stop(self) -> None:
        """Stop services (consumers first finish their message), then Kafka and PostgreSQL."""
        await asyncio.gather(*(p.stop() for p in reversed(self.processes)))
        await self.infrastructure.stop()
        with contextlib.suppress(FileNotFoundError):
            self.pids_file.unlink()
        say("stopped")
