"""BOS entrypoint: the Quart app with its outbox relay and Kafka consumer running inside it.

Run with `python -m services.batch_orchestrator_service.app`; SIGTERM/SIGINT stop it cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Any

from dishka import AsyncContainer
from pydantic_core import to_jsonable_python
from quart import Quart
from quart.json.provider import DefaultJSONProvider
from quart_dishka import QuartDishka
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core import runtime
from common_core.auth import TokenVerifier
from common_core.auth.quart import install_token_auth
from common_core.kafka import BackgroundConsumer
from common_core.logs import configure_logging, get_logger
from common_core.openapi import install_openapi
from common_core.outbox import OutboxRelay
from common_core.web import install_http_plumbing, limit_request_body, serve_app
from services.batch_orchestrator_service.api.batches import batches
from services.batch_orchestrator_service.api.health import health
from services.batch_orchestrator_service.config import SERVICE_NAME, BOSSettings
from services.batch_orchestrator_service.di import make_container
from services.batch_orchestrator_service.repository import migrate_schema
from services.batch_orchestrator_service.retention import RetentionSweeper

logger = get_logger(__name__)

BACKGROUND_KEY = "bos_background_work"


class IsoJSONProvider(DefaultJSONProvider):
    """JSON with ISO-8601 datetimes (Quart's default writes RFC 822 HTTP dates)."""

    @staticmethod
    def default(o: Any) -> Any:
        """Datetimes as ISO-8601; anything else pydantic knows how to make JSON-safe."""
        if isinstance(o, datetime):
            return o.isoformat()
        return to_jsonable_python(o)


class BackgroundWork:
    """Starts the outbox relay, the consumer and the retention sweep after the schema exists;
    stops them in order."""

    def __init__(self, container: AsyncContainer) -> None:
        self._container = container
        self._relay: OutboxRelay | None = None
        self._relay_task: asyncio.Task[None] | None = None
        self._consumer: BackgroundConsumer | None = None
        self._sweeper: RetentionSweeper | None = None
        self._stopped = False

    async def start(self) -> None:
        """Migrate the schema, start the relay (sends anything left from a crash), consume,
        and sweep expired batches."""
        await migrate_schema(await self._container.get(AsyncEngine))
        self._relay = await self._container.get(OutboxRelay)
        self._relay_task = asyncio.create_task(self._relay.run(), name="bos-outbox-relay")
        self._consumer = await self._container.get(BackgroundConsumer)
        await self._consumer.start()
        self._sweeper = await self._container.get(RetentionSweeper)
        self._sweeper.start()
        logger.info("bos_started")

    async def stop(self) -> None:
        """Consumer first (no new state), then a last relay round, then close everything.

        Safe to call twice and after a half-finished start (see `main`).
        """
        if self._stopped:
            return
        self._stopped = True
        if self._sweeper is not None:
            await self._sweeper.stop()
        if self._consumer is not None:
            await self._consumer.stop()
        if self._relay is not None and self._relay_task is not None:
            await self._relay.stop()
            with contextlib.suppress(Exception):
                await self._relay_task
            try:
                await self._relay.publish_pending()
            except Exception as exc:  # rows stay in the outbox and go out on the next start
                logger.warning("outbox_final_flush_failed", error=repr(exc))
        await self._container.close()
        logger.info("bos_stopped")


def create_app(settings: BOSSettings | None = None, verifier: TokenVerifier | None = None) -> Quart:
    """The BOS web app; serving it (or `test_app()`) starts the relay and the consumer.

    Teachers' tokens are verified against identity's JWKS (`identity_jwks_url`); `verifier`
    replaces that (unit tests hand in one over a local key).
    """
    settings = settings or BOSSettings()
    app = Quart(SERVICE_NAME)
    limit_request_body(app, settings.max_request_bytes)
    install_openapi(app, "Batch Orchestrator Service")
    app.json = IsoJSONProvider(app)
    install_http_plumbing(app)
    install_token_auth(app, verifier or TokenVerifier.from_settings(settings))
    app.register_blueprint(batches)
    app.register_blueprint(health)
    container = make_container(settings)
    QuartDishka(app=app, container=container)
    background = BackgroundWork(container)
    app.before_serving(background.start)
    app.after_serving(background.stop)
    app.extensions[BACKGROUND_KEY] = background
    return app


async def main() -> None:
    """Serve BOS until SIGTERM/SIGINT."""
    settings = BOSSettings()
    configure_logging(SERVICE_NAME, settings.log_level, settings.log_format)
    app = create_app(settings)
    try:
        await serve_app(app, settings.host, settings.port)
    finally:
        # Hypercorn skips after_serving when it fails after startup (e.g. the port is taken);
        # without this the consumer and relay tasks would keep the process from exiting.
        await app.extensions[BACKGROUND_KEY].stop()


if __name__ == "__main__":
    runtime.run(main())
