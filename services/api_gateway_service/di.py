"""The one place the gateway is wired: Dishka provides the backends' client, the connection
hub and the live-update consumer; the token verifier is made once and shared with the
HTTP guard (common_core.auth.quart) and the WebSocket."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from quart_dishka import QuartProvider

from common_core.auth.tokens import TokenVerifier
from common_core.envelope import EventEnvelope
from common_core.events import (
    BatchLifecycleCompleted,
    BatchPipelineProgressUpdated,
    EssayLifecycleStateUpdated,
)
from common_core.kafka import Route
from common_core.topics import topic_name
from services.api_gateway_service.clients import HttpUpstream, UpstreamTimeouts
from services.api_gateway_service.config import SERVICE_NAME, GatewaySettings
from services.api_gateway_service.domain import Backend
from services.api_gateway_service.handlers import ForwardingPolicy, deliver_live_update
from services.api_gateway_service.hub import ConnectionHub
from services.api_gateway_service.live_consumer import BroadcastConsumer
from services.api_gateway_service.protocols import LiveUpdates, Upstream

# The events a teacher watches live (DESIGN.md, "Live progress and the teacher web app").
LIVE_EVENTS = (BatchPipelineProgressUpdated, EssayLifecycleStateUpdated, BatchLifecycleCompleted)


def backend_urls(settings: GatewaySettings) -> dict[Backend, str]:
    """Where each backend answers."""
    return {
        Backend.IDENTITY: settings.identity_url,
        Backend.BOS: settings.bos_url,
        Backend.FILE: settings.file_service_url,
        Backend.ELS: settings.els_api_url,
    }


def live_routes(updates: LiveUpdates) -> dict[str, Route]:
    """Topic -> contract -> handler for the live-update consumer."""

    async def deliver(envelope: EventEnvelope[Any]) -> None:
        await deliver_live_update(envelope, updates)

    return {topic_name(model.event): Route(model, deliver) for model in LIVE_EVENTS}


class GatewayProvider(Provider):
    """Application-scoped collaborators; each is created once and closed with the container."""

    settings = from_context(provides=GatewaySettings, scope=Scope.APP)
    verifier = from_context(provides=TokenVerifier, scope=Scope.APP)

    @provide(scope=Scope.APP)
    async def http_session(self) -> AsyncIterator[aiohttp.ClientSession]:
        """One pooled session for every backend call."""
        async with aiohttp.ClientSession(auto_decompress=False) as session:
            yield session

    @provide(scope=Scope.APP)
    def upstream(self, session: aiohttp.ClientSession, settings: GatewaySettings) -> Upstream:
        """The backends over HTTP with the configured timeouts."""
        timeouts = UpstreamTimeouts(
            connect_seconds=settings.connect_timeout_seconds,
            request_seconds=settings.request_timeout_seconds,
            upload_seconds=settings.upload_timeout_seconds,
        )
        return HttpUpstream(session, backend_urls(settings), timeouts, settings.max_response_bytes)

    @provide(scope=Scope.APP)
    def policy(self, settings: GatewaySettings) -> ForwardingPolicy:
        """Body limits and trusted proxies."""
        return ForwardingPolicy(
            settings.max_body_bytes, settings.max_upload_bytes, settings.trusted_proxies
        )

    @provide(scope=Scope.APP)
    def hub(self, settings: GatewaySettings) -> ConnectionHub:
        """The open WebSocket connections of this instance."""
        return ConnectionHub(settings.ws_queue_size)

    @provide(scope=Scope.APP)
    async def live_consumer(
        self, settings: GatewaySettings, hub: ConnectionHub
    ) -> AsyncIterator[BroadcastConsumer]:
        """The live-update consumer of this instance (started by the app, closed here)."""
        consumer = BroadcastConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            routes=live_routes(hub),
            # Unique per instance: brokers and operators tell the gateways apart by it.
            client_id=f"{SERVICE_NAME}-{socket.gethostname()}-{uuid.uuid4().hex[:8]}",
            refresh_seconds=settings.partition_refresh_seconds,
        )
        yield consumer
        await consumer.close()


def make_container(settings: GatewaySettings, verifier: TokenVerifier) -> AsyncContainer:
    """The app's container; Quart request scopes come from QuartProvider."""
    return make_async_container(
        GatewayProvider(),
        QuartProvider(),
        context={GatewaySettings: settings, TokenVerifier: verifier},
    )
