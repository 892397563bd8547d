"""WebSocket latency benchmark: event published on Kafka -> message received by a browser-like
WebSocket client of the API gateway, with 50 clients connected.

    .venv/bin/python -m scripts.bench_ws                       # 50 clients, 1000 events
    .venv/bin/python -m scripts.bench_ws --clients 200 --rate 400
    .venv/bin/python -m scripts.bench_ws --bootstrap 127.0.0.1:9092   # an already running broker

Starts a local broker (unless `--bootstrap`), creates the topics, and runs the real gateway
(`python -m services.api_gateway_service.app`) as its own process on a free port. The gateway
verifies tokens against a JWKS this script serves (an RSA key made for the run), so no
identity service is needed. The clients are teachers, two connections (tabs) each; events
(`BatchPipelineProgressUpdated`, one unique batch id each) are published at `--rate` per
second, round-robin over the teachers. Latency is the time from just before the producer's
send to the client's receipt of the message, both measured on this process's clock. Prints
p50/p95/p99/max over every delivered message, and how many were delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from common_core.auth.settings import DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER
from common_core.enums import BatchStatus, PipelineExecutionStatus
from common_core.events import BatchPipelineProgressUpdated
from common_core.kafka import KafkaEventPublisher, running_publisher
from common_core.logs import configure_logging
from common_core.metadata import EntityReference, SystemProcessingMetadata
from common_core.pipeline import EssayCounts, PipelineStateDetail, ProcessingPipelineState
from common_core.processes import free_port, terminate
from scripts.kafka_topic_bootstrap import TopicBootstrapSettings, bootstrap_topics
from scripts.local_kafka import LocalKafka

ROOT = Path(__file__).resolve().parent.parent
KID = "bench-key"
TABS_PER_TEACHER = 2


class Signer:
    """An RSA key for this run: signs the clients' tokens, published as a one-key JWKS."""

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public: dict[str, Any] = json.loads(
            jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key())
        )
        self.jwks = {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def token(self, teacher_id: str) -> str:
        now = int(time.time())
        claims = {
            "sub": teacher_id, "iss": DEFAULT_JWT_ISSUER, "aud": DEFAULT_JWT_AUDIENCE,
            "iat": now, "nbf": now, "exp": now + 3600,
        }  # fmt: skip
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KID})


@contextlib.asynccontextmanager
async def serving_jwks(signer: Signer) -> AsyncIterator[str]:
    """Serve the JWKS on a free port; yields its URL."""
    app = web.Application()

    async def jwks(_: web.Request) -> web.Response:
        return web.json_response(signer.jwks)

    app.router.add_get("/jwks.json", jwks)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/jwks.json"
    finally:
        await runner.cleanup()


