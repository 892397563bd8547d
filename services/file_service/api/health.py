"""GET /healthz: 200 only when Kafka and Content Service both answer (and the BatchDeleted
consumer runs)."""

from __future__ import annotations

import asyncio

from dishka import FromDishka
from quart import Blueprint, Response, current_app, jsonify
from quart_dishka import inject

from common_core.kafka import BackgroundConsumer
from common_core.web import ApiError
from services.file_service.protocols import EventPublisher, TextStorage

# The app extension holding the running BatchDeleted consumer, when the app consumes.
CONSUMER_EXTENSION = "huleedu_file_service_consumer"

health = Blueprint("health", __name__)


@health.get("/healthz")
@inject
async def healthz(
    publisher: FromDishka[EventPublisher], storage: FromDishka[TextStorage]
) -> Response:
    """200 when Kafka and Content Service both answer, else 503 saying which does not."""
    kafka_ok, content_ok = await asyncio.gather(publisher.is_healthy(), storage.is_healthy())
    checks = {"kafka": kafka_ok, "content_service": content_ok}
    consumer: BackgroundConsumer | None = current_app.extensions.get(CONSUMER_EXTENSION)
    if consumer is not None:
        checks["consumer"] = consumer.alive
    if not all(checks.values()):
        raise ApiError(503, "service_unavailable", "a dependency is unavailable", checks)
    return jsonify({"status": "ok", **checks})
