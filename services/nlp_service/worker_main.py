"""NLP worker: consume NLP requests, compute an essay's metrics, store them, publish results.

    python -m services.nlp_service.worker_main

Start-up order: language data is loaded (wordfreq lists, CMUdict), the Kafka clients start,
then `/metrics` answers (so a health probe on it means "ready to analyse"). SIGTERM/SIGINT stop
the consuming loop after the messages in hand; clients are closed; exit 0.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from common_core.enums import ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import NlpRequestedDataV1, NlpResultDataV1
from common_core.kafka import FairConsumerLoop, KafkaEventPublisher, RetryPolicy, Route
from common_core.logs import configure_logging, get_logger
from common_core.topics import topic_name
from common_core.worker_process import consume_until, metrics_endpoint, run_until_signalled
from services.nlp_service.clients import NlpContent
from services.nlp_service.config import SERVICE_NAME, NlpSettings
from services.nlp_service.di import make_worker_container
from services.nlp_service.handlers import handle_nlp_request
from services.nlp_service.language_data import LanguageTable

logger = get_logger(__name__)


def build_routes(
    settings: NlpSettings,
    content: NlpContent,
    publisher: KafkaEventPublisher,
    language_data: LanguageTable,
) -> Mapping[str, Route]:
    """What the worker consumes: one topic, its contract, and the handler that decides on it.

    Requests are independent of each other, so several of a partition are handled at once.
    """

    async def publish(result: NlpResultDataV1, correlation_id: str) -> None:
        await publisher.publish(result, correlation_id)

    async def handle(envelope: EventEnvelope[NlpRequestedDataV1]) -> None:
        await handle_nlp_request(
            envelope,
            fetch_text=content.fetch_text,
            store_metrics=content.store_metrics,
            publish=publish,
            language_data=language_data,
        )

    return {
        topic_name(ProcessingEvent.ESSAY_NLP_REQUESTED): Route(
            NlpRequestedDataV1, handle, max_in_flight=settings.max_in_flight
        )
    }


async def run_worker(
    settings: NlpSettings,
    stop: asyncio.Event,
    *,
    retry: RetryPolicy | None = None,
    serve_metrics: bool = True,
) -> None:
    """Load, consume and serve metrics until `stop` is set; then close everything in order."""
    container = make_worker_container(settings)
    try:
        publisher = await container.get(KafkaEventPublisher)
        consumer = FairConsumerLoop(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=settings.consumer_group,
            routes=build_routes(
                settings,
                await container.get(NlpContent),
                publisher,
                await container.get(LanguageTable),
            ),
            dead_letter_publisher=publisher,
            retry=retry,
        )
        await consumer.start()
        with metrics_endpoint(settings.metrics_port, settings.host, enabled=serve_metrics):
            logger.info("nlp_worker_started", group_id=settings.consumer_group)
            await consume_until(stop, consumer)
    finally:
        await container.close()  # HTTP session, producer (flushes)
        logger.info("nlp_worker_stopped")


def main() -> None:
    """Entrypoint: settings, logging, then the worker until a stop signal."""
    settings = NlpSettings()
    configure_logging(SERVICE_NAME, settings.log_level, settings.log_format)
    run_until_signalled(lambda stop: run_worker(settings, stop))


if __name__ == "__main__":
    main()
