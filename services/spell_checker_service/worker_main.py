"""Spell Checker worker: consume spellcheck requests, correct, store, publish results.

    python -m services.spell_checker_service.worker_main

Start-up order: checker processes load the dictionaries, then the Kafka clients start, then
`/metrics` answers (so a health probe on it means "ready to check"). SIGTERM/SIGINT stop the
consuming loop after the message in hand; clients and checker processes are closed; exit 0.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from common_core.content_client import ContentClient
from common_core.enums import ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import SpellcheckRequestedDataV1, SpellcheckResultDataV1
from common_core.kafka import FairConsumerLoop, KafkaEventPublisher, RetryPolicy, Route
from common_core.logs import configure_logging, get_logger
from common_core.topics import topic_name
from common_core.worker_process import consume_until, metrics_endpoint, run_until_signalled
from services.spell_checker_service.checker_pool import CheckerPool
from services.spell_checker_service.config import SERVICE_NAME, SpellCheckerSettings
from services.spell_checker_service.di import make_worker_container
from services.spell_checker_service.handlers import handle_spellcheck_request
from services.spell_checker_service.protocols import CheckText

logger = get_logger(__name__)


def build_routes(
    settings: SpellCheckerSettings,
    content: ContentClient,
    publisher: KafkaEventPublisher,
    check: CheckText,
) -> Mapping[str, Route]:
    """What the worker consumes: one topic, its contract, and the handler that decides on it.

    Requests are independent of each other, so several of a partition are handled at once.
    """

    async def publish(result: SpellcheckResultDataV1, correlation_id: str) -> None:
        await publisher.publish(result, correlation_id)

    async def handle(envelope: EventEnvelope[SpellcheckRequestedDataV1]) -> None:
        await handle_spellcheck_request(
            envelope,
            fetch_text=content.fetch_text,
            store_texts=content.store_texts,
            check=check,
            publish=publish,
        )

    return {
        topic_name(ProcessingEvent.ESSAY_SPELLCHECK_REQUESTED): Route(
            SpellcheckRequestedDataV1, handle, max_in_flight=settings.max_in_flight
        )
    }


async def run_worker(
    settings: SpellCheckerSettings,
    stop: asyncio.Event,
    *,
    retry: RetryPolicy | None = None,
    serve_metrics: bool = True,
) -> None:
    """Load dictionaries, consume and serve metrics until `stop` is set; then close in order."""
    container = make_worker_container(settings)
    try:
        checker = await container.get(CheckerPool)
        if stop.is_set():
            return
        publisher = await container.get(KafkaEventPublisher)
        consumer = FairConsumerLoop(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=settings.consumer_group,
            routes=build_routes(
                settings, await container.get(ContentClient), publisher, checker.check
            ),
            dead_letter_publisher=publisher,
            retry=retry,
        )
        await consumer.start()
        with metrics_endpoint(settings.metrics_port, settings.host, enabled=serve_metrics):
            logger.info(
                "spell_checker_ready",
                metrics_port=settings.metrics_port,
                check_workers=settings.check_workers,
                startup_seconds=round(checker.startup_seconds, 2),
            )
            await consume_until(stop, consumer)
    finally:
        await container.close()  # HTTP session, producer (flushes), checker processes
        logger.info("spell_checker_stopped")


def main() -> None:
    """Entrypoint: settings, logging, then the worker until a stop signal."""
    settings = SpellCheckerSettings()
    configure_logging(SERVICE_NAME, settings.log_level, settings.log_format)
    run_until_signalled(lambda stop: run_worker(settings, stop))


if __name__ == "__main__":
    main()
