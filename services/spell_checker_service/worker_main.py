"""Spell Checker worker: consume spellcheck requests, correct, store, publish results.

python -m services.spell_checker_service.worker_main
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import aiohttp
from prometheus_client import start_http_server

from common_core.enums import Language, ProcessingEvent
from common_core.envelope import EventEnvelope
from common_core.events import SpellcheckRequestedDataV1, SpellcheckResultDataV1
from common_core.kafka import KafkaConsumerLoop, KafkaEventPublisher, Route
from common_core.logs import configure_logging, get_logger
from common_core.topics import topic_name
from services.spell_checker_service.clients import ContentClient
from services.spell_checker_service.config import SpellCheckerSettings
from services.spell_checker_service.dictionaries import load_all
from services.spell_checker_service.engine import CheckResult, TextCorrector
from services.spell_checker_service.handlers import handle_spellcheck_request

SERVICE_NAME = "spell_checker_service"
logger = get_logger(__name__)


class Checkers:
    """Every language's corrector, loaded once per process; checks run off the event loop."""

    def __init__(self, correctors: dict[Language, TextCorrector]) -> None:
        self._correctors = correctors

    async def check(self, text: str, language: Language) -> CheckResult:
        return await asyncio.to_thread(self._correctors[language].correct, text)


@asynccontextmanager
async def kafka_clients(
    settings: SpellCheckerSettings, checkers: Checkers
) -> AsyncIterator[KafkaConsumerLoop]:
    """Publisher, HTTP session and consuming loop, started together and always closed."""
    timeout = aiohttp.ClientTimeout(total=settings.http_timeout_seconds)
    async with (
        KafkaEventPublisher(settings.kafka_bootstrap_servers, SERVICE_NAME) as publisher,
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
                check=checkers.check,
                publish=publish,
            )

        loop = KafkaConsumerLoop(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=settings.consumer_group,
            routes={
                topic_name(ProcessingEvent.ESSAY_SPELLCHECK_REQUESTED): Route(
                    SpellcheckRequestedDataV1, handle
                )
            },
            dead_letter_publisher=publisher,
        )
        await loop.start()
        yield loop


async def run(settings: SpellCheckerSettings) -> None:
    checkers = Checkers(await asyncio.to_thread(load_all))
    logger.info("dictionaries_loaded", languages=[str(lang) for lang in Language])
    start_http_server(settings.metrics_port, addr=settings.host)
    async with kafka_clients(settings, checkers) as loop:
        stop_loop = partial(asyncio.ensure_future, loop.stop())
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop_loop)
        await loop.run()
    logger.info("spell_checker_stopped")


def main() -> None:
    settings = SpellCheckerSettings()
    configure_logging(SERVICE_NAME, settings.log_level, settings.log_format)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
