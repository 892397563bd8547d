"""Content Service benchmark: CPU and latency per request against the real server process.

    .venv/bin/python -m scripts.bench_content                  # 600 requests, concurrency 16
    .venv/bin/python -m scripts.bench_content -n 3000 -c 32    # longer, e.g. to profile it

Starts `python -m services.content_service.app` on a free port with a fresh temporary store,
warms it up, then drives it with aiohttp on keep-alive connections the way the fleet does:
two thirds of the requests store ~2 KB UTF-8 texts (File Service and Spell Checker), one third
fetch stored texts back (Spell Checker), each with an `X-Correlation-ID`. Prints requests/s,
p50/p95 latency per kind and the server's CPU seconds (user + system, psutil) per request.
The server logs in the fleet's format (`console`) to /dev/null, so formatting still costs.
`--py-spy PATH` records a raw py-spy profile of the server during the measured phase.

The bodies are made before the server is warmed up: a client whose event loop is busy for
longer than Hypercorn's keep-alive timeout (5 s) misses the server closing its idle connections,
reuses one, and aiohttp does not retry a POST that fails that way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import aiohttp
import psutil

from common_core.content import content_headers
from common_core.processes import free_port, terminate

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("the", "essay", "argues", "that", "students", "learn", "more", "when", "they", "write")
WARMUP_REQUESTS = 30
# The server is started here, so the bench makes its service token up itself.
BENCH_TOKEN = uuid.uuid4().hex
BENCH_BATCH = "bench-batch"


@dataclass
class Timings:
    """Latencies (seconds) of one kind of request."""

    seconds: list[float] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        """The `share` quantile in milliseconds (0.0 when nothing was timed)."""
        if not self.seconds:
            return 0.0
        if len(self.seconds) == 1:
            return self.seconds[0] * 1000
        cuts = statistics.quantiles(self.seconds, n=100, method="inclusive")
        return cuts[max(0, min(98, round(share * 100) - 1))] * 1000


def essay_text(size: int, rng: random.Random) -> bytes:
    """About `size` bytes of essay-like UTF-8 (with a non-ASCII letter, as real essays have)."""
    words: list[str] = ["Åsa"]
    length = len(words[0]) + 1
    while length < size:
        words.append(rng.choice(WORDS))
        length += len(words[-1]) + 1
    return " ".join(words).encode()


def start_server(port: int, store_root: Path, log_format: str) -> subprocess.Popen[bytes]:
    """The Content Service as its own process, configured through its env settings."""
    env = {
        **os.environ,
        "CONTENT_SERVICE_HOST": "127.0.0.1",
        "CONTENT_SERVICE_PORT": str(port),
        "CONTENT_SERVICE_CONTENT_STORE_ROOT": str(store_root),
        "CONTENT_SERVICE_LOG_FORMAT": log_format,
        "CONTENT_SERVICE_CONTENT_SERVICE_TOKEN": BENCH_TOKEN,
        # No broker here: the benchmark measures storing and fetching, not deletions.
        "CONTENT_SERVICE_CONSUME_DELETIONS": "false",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "services.content_service.app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_healthy(
    session: aiohttp.ClientSession, base_url: str, process: subprocess.Popen[bytes]
) -> None:
    """Return once /healthz answers 200; fail if the process exits or 30 s pass."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"content service exited with {process.returncode}")
        try:
            async with session.get(f"{base_url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError("content service did not become healthy")


class Driver:
    """Sends stores and fetches over one keep-alive session and times each."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._base_url = base_url
        self.stored: list[tuple[str, bytes]] = []

    async def store(self, body: bytes, timings: Timings) -> None:
        """POST one text; keeps its id so a later fetch can check the bytes."""
        started = time.perf_counter()
        async with self._session.post(
            f"{self._base_url}/v1/content",
            data=body,
            headers={
                **content_headers(BENCH_TOKEN, BENCH_BATCH),
                "Content-Type": "text/plain; charset=utf-8",
                "X-Correlation-ID": str(uuid.uuid4()),
            },
        ) as response:
            payload = await response.json()
        timings.seconds.append(time.perf_counter() - started)
        if response.status != 201:
            raise RuntimeError(f"store answered {response.status}: {payload}")
        self.stored.append((payload["storage_id"], body))

    async def fetch(self, index: int, timings: Timings) -> None:
        """GET a stored text back and check it is byte for byte what was sent."""
        storage_id, body = self.stored[index % len(self.stored)]
        started = time.perf_counter()
        async with self._session.get(
            f"{self._base_url}/v1/content/{storage_id}",
            headers={**content_headers(BENCH_TOKEN), "X-Correlation-ID": str(uuid.uuid4())},
        ) as response:
            data = await response.read()
        timings.seconds.append(time.perf_counter() - started)
        if response.status != 200 or data != body:
            raise RuntimeError(f"fetch of {storage_id} answered {response.status}")


async def run_bounded(jobs: Sequence[Callable[[], Awaitable[None]]], concurrency: int) -> None:
    """Run `jobs` with at most `concurrency` in flight (a fixed pool of client tasks)."""
    queue = iter(jobs)

    async def worker() -> None:
        for job in queue:
            await job()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def server_cpu(process: psutil.Process) -> tuple[float, float]:
    """CPU seconds (user, system; all threads) the server process has used so far."""
    times = process.cpu_times()
    return float(times.user), float(times.system)


async def bench(args: argparse.Namespace) -> None:
    """Start the server, warm it up, run the measured load and print the figures."""
    rng = random.Random(7)
    stores = max(1, args.requests * 2 // 3)
    fetches = args.requests - stores
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-content-") as tmp:
        process = start_server(port, Path(tmp) / "store", args.log_format)
        connector = aiohttp.TCPConnector(limit=args.concurrency)
        try:
            bodies = [essay_text(args.size, rng) for _ in range(stores)]
            async with aiohttp.ClientSession(connector=connector) as session:
                await wait_healthy(session, base_url, process)
                driver = Driver(session, base_url)
                warm = Timings()
                await run_bounded(
                    [partial(driver.store, essay_text(args.size, rng), warm)] * WARMUP_REQUESTS,
                    args.concurrency,
                )
                await run_bounded(
                    [partial(driver.fetch, i, warm) for i in range(WARMUP_REQUESTS)],
                    args.concurrency,
                )
                store_times, fetch_times = Timings(), Timings()
                store_jobs = [partial(driver.store, b, store_times) for b in bodies]
                fetch_jobs = [
                    partial(driver.fetch, WARMUP_REQUESTS + i, fetch_times) for i in range(fetches)
                ]
                server = psutil.Process(process.pid)
                profiler = start_profiler(args.py_spy, args.profile_out, process.pid)
                cpu_before, started = server_cpu(server), time.perf_counter()
                await run_bounded(store_jobs, args.concurrency)
                await run_bounded(fetch_jobs, args.concurrency)
                elapsed = time.perf_counter() - started
                cpu_after = server_cpu(server)
                cpu = (cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1])
                stop_profiler(profiler)
        finally:
            terminate(process, timeout=15)
    report(args, stores, fetches, elapsed, cpu, store_times, fetch_times)


def start_profiler(py_spy: str | None, out: Path, pid: int) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the server for the measured phase, when `--py-spy` names its binary.

    Its own sampling costs the server a little CPU, so profile runs are not figure runs.
    """
    if py_spy is None:
        return None
    profiler = subprocess.Popen(
        [py_spy, "record", "-p", str(pid), "-o", str(out), "-f", "raw", "-r", "200"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # attaching takes a moment; start the load once it samples
    return profiler


def stop_profiler(profiler: subprocess.Popen[bytes] | None) -> None:
    """SIGINT makes py-spy write its output file before it exits."""
    if profiler is not None:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(timeout=30)


def report(
    args: argparse.Namespace,
    stores: int,
    fetches: int,
    elapsed: float,
    cpu: tuple[float, float],
    store_times: Timings,
    fetch_times: Timings,
) -> None:
    """Print one block of figures."""
    total = stores + fetches
    both = Timings(store_times.seconds + fetch_times.seconds)
    print(
        f"content_service bench: {total} requests ({stores} stores of ~{args.size} B, "
        f"{fetches} fetches), concurrency {args.concurrency}"
    )
    print(f"  throughput     {total / elapsed:8.1f} requests/s ({elapsed:.2f} s)")
    for name, timings in (("all", both), ("store", store_times), ("fetch", fetch_times)):
        print(
            f"  latency {name:<6} p50 {timings.percentile(0.50):6.2f} ms   "
            f"p95 {timings.percentile(0.95):6.2f} ms"
        )
    user, system = cpu
    print(
        f"  server CPU     {user + system:.3f} s = {(user + system) / total * 1000:.3f} ms "
        f"per request (user {user / total * 1000:.3f}, system {system / total * 1000:.3f})"
    )


def main() -> None:
    """Parse the arguments and run the benchmark once."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("-n", "--requests", type=int, default=600, help="measured requests")
    parser.add_argument("-c", "--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument("--size", type=int, default=2048, help="bytes per stored text")
    parser.add_argument(
        "--log-format", choices=["console", "json"], default="console", help="server log format"
    )
    parser.add_argument("--py-spy", help="py-spy binary: profile the server's measured phase")
    parser.add_argument(
        "--profile-out", type=Path, default=Path("content_profile.txt"), help="py-spy raw output"
    )
    args = parser.parse_args()
    if args.requests < 2 or args.concurrency < 1:
        parser.error("need at least 2 requests and a concurrency of at least 1")
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
