"""Dishka wiring: what the worker process is made of, each part closed when it stops.

Start-up order is the order worker_main asks for them: the checker processes load the
dictionaries first (seconds), then the Kafka publisher and the Content Service session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide

from common_core.content_client import ContentClient
from common_core.kafka import KafkaEventPublisher, running_publisher
from services.spell_checker_service.checker_pool import CheckerPool
from services.spell_checker_service.config import SERVICE_NAME, SpellCheckerSettings


class WorkerProvider(Provider):
    """Checker processes, the Kafka publisher and the Content Service client of the worker."""

    settings = from_context(provides=SpellCheckerSettings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def checker(self, settings: SpellCheckerSettings) -> AsyncIterator[CheckerPool]:
        """Checker processes with every language loaded; stopped after the checks in hand."""
        async with CheckerPool(settings.check_workers) as pool:
            yield pool

    @provide(scope=Scope.APP)
    async def publisher(self, settings: SpellCheckerSettings) -> AsyncIterator[KafkaEventPublisher]:
        """One producer for results and dead letters; flushed and closed at shutdown."""
        async with running_publisher(
            settings.kafka_bootstrap_servers, SERVICE_NAME, settings.kafka_connect_timeout_seconds
        ) as publisher:
            yield publisher

    @provide(scope=Scope.APP)
    async def content(self, settings: SpellCheckerSettings) -> AsyncIterator[ContentClient]:
        """Content Service over one HTTP session, whose timeout bounds every call."""
        timeout = aiohttp.ClientTimeout(total=settings.http_timeout_seconds)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            yield ContentClient(
                session, settings.content_service_url, settings.content_service_token
            )


def make_worker_container(settings: SpellCheckerSettings) -> AsyncContainer:
    """Container of the worker process."""
    return make_async_container(WorkerProvider(), context={SpellCheckerSettings: settings})
