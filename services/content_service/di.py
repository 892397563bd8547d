"""Dishka wiring for the Content Service: settings in, one store for the app's lifetime, and
(when the app consumes) the BatchDeleted consumer with its dead-letter publisher."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from quart_dishka import QuartProvider

from common_core.kafka import (
    LONG_FETCH_MAX_WAIT_MS,
    BackgroundConsumer,
    KafkaConsumerLoop,
    KafkaEventPublisher,
    running_publisher,
    shut_down_this_process,
)
from services.content_service.config import SERVICE_NAME, ContentServiceSettings
from services.content_service.handlers import BatchContentDeleter
from services.content_service.kafka_consumer import build_routes
from services.content_service.protocols import ContentStore
from services.content_service.repository import FileContentStore


class ContentServiceProvider(Provider):
    """App-scoped collaborators of the HTTP routes."""

    settings = from_context(provides=ContentServiceSettings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def store(self, settings: ContentServiceSettings) -> Iterator[ContentStore]:
        """The on-disk store, its root created up front so the first write cannot race it;
        closed with the app, after its in-flight writes have finished."""
        store = FileContentStore(settings.content_store_root, settings.io_threads)
        store.ensure_root()
        yield store
        store.close()


class DeletionConsumerProvider(Provider):
    """The BatchDeleted consumer, running in the web app's process (as BOS's does)."""

    @provide(scope=Scope.APP)
    async def publisher(
        self, settings: ContentServiceSettings
    ) -> AsyncIterator[KafkaEventPublisher]:
        """The producer the consuming loop dead-letters with."""
        async with running_publisher(
            settings.kafka_bootstrap_servers, SERVICE_NAME, settings.kafka_connect_timeout_seconds
        ) as publisher:
            yield publisher

    @provide(scope=Scope.APP)
    def consumer(
        self,
        settings: ContentServiceSettings,
        store: ContentStore,
        publisher: KafkaEventPublisher,
    ) -> BackgroundConsumer:
        """The loop deleting batches' blobs; started and stopped with the app."""
        deleter = BatchContentDeleter(store, settings.tombstone_retention_days)
        loop = KafkaConsumerLoop(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=settings.consumer_group,
            routes=build_routes(deleter),
            dead_letter_publisher=publisher,
            # BatchDeleted is rare and nobody waits on it in seconds: poll the broker seldom.
            fetch_max_wait_ms=LONG_FETCH_MAX_WAIT_MS,
        )
        return BackgroundConsumer(loop, name="content-deletions", on_death=shut_down_this_process)


def make_container(settings: ContentServiceSettings) -> AsyncContainer:
    """The app's container; QuartProvider lets quart-dishka open a scope per request."""
    providers: list[Provider] = [ContentServiceProvider(), QuartProvider()]
    if settings.consume_deletions:
        providers.append(DeletionConsumerProvider())
    return make_async_container(*providers, context={ContentServiceSettings: settings})
