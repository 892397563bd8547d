"""Dishka wiring: settings in; one HTTP session, one Kafka publisher, the clients and the
database (idempotency records, batch files, deleted batches) out, and the BatchDeleted
consumer.

Every collaborator is APP-scoped: created once (the app warms them up at startup) and
finalised when the container closes at shutdown, which stops the producer and the session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from quart_dishka import QuartProvider
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common_core.database_provider import DatabaseProvider
from common_core.kafka import (
    LONG_FETCH_MAX_WAIT_MS,
    BackgroundConsumer,
    KafkaConsumerLoop,
    KafkaEventPublisher,
    running_publisher,
    shut_down_this_process,
)
from services.file_service.clients import BosClient, ContentServiceClient
from services.file_service.config import SERVICE_NAME, FileServiceSettings
from services.file_service.handlers import IdempotencyPolicy, UploadCollaborators
from services.file_service.kafka_consumer import build_routes
from services.file_service.protocols import (
    BatchDeletions,
    BatchDirectory,
    BatchFiles,
    EventPublisher,
    TextStorage,
    UploadRequests,
)
from services.file_service.repository import (
    SqlBatchFiles,
    SqlDeletedBatches,
    SqlUploadRequests,
    migrate_schema,
)


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
    async def kafka_publisher(
        self, settings: FileServiceSettings
    ) -> AsyncIterator[KafkaEventPublisher]:
        """A started Kafka publisher, stopped (pending sends flushed) at shutdown."""
        async with running_publisher(
            settings.kafka_bootstrap_servers, SERVICE_NAME, settings.kafka_connect_timeout_seconds
        ) as publisher:
            yield publisher

    @provide(scope=Scope.APP)
    def publisher(self, publisher: KafkaEventPublisher) -> EventPublisher:
        """The upload's events go out through the one producer."""
        return publisher

    @provide(scope=Scope.APP)
    def upload_requests(self, sessions: async_sessionmaker[AsyncSession]) -> UploadRequests:
        """Idempotency records."""
        return SqlUploadRequests(sessions)

    @provide(scope=Scope.APP)
    def batch_files(self, sessions: async_sessionmaker[AsyncSession]) -> BatchFiles:
        """The files each batch has on record."""
        return SqlBatchFiles(sessions)

    @provide(scope=Scope.APP)
    def deletions(self, sessions: async_sessionmaker[AsyncSession]) -> BatchDeletions:
        """Deleted batches: their records go, their ids stay."""
        return SqlDeletedBatches(sessions)

    @provide(scope=Scope.APP)
    def consumer(
        self,
        settings: FileServiceSettings,
        deletions: BatchDeletions,
        publisher: KafkaEventPublisher,
    ) -> BackgroundConsumer:
        """The BatchDeleted loop; started and stopped with the app (if it consumes)."""
        loop = KafkaConsumerLoop(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=settings.consumer_group,
            routes=build_routes(deletions),
            dead_letter_publisher=publisher,
            # BatchDeleted is rare and nobody waits on it in seconds: poll the broker seldom.
            fetch_max_wait_ms=LONG_FETCH_MAX_WAIT_MS,
        )
        return BackgroundConsumer(
            loop, name="file-service-deletions", on_death=shut_down_this_process
        )

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
        requests: UploadRequests,
        files: BatchFiles,
        settings: FileServiceSettings,
    ) -> UploadCollaborators:
        """Everything the upload handler needs, in one value."""
        return UploadCollaborators(
            batches=batches,
            storage=storage,
            publisher=publisher,
            requests=requests,
            files=files,
            store_concurrency=settings.content_store_concurrency,
            publish_timeout_seconds=settings.kafka_publish_timeout_seconds,
            idempotency=IdempotencyPolicy(
                ttl_seconds=settings.idempotency_ttl_seconds,
                lease_seconds=settings.idempotency_lease_seconds,
                wait_seconds=settings.idempotency_wait_seconds,
            ),
        )


def make_container(settings: FileServiceSettings) -> AsyncContainer:
    """The app's container; QuartProvider lets quart-dishka open a scope per request."""
    return make_async_container(
        FileServiceProvider(),
        DatabaseProvider(settings.database_url, migrate=migrate_schema),
        QuartProvider(),
        context={FileServiceSettings: settings},
    )
