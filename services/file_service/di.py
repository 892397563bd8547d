"""Dishka wiring: settings in; one HTTP session, one Kafka publisher and the clients out.

Every collaborator is APP-scoped: created once (the app warms them up at startup) and
finalised when the container closes at shutdown, which stops the producer and the session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from quart_dishka import QuartProvider

from common_core.kafka import running_publisher
from services.file_service.clients import BosClient, ContentServiceClient
from services.file_service.config import SERVICE_NAME, FileServiceSettings
from services.file_service.handlers import UploadCollaborators
from services.file_service.protocols import BatchDirectory, EventPublisher, TextStorage


class FileServiceProvider(Provider):
    """The collaborators of the upload route and the health check."""

    settings = from_context(provides=FileServiceSettings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def http_session(self) -> AsyncIterator[aiohttp.ClientSession]:
        """One connection pool for BOS and Content Service calls."""
        session = aiohttp.ClientSession()
        yield session
        await session.close()

    @provide(scope=Scope.APP)
    async def publisher(self, settings: FileServiceSettings) -> AsyncIterator[EventPublisher]:
        """A started Kafka publisher, stopped (pending sends flushed) at shutdown."""
        async with running_publisher(
            settings.kafka_bootstrap_servers, SERVICE_NAME, settings.kafka_connect_timeout_seconds
        ) as publisher:
            yield publisher

    @provide(scope=Scope.APP)
    def batches(
        self, session: aiohttp.ClientSession, settings: FileServiceSettings
    ) -> BatchDirectory:
        """BOS, asked through its public batch GET."""
        return BosClient(session, settings.bos_url, settings.bos_timeout_seconds)

    @provide(scope=Scope.APP)
    def storage(self, session: aiohttp.ClientSession, settings: FileServiceSettings) -> TextStorage:
        """Content Service, with quick retries."""
        return ContentServiceClient(
            session,
            settings.content_service_url,
            settings.content_service_timeout_seconds,
            settings.content_service_attempts,
            settings.content_service_token,
        )

    @provide(scope=Scope.APP)
    def collaborators(
        self,
        batches: BatchDirectory,
        storage: TextStorage,
        publisher: EventPublisher,
        settings: FileServiceSettings,
    ) -> UploadCollaborators:
        """Everything the upload handler needs, in one value."""
        return UploadCollaborators(
            batches=batches,
            storage=storage,
            publisher=publisher,
            store_concurrency=settings.content_store_concurrency,
            publish_timeout_seconds=settings.kafka_publish_timeout_seconds,
        )


def make_container(settings: FileServiceSettings) -> AsyncContainer:
    """The app's container; QuartProvider lets quart-dishka open a scope per request."""
    return make_async_container(
        FileServiceProvider(), QuartProvider(), context={FileServiceSettings: settings}
    )
