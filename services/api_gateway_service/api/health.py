"""GET /healthz: 200 only when the live-update consumer reads its partitions and every
backend behind the public routes passes its own health check."""

from __future__ import annotations

import asyncio

from dishka import FromDishka
from quart import Blueprint, Response, jsonify
from quart_dishka import inject

from common_core.web import error_response
from services.api_gateway_service.domain import Backend
from services.api_gateway_service.live_consumer import BroadcastConsumer
from services.api_gateway_service.protocols import Upstream

health = Blueprint("health", __name__)


@health.get("/healthz")
@inject
async def healthz(
    upstream: FromDishka[Upstream], consumer: FromDishka[BroadcastConsumer]
) -> Response:
    """Ready for teachers: Kafka answers and every backend is healthy (checked in parallel)."""
    backends = list(Backend)
    results = await asyncio.gather(
        consumer.is_healthy(), *(upstream.is_healthy(backend) for backend in backends)
    )
    checks = {
        "kafka": results[0],
        **{b.value: ok for b, ok in zip(backends, results[1:], strict=True)},
    }
    if all(checks.values()):
        return jsonify({"status": "ok", "checks": checks})
    failing = ", ".join(name for name, ok in checks.items() if not ok)
    return error_response(503, "service_unavailable", f"unhealthy: {failing}", checks)
