"""GET /healthz: 200 only when the store directory is writable and deletions are consumed."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response, current_app, jsonify
from quart_dishka import inject

from common_core.kafka import BackgroundConsumer
from common_core.web import ApiError
from services.content_service.protocols import ContentStore

# The app extension holding the running BatchDeleted consumer, when the app consumes.
CONSUMER_EXTENSION = "huleedu_content_consumer"

health = Blueprint("health", __name__)


@health.get("/healthz")
@inject
async def healthz(store: FromDishka[ContentStore]) -> Response:
    """200 when the store directory is writable (and the deletion consumer runs), else 503."""
    checks = {"store": await store.is_writable()}
    consumer: BackgroundConsumer | None = current_app.extensions.get(CONSUMER_EXTENSION)
    if consumer is not None:
        checks["consumer"] = consumer.alive
    if not all(checks.values()):
        failing = ", ".join(name for name, ok in checks.items() if not ok)
        raise ApiError(503, "service_unavailable", f"unhealthy: {failing}", checks)
    return jsonify({"status": "ok", "checks": checks})
