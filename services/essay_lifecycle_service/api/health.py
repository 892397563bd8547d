"""GET /healthz: 200 only when the shared database answers."""

from __future__ import annotations

from dishka import FromDishka
from quart import Blueprint, Response, jsonify
from quart_dishka import inject

from common_core.web import ApiError
from services.essay_lifecycle_service.views import EssayViews

health = Blueprint("health", __name__)


@health.get("/healthz")
@inject
async def healthz(views: FromDishka[EssayViews]) -> Response:
    """200 when the shared database answers, else 503."""
    if not await views.is_healthy():
        raise ApiError(503, "service_unavailable", "the database is not reachable")
    return jsonify({"status": "ok"})