@contextlib.contextmanager
def gateway_process(bootstrap: str, jwks_url: str, port: int) -> Any:
    """The gateway as its own process, logging to a temporary file."""
    env = {
        **os.environ,
        "GATEWAY_PORT": str(port),
        "GATEWAY_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "GATEWAY_IDENTITY_JWKS_URL": jwks_url,
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.api_gateway_service.app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            yield process
        finally:
            terminate(process, 10)


async def wait_serving(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """The gateway answers HTTP only after its consumer is positioned (startup hook)."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("the gateway exited during start-up")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(f"{url}/metrics") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)  # polling the server's start with a deadline
    raise TimeoutError("the gateway did not start")


def progress_event(batch_id: str, teacher_id: str) -> BatchPipelineProgressUpdated:
    return BatchPipelineProgressUpdated(
        batch_id=batch_id,
        batch_status=BatchStatus.PROCESSING,
        pipeline_state=ProcessingPipelineState(
            spellcheck=PipelineStateDetail(
                status=PipelineExecutionStatus.IN_PROGRESS,
                essay_counts=EssayCounts(total=30, successful=12, pending=18),
            )
        ),
        teacher_id=teacher_id,
        metadata=SystemProcessingMetadata(entity=EntityReference.batch(batch_id)),
    )


async def wait_connected(ready: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
    """Until every client said `connected`; a client that failed raises its error here."""
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait([waiter, *tasks], timeout=30, return_when="FIRST_COMPLETED")
    if waiter not in done:
        waiter.cancel()
        for task in done:
            task.result()
        raise TimeoutError("the clients did not all connect within 30 s")


class Clients:
    """The connected clients and what they received: latency per (batch id, client)."""

    def __init__(self) -> None:
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.connected = 0
        self._changed = asyncio.Event()

    async def wait_for(self, count: int, timeout: float) -> None:
        """Until `count` messages were measured or `timeout` seconds passed."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while len(self.latencies) < count:
                    self._changed.clear()
                    await self._changed.wait()

    async def run_client(
        self, http: aiohttp.ClientSession, url: str, ready: asyncio.Event, total: int
    ) -> None:
        async with http.ws_connect(url, heartbeat=None) as ws:
            async for message in ws:
                received = time.perf_counter()
                body = json.loads(message.data)
                if body["type"] == "connected":
                    self.connected += 1
                    if self.connected == total:
                        ready.set()
                elif body["type"] == "ping":
                    await ws.send_str('{"type": "pong"}')
                elif body["type"] == "batch_progress":
                    sent = self.sent_at.get(body["batch_id"])
                    if sent is not None:
                        self.latencies.append(received - sent)
                        self._changed.set()


async def publish(
    publisher: KafkaEventPublisher, clients: Clients, teachers: list[str], events: int, rate: float
) -> None:
    """Publish `events` events at `rate` per second, round-robin over the teachers."""
    started = time.perf_counter()
    for n in range(events):
        due = started + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))  # pacing, not synchronisation
        batch_id = f"bench-{uuid.uuid4().hex[:12]}"
        clients.sent_at[batch_id] = time.perf_counter()
        await publisher.publish(progress_event(batch_id, teachers[n % len(teachers)]), batch_id)


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile in milliseconds."""
    cuts = statistics.quantiles(values, n=1000, method="inclusive")
    return cuts[max(0, min(998, round(share * 1000) - 1))] * 1000


async def bench(args: argparse.Namespace, bootstrap: str) -> int:
    await bootstrap_topics(TopicBootstrapSettings(kafka_bootstrap_servers=bootstrap))
    signer = Signer()
    teachers = [f"teacher-{n}" for n in range(max(1, args.clients // TABS_PER_TEACHER))]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with serving_jwks(signer) as jwks_url:
        with gateway_process(bootstrap, jwks_url, port) as process:
            await wait_serving(base, process)
            clients, ready = Clients(), asyncio.Event()
            async with (
                aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http,
                running_publisher(bootstrap, "batch_orchestrator_service") as publisher,
            ):
                urls = [
                    f"ws://127.0.0.1:{port}/v1/ws?token={signer.token(teacher)}"
                    for teacher in teachers
                    for _ in range(TABS_PER_TEACHER)
                ][: args.clients]
                tasks = [
                    asyncio.create_task(clients.run_client(http, url, ready, len(urls)))
                    for url in urls
                ]
                await wait_connected(ready, tasks)
                # Warm-up: the first events pay for connections and code paths.
                await publish(publisher, clients, teachers, min(50, args.events), args.rate)
                await asyncio.sleep(1)  # let the warm-up's messages drain
                clients.latencies.clear()
                await publish(publisher, clients, teachers, args.events, args.rate)
                expected = args.events * len(urls) // len(teachers)
                await clients.wait_for(expected, timeout=10)
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    latencies = clients.latencies
    print(
        f"{len(urls)} clients ({len(teachers)} teachers x {TABS_PER_TEACHER} tabs), "
        f"{args.events} events at {args.rate:.0f}/s: {len(latencies)}/{expected} messages "
        "delivered"
    )
    if len(latencies) < 2:
        print("too few messages to measure")
        return 1
    print(
        f"event published -> message received: p50 {percentile(latencies, 0.50):.1f} ms, "
        f"p95 {percentile(latencies, 0.95):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms"
    )
    return 0 if len(latencies) == expected else 1


def main() -> None:
    """Parse the options, start a broker unless one is given, run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=50, help="WebSocket clients connected")
    parser.add_argument("--events", type=int, default=1000, help="measured events")
    parser.add_argument("--rate", type=float, default=100.0, help="events published per second")
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    args = parser.parse_args()
    configure_logging("bench_ws", "WARNING", "console")
    kafka = None
    bootstrap = args.bootstrap
    if bootstrap is None:
        kafka = LocalKafka(Path(tempfile.mkdtemp(prefix="bench-ws-kafka-")), port=free_port())
        kafka.start()
        bootstrap = kafka.bootstrap_servers
    try:
        code = asyncio.run(bench(args, bootstrap))
    finally:
        if kafka is not None:
            kafka.stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
