"""GET /healthz: 200 only when the store directory is writable."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response, jsonify
from quart_dishka import inject

from common_core.web import ApiError
from services.content_service.protocols import ContentStore

health = Blueprint("health", __name__)


@health.get("/healthz")
@inject
async def healthz(store: FromDishka[ContentStore]) -> Response:
    """200 when the store directory is writable, else 503."""
    if not await store.is_writable():
        raise ApiError(503, "service_unavailable", "the content store is not writable")
    return jsonify({"status": "ok"})
