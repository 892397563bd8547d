"""Dishka wiring: what the worker process is made of, each part closed when it stops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide

from common_core.content_client import ContentClient
from common_core.kafka import KafkaEventPublisher, running_publisher
from services.nlp_service.clients import NlpContent
from services.nlp_service.config import SERVICE_NAME, NlpSettings
from services.nlp_service.language_data import LanguageTable, load_language_data


class WorkerProvider(Provider):
    """Language data, the Kafka publisher and the Content Service client of the worker."""

    settings = from_context(provides=NlpSettings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def language_data(self) -> LanguageTable:
        """Loaded once, in a thread (seconds of CPU), before the first message is taken."""
        return await asyncio.to_thread(load_language_data)

    @provide(scope=Scope.APP)
    async def publisher(self, settings: NlpSettings) -> AsyncIterator[KafkaEventPublisher]:
        """One producer for results and dead letters; flushed and closed at shutdown."""
        async with running_publisher(
            settings.kafka_bootstrap_servers, SERVICE_NAME, settings.kafka_connect_timeout_seconds
        ) as publisher:
            yield publisher

    @provide(scope=Scope.APP)
    async def content(self, settings: NlpSettings) -> AsyncIterator[NlpContent]:
        """Content Service over one HTTP session, whose timeout bounds every call."""
        timeout = aiohttp.ClientTimeout(total=settings.http_timeout_seconds)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            client = ContentClient(
                session, settings.content_service_url, settings.content_service_token
            )
            yield NlpContent(client)


def make_worker_container(settings: NlpSettings) -> AsyncContainer:
    """Container of the worker process."""
    return make_async_container(WorkerProvider(), context={NlpSettings: settings})
