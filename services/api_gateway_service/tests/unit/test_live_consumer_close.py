"""Closing the live-update consumer ends even when the broker never lets it finish."""

from __future__ import annotations

import asyncio
import time

from services.api_gateway_service.live_consumer import BroadcastConsumer


class _NeverStops:
    """An aiokafka consumer whose stop() waits forever (a broker that stopped reading)."""

    def __init__(self) -> None:
        self.stopping = False

    async def stop(self) -> None:
        self.stopping = True
        await asyncio.Event().wait()


class _FailsToStop:
    async def stop(self) -> None:
        raise ConnectionError("broker gone")


async def test_close_gives_up_after_its_timeout_and_returns() -> None:
    consumer = BroadcastConsumer(
        bootstrap_servers="127.0.0.1:9", routes={}, client_id="t", close_timeout_seconds=0.2
    )
    hanging = _NeverStops()
    consumer._consumer = hanging
    started = time.monotonic()
    await asyncio.wait_for(consumer.close(), timeout=5)  # without the bound: TimeoutError here
    assert hanging.stopping and time.monotonic() - started < 5


async def test_close_swallows_a_failing_stop() -> None:
    consumer = BroadcastConsumer(bootstrap_servers="127.0.0.1:9", routes={}, client_id="t")
    consumer._consumer = _FailsToStop()
    await consumer.close()  # raised ConnectionError before: a failing close is logged only
