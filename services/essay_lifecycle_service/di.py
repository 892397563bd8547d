"""Dishka wiring: what the API process and the worker process are made of.

Both bring the schema to its newest migration at start, so either may start first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from quart_dishka import QuartProvider

from common_core.content_client import ContentClient
from common_core.db import create_engine, session_factory
from common_core.kafka import KafkaEventPublisher, running_publisher
from common_core.outbox import OutboxRelay
from services.essay_lifecycle_service.config import SERVICE_NAME, ELSSettings
from services.essay_lifecycle_service.models.orm import migrate_schema
from services.essay_lifecycle_service.protocols import UnitOfWorkFactory
from services.essay_lifecycle_service.unit_of_work import SqlUnitOfWorkFactory, create_writer_engine
from services.essay_lifecycle_service.views import EssayViews


class ApiProvider(Provider):
    """The API only reads: one plain engine behind the read views."""

    settings = from_context(provides=ELSSettings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def views(self, settings: ELSSettings) -> AsyncIterator[EssayViews]:
        """Read views on the shared database; the engine is disposed when the app stops."""
        engine = create_engine(settings.database_url)
        await migrate_schema(engine)
        yield EssayViews(session_factory(engine))
        await engine.dispose()

    @provide(scope=Scope.APP)
    async def content(self, settings: ELSSettings) -> AsyncIterator[ContentClient]:
        """Content Service, where the essays' texts are (read with the service token)."""
        timeout = aiohttp.ClientTimeout(total=settings.content_service_timeout_seconds)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            yield ContentClient(
                session, settings.content_service_url, settings.content_service_token
            )


class WorkerProvider(Provider):
    """The worker writes through units of work and publishes through the outbox relay."""

    settings = from_context(provides=ELSSettings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def units_of_work(
        self, settings: ELSSettings, relay: OutboxRelay
    ) -> AsyncIterator[UnitOfWorkFactory]:
        """The handlers' units of work on a write-serialising engine; commits wake the relay."""
        engine = create_writer_engine(settings.database_url)
        await migrate_schema(engine)
        yield SqlUnitOfWorkFactory.for_engine(engine, on_events_committed=relay.notify)
        await engine.dispose()

    @provide(scope=Scope.APP)
    async def publisher(self, settings: ELSSettings) -> AsyncIterator[KafkaEventPublisher]:
        """One producer for outbox rows and dead letters; flushed and closed at shutdown."""
        async with running_publisher(
            settings.kafka_bootstrap_servers, SERVICE_NAME, settings.kafka_connect_timeout_seconds
        ) as publisher:
            yield publisher

    @provide(scope=Scope.APP)
    async def relay(
        self, settings: ELSSettings, publisher: KafkaEventPublisher
    ) -> AsyncIterator[OutboxRelay]:
        """The outbox relay, woken after every commit that queued events.

        It has its own plain engine: its read-publish-mark round must not hold the handlers'
        write lock while it waits for Kafka acknowledgements.
        """
        engine = create_engine(settings.database_url)
        relay = OutboxRelay(
            session_factory(engine), publisher, poll_interval=settings.outbox_poll_interval_seconds
        )
        yield relay
        await engine.dispose()


def make_api_container(settings: ELSSettings) -> AsyncContainer:
    """Container of the API; QuartProvider lets quart-dishka open a scope per request."""
    return make_async_container(ApiProvider(), QuartProvider(), context={ELSSettings: settings})


def make_worker_container(settings: ELSSettings) -> AsyncContainer:
    """Container of the worker process."""
    return make_async_container(WorkerProvider(), context={ELSSettings: settings})
