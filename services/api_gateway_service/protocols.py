"""The seams between the gateway's decisions and its I/O; aiohttp and the in-process hub
implement them, unit tests fake them."""

from __future__ import annotations

from typing import Protocol

from services.api_gateway_service.clients import UpstreamRequest, UpstreamResponse
from services.api_gateway_service.domain import Backend, LiveMessage


class Upstream(Protocol):
    """The backends behind the public routes."""

    async def forward(self, call: UpstreamRequest) -> UpstreamResponse:
        """The backend's answer; raises the domain's backend errors when there is none."""

    async def is_healthy(self, backend: Backend) -> bool:
        """Whether the backend's health check passes."""


class LiveUpdates(Protocol):
    """Where live messages go: the teacher's open WebSocket connections."""

    def publish(self, message: LiveMessage) -> int:
        """Queue the message for its teacher's connections; how many got it."""
