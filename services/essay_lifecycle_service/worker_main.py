"""ELS worker entrypoint: `python -m services.essay_lifecycle_service.worker_main`.

Runs three things until SIGTERM/SIGINT: the consuming loop (topic -> contract -> handler, below),
the outbox relay that publishes what the handlers committed, and Prometheus metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from common_core import events
from common_core.enums import ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.kafka import KafkaConsumerLoop, KafkaEventPublisher, Route
from common_core.logs import configure_logging, get_logger
from common_core.outbox import OutboxRelay
from common_core.topics import topic_name
from common_core.worker_process import metrics_endpoint, run_until_signalled
from services.essay_lifecycle_service import handlers, phase_handlers
from services.essay_lifecycle_service.config import WORKER_PROCESS_NAME, ELSSettings
from services.essay_lifecycle_service.di import make_worker_container
from services.essay_lifecycle_service.protocols import UnitOfWorkFactory

logger = get_logger("services.essay_lifecycle_service.worker_main")


def build_routes(units_of_work: UnitOfWorkFactory) -> Mapping[str, Route]:
    """What the worker consumes: each topic's contract and the handler that decides on it.

    Every call gets a fresh unit of work. The per-essay topics take a whole poll at once (one
    transaction per poll); a single message (when a poll is split to find a poison message)
    is a poll of one.
    """
    return {
        topic_name(ProcessingEvent.BATCH_ESSAYS_REGISTERED): Route(
            events.BatchEssaysRegistered,
            lambda env: handlers.register_batch(env.data, env.correlation_id, units_of_work()),
        ),
        topic_name(ProcessingEvent.ESSAY_CONTENT_READY): Route(
            events.EssayContentReady,
            batch_handler=lambda envs: handlers.assign_contents_to_slots(
                _pairs(envs), units_of_work()
            ),
        ),
        topic_name(ProcessingEvent.ESSAY_VALIDATION_FAILED): Route(
            events.EssayValidationFailed,
            batch_handler=lambda envs: handlers.record_validation_failures(
                _pairs(envs), units_of_work()
            ),
        ),
        # Forget a deleted batch (its rows); what still arrives for it is dropped.
        topic_name(ProcessingEvent.BATCH_DELETED): Route(
            events.BatchDeleted,
            lambda env: handlers.forget_batch(env.data, env.correlation_id, units_of_work()),
        ),
        # One pair of routes per pipeline phase: its command, and its workers' results.
        topic_name(ProcessingEvent.BATCH_SPELLCHECK_INITIATE_COMMAND): Route(
            events.BatchServiceSpellcheckInitiateCommandDataV1,
            lambda env: phase_handlers.start_spellcheck(
                env.data, env.correlation_id, units_of_work()
            ),
        ),
        topic_name(ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED): Route(
            events.SpellcheckResultDataV1,
            batch_handler=lambda envs: phase_handlers.record_spellcheck_results(
                _pairs(envs), units_of_work()
            ),
        ),
        topic_name(ProcessingEvent.BATCH_NLP_INITIATE_COMMAND): Route(
            events.BatchServiceNlpInitiateCommandDataV1,
            lambda env: phase_handlers.start_nlp(env.data, env.correlation_id, units_of_work()),
        ),
        topic_name(ProcessingEvent.ESSAY_NLP_RESULT_RECEIVED): Route(
            events.NlpResultDataV1,
            batch_handler=lambda envs: phase_handlers.record_nlp_results(
                _pairs(envs), units_of_work()
            ),
        ),
    }


def _pairs(envelopes: Sequence[EventEnvelope[Any]]) -> list[tuple[Any, str]]:
    """(payload, correlation_id) per envelope: what the batch handlers take."""
    return [(envelope.data, envelope.correlation_id) for envelope in envelopes]


async def run_worker(
    settings: ELSSettings, stop: asyncio.Event, *, serve_metrics: bool = True
) -> None:
    """Consume, relay and serve metrics until `stop` is set; then shut down in order.

    Raises what a crashed component raised, so the process exits non-zero and is restarted.
    """
    container = make_worker_container(settings)
    try:
        relay = await container.get(OutboxRelay)
        consumer = KafkaConsumerLoop(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=settings.consumer_group,
            routes=build_routes(await container.get(UnitOfWorkFactory)),
            dead_letter_publisher=await container.get(KafkaEventPublisher),
        )
        await consumer.start()
        with metrics_endpoint(settings.metrics_port, settings.host, enabled=serve_metrics):
            logger.info("worker_started", group_id=settings.consumer_group)
            await _run_until_stopped(consumer, relay, stop)
    finally:
        await container.close()  # relay engine, producer (flushes), writer engine
        logger.info("worker_stopped")


async def _run_until_stopped(
    consumer: KafkaConsumerLoop, relay: OutboxRelay, stop: asyncio.Event
) -> None:
    consuming = asyncio.create_task(consumer.run(), name="consumer")
    relaying = asyncio.create_task(relay.run(), name="outbox-relay")
    stopping = asyncio.create_task(stop.wait(), name="stop")
    await asyncio.wait({consuming, relaying, stopping}, return_when=asyncio.FIRST_COMPLETED)
    # The consumer abandons (does not commit) a message whose handler has not finished; the
    # relay finishes its round. Whatever is left in the outbox goes out after the next start.
    await consumer.stop()
    await relay.stop()
    stopping.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await stopping
    results = await asyncio.gather(consuming, relaying, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


def main() -> None:
    """Read settings from the environment and work until SIGTERM/SIGINT."""
    settings = ELSSettings()
    configure_logging(WORKER_PROCESS_NAME, settings.log_level, settings.log_format)
    run_until_signalled(lambda stop: run_worker(settings, stop))


if __name__ == "__main__":
    main()
