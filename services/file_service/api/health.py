"""GET /healthz: 200 only when Kafka and Content Service both answer."""

from __future__ import annotations

import asyncio

from dishka import FromDishka
from quart import Blueprint, Response, jsonify
from quart_dishka import inject

from common_core.web import ApiError
from services.file_service.protocols import EventPublisher, TextStorage

health = Blueprint("health", __name__)


@health.get("/healthz")
@inject
async def healthz(
    publisher: FromDishka[EventPublisher], storage: FromDishka[TextStorage]
) -> Response:
    """200 when Kafka and Content Service both answer, else 503 saying which does not."""
    kafka_ok, content_ok = await asyncio.gather(publisher.is_healthy(), storage.is_healthy())
    if not (kafka_ok and content_ok):
        raise ApiError(
            503,
            "service_unavailable",
            "a dependency is unavailable",
            {"kafka": kafka_ok, "content_service": content_ok},
        )
    return jsonify({"status": "ok", "kafka": True, "content_service": True})
