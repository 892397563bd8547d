"""GET /healthz: 200 only when the database answers and an active signing key exists."""

from __future__ import annotations

import asyncio

from dishka import FromDishka
from quart import Blueprint, Response, jsonify
from quart_dishka import inject
from quart_schema import hide

from common_core.logs import get_logger
from common_core.web import error_response
from services.identity_service.domain import active_key
from services.identity_service.protocols import UnitOfWorkFactory

logger = get_logger(__name__)

health = Blueprint("health", __name__)

CHECK_TIMEOUT_SECONDS = 2.0


@health.get("/healthz")
@hide
@inject
async def healthz(units_of_work: FromDishka[UnitOfWorkFactory]) -> Response:
    """Ready to log teachers in: the store answers and holds a key to sign with."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), units_of_work() as uow:
            signing_key = active_key(await uow.signing_keys.all()) is not None
        database = True
    except Exception as exc:  # any failure means "not reachable" for a health check
        logger.warning("healthz_database_failed", error=repr(exc))
        database = signing_key = False
    checks = {"database": database, "signing_key": signing_key}
    if all(checks.values()):
        return jsonify({"status": "ok", "checks": checks})
    failing = ", ".join(name for name, ok in checks.items() if not ok)
    return error_response(503, "service_unavailable", f"unhealthy: {failing}", checks)
