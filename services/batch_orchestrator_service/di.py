"""The one place BOS is wired: Dishka provides engine, sessions, publisher, relay and consumer."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from quart_dishka import QuartProvider
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common_core.database_provider import DatabaseProvider
from common_core.kafka import (
    BackgroundConsumer,
    KafkaConsumerLoop,
    KafkaEventPublisher,
    running_publisher,
    shut_down_this_process,
)
from common_core.outbox import OutboxRelay
from services.batch_orchestrator_service.config import SERVICE_NAME, BOSSettings
from services.batch_orchestrator_service.kafka_consumer import build_routes
from services.batch_orchestrator_service.protocols import UnitOfWorkFactory
from services.batch_orchestrator_service.repository import SqlUnitOfWorkFactory
from services.batch_orchestrator_service.retention import RetentionSweeper


class BosProvider(Provider):
    """Application-scoped collaborators; each is created once and closed with the container."""

    settings = from_context(provides=BOSSettings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def publisher(self, settings: BOSSettings) -> AsyncIterator[KafkaEventPublisher]:
        """The Kafka producer used by the outbox relay and for dead letters."""
        async with running_publisher(
            settings.kafka_bootstrap_servers, SERVICE_NAME, settings.kafka_connect_timeout_seconds
        ) as publisher:
            yield publisher

    @provide(scope=Scope.APP)
    def relay(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publisher: KafkaEventPublisher,
        settings: BOSSettings,
    ) -> OutboxRelay:
        """Publishes committed outbox rows; woken by every unit of work's commit."""
        return OutboxRelay(sessions, publisher, poll_interval=settings.outbox_poll_interval_seconds)

    @provide(scope=Scope.APP)
    def units_of_work(
        self, sessions: async_sessionmaker[AsyncSession], relay: OutboxRelay
    ) -> UnitOfWorkFactory:
        """Fresh transactions for routes and consumed messages."""
        return SqlUnitOfWorkFactory(sessions, on_events_committed=relay.notify)

    @provide(scope=Scope.APP)
    def consumer(
        self,
        settings: BOSSettings,
        publisher: KafkaEventPublisher,
        units_of_work: UnitOfWorkFactory,
    ) -> BackgroundConsumer:
        """The in-process Kafka consumer (started and stopped with the app)."""
        loop = KafkaConsumerLoop(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=settings.consumer_group,
            routes=build_routes(units_of_work),
            dead_letter_publisher=publisher,
        )
        return BackgroundConsumer(loop, name="bos-consumer", on_death=shut_down_this_process)

    @provide(scope=Scope.APP)
    def retention(
        self, settings: BOSSettings, units_of_work: UnitOfWorkFactory
    ) -> RetentionSweeper:
        """The sweep deleting batches older than BOS_RETENTION_DAYS (started with the app)."""
        return RetentionSweeper(
            units_of_work, settings.retention_days, settings.retention_sweep_interval_seconds
        )


def make_container(settings: BOSSettings) -> AsyncContainer:
    """The app's container; Quart request scopes come from QuartProvider."""
    return make_async_container(
        BosProvider(),
        DatabaseProvider(settings.database_url),
        QuartProvider(),
        context={BOSSettings: settings},
    )
