"""GET /healthz: 200 only when the database, Kafka and the in-process consumer all answer."""

from __future__ import annotations

import asyncio

from dishka import FromDishka
from quart import Blueprint, Response, jsonify
from quart_dishka import inject
from quart_schema import hide
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core.kafka import BackgroundConsumer, KafkaEventPublisher
from common_core.logs import get_logger
from common_core.web import error_response

logger = get_logger(__name__)

health = Blueprint("health", __name__)

CHECK_TIMEOUT_SECONDS = 2.0


async def database_answers(engine: AsyncEngine) -> bool:
    """True when `SELECT 1` succeeds within the check timeout."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not reachable" for a health check
        logger.warning("healthz_database_failed", error=repr(exc))
        return False
    return True


@health.get("/healthz")
@hide
@inject
async def healthz(
    engine: FromDishka[AsyncEngine],
    publisher: FromDishka[KafkaEventPublisher],
    consumer: FromDishka[BackgroundConsumer],
) -> Response:
    """Liveness of every dependency BOS needs to make progress."""
    database, kafka = await asyncio.gather(
        database_answers(engine), publisher.is_healthy(CHECK_TIMEOUT_SECONDS)
    )
    checks = {"database": database, "kafka": kafka, "consumer": consumer.alive}
    if all(checks.values()):
        return jsonify({"status": "ok", "checks": checks})
    failing = ", ".join(name for name, ok in checks.items() if not ok)
    return error_response(503, "service_unavailable", f"unhealthy: {failing}", checks)
