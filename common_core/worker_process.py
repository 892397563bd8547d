"""How a worker process (a Kafka consumer with no web app) lives: until SIGTERM or SIGINT, with
Prometheus's `/metrics` served once it consumes.

Every worker's `run_worker(settings, stop, ...)` takes the `stop` event so tests can run it in
their own event loop and stop it; `run_until_signalled` is what its `main()` uses to set that
event on a signal. `/metrics` answering is the worker's readiness probe, so it starts only after
the worker's consumer has joined its group.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from prometheus_client import start_http_server

from common_core import runtime
from common_core.kafka import KafkaConsumerLoop
from common_core.logs import get_logger
from common_core.task_dump import install_task_dump

logger = get_logger(__name__)


def run_until_signalled(run_worker: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run `run_worker(stop)` on the fleet's event loop; SIGTERM or SIGINT sets `stop`, SIGUSR1
    logs where every task waits (`common_core.task_dump`)."""

    async def serve() -> None:
        stop = asyncio.Event()
        event_loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            event_loop.add_signal_handler(sig, stop.set)
        install_task_dump()
        await run_worker(stop)

    runtime.run(serve())


@contextmanager
def metrics_endpoint(port: int, host: str, *, enabled: bool = True) -> Iterator[None]:
    """Serve `/metrics` for the block (not at all when `enabled` is false, as in tests that
    run a worker beside the fleet's, whose port it would take)."""
    server = start_http_server(port, addr=host)[0] if enabled else None
    try:
        yield
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()


async def consume_until(stop: asyncio.Event, consumer: KafkaConsumerLoop) -> None:
    """Run the started consumer until `stop` is set, then stop it after the messages in hand
    (their offsets committed, the rest left for the group's next member)."""

    async def stop_when_asked() -> None:
        await stop.wait()
        logger.info("worker_stopping")
        await consumer.stop()

    stopper = asyncio.create_task(stop_when_asked(), name="stop-on-signal")
    try:
        await consumer.run()
    finally:
        stopper.cancel()
