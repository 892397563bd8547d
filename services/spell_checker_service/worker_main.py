"""Spell Checker worker: consume spellcheck requests, correct, store, publish results.

    python -m services.spell_checker_service.worker_main

Start-up order: checker processes load the dictionaries, then the Kafka clients start, then
`/metrics` answers (so a health probe on it means "ready to check"). SIGTERM/SIGINT stop the
consuming loop after the message in hand; clients and checker processes are closed; exit 0.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from prometheus_client import start_http_server

from common_core import runtime
from common_core.enums import ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import SpellcheckRequestedDataV1, SpellcheckResultDataV1
from common_core.kafka import KafkaConsumerLoop, RetryPolicy, Route, running_publisher
from common_core.logs import configure_logging, get_logger
from common_core.topics import topic_name
from services.spell_checker_service.checker_pool import CheckerPool
from services.spell_checker_service.clients import ContentClient
from services.spell_checker_service.config import SERVICE_NAME, SpellCheckerSettings
from services.spell_checker_service.handlers import handle_spellcheck_request
from services.spell_checker_service.protocols import CheckText

logger = get_logger(__name__)


@asynccontextmanager
async def kafka_clients(
    settings: SpellCheckerSettings, check: CheckText, retry: RetryPolicy | None = None
) -> AsyncIterator[KafkaConsumerLoop]:
    """Publisher, HTTP session and consuming loop, started together and always closed.

    Yields the started loop; the caller runs it (`await loop.run()`) and stops it.
    """
    timeout = aiohttp.ClientTimeout(total=settings.http_timeout_seconds)
    async with (
        running_publisher(
            settings.kafka_bootstrap_servers, SERVICE_NAME, settings.kafka_connect_timeout_seconds
        ) as publisher,
        aiohttp.ClientSession(timeout=timeout) as session,
    ):
        content = ContentClient(session, settings.content_service_url)

        async def publish(result: SpellcheckResultDataV1, correlation_id: str) -> None:
            await publisher.publish(result, correlation_id)

        async def handle(envelope: EventEnvelope[SpellcheckRequestedDataV1]) -> None:
            await handle_spellcheck_request(
                envelope,
                fetch_text=content.fetch_text,
                store_content=content.store,
                check=check,
                publish=publish,
            )

        loop = KafkaConsumerLoop(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=settings.consumer_group,
            routes={
                topic_name(ProcessingEvent.ESSAY_SPELLCHECK_REQUESTED): Route(
                    SpellcheckRequestedDataV1, handle, max_in_flight=settings.max_in_flight
                )
            },
            dead_letter_publisher=publisher,
            retry=retry,
        )
        await loop.start()
        try:
            yield loop
        finally:
            await loop.close()


async def run(settings: SpellCheckerSettings) -> None:
    """Load dictionaries, consume until SIGTERM/SIGINT, then close everything."""
    stopping = asyncio.Event()
    event_loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        event_loop.add_signal_handler(sig, stopping.set)
    async with CheckerPool(settings.check_workers) as checker:
        if stopping.is_set():
            return
        async with kafka_clients(settings, checker.check) as consumer:
            start_http_server(settings.metrics_port, addr=settings.host)
            logger.info(
                "spell_checker_ready",
                metrics_port=settings.metrics_port,
                check_workers=settings.check_workers,
                startup_seconds=round(checker.startup_seconds, 2),
            )
            stopper = asyncio.create_task(_stop_on(stopping, consumer))
            try:
                await consumer.run()
            finally:
                stopper.cancel()
    logger.info("spell_checker_stopped")


async def _stop_on(stopping: asyncio.Event, consumer: KafkaConsumerLoop) -> None:
    await stopping.wait()
    logger.info("spell_checker_stopping")
    await consumer.stop()


def main() -> None:
    """Entrypoint: settings, logging, then the worker until a stop signal."""
    settings = SpellCheckerSettings()
    configure_logging(SERVICE_NAME, settings.log_level, settings.log_format)
    runtime.run(run(settings))


if __name__ == "__main__":
    main()
