"""api_gateway_service entrypoint: the one origin a teacher's browser talks to.

Serves the web app at `/`, forwards the public `/v1/` routes to identity, BOS, File Service
and the ELS API, and pushes live updates over `GET /v1/ws`. Run with
`python -m services.api_gateway_service.app`; SIGTERM/SIGINT stop it cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib

from quart import Quart
from quart_dishka import QuartDishka

from common_core import runtime
from common_core.auth.quart import install_token_auth
from common_core.auth.tokens import TokenVerifier
from common_core.logs import configure_logging, get_logger
from common_core.openapi import install_openapi
from common_core.web import install_http_plumbing, serve_app
from services.api_gateway_service.api.health import health
from services.api_gateway_service.api.live import live
from services.api_gateway_service.api.proxy import proxy
from services.api_gateway_service.api.web import web
from services.api_gateway_service.config import SERVICE_NAME, GatewaySettings
from services.api_gateway_service.di import make_container
from services.api_gateway_service.live_consumer import BroadcastConsumer
from services.api_gateway_service.openapi import GatewayOpenAPIProvider
from services.api_gateway_service.streaming import stream_request_bodies

logger = get_logger(__name__)


def create_app(settings: GatewaySettings | None = None) -> Quart:
    """The gateway app; serving it starts the live-update consumer first."""
    settings = settings or GatewaySettings()
    app = Quart(SERVICE_NAME, static_folder=None)
    stream_request_bodies(app)
    # Bodies are streamed and limited per route (handlers.py); Quart's own cap only cuts off
    # declared lengths far beyond anything the gateway would even drain.
    app.config["MAX_CONTENT_LENGTH"] = 8 * settings.max_upload_bytes
    install_openapi(app, "API Gateway", provider=GatewayOpenAPIProvider)
    install_http_plumbing(app)
    app.register_blueprint(web)
    app.register_blueprint(health)
    app.register_blueprint(live)
    app.register_blueprint(proxy)
    verifier = TokenVerifier.from_settings(settings)
    container = make_container(settings, verifier)
    QuartDishka(app=app, container=container)
    install_token_auth(app, verifier)
    consuming: list[asyncio.Task[None]] = []

    async def start() -> None:
        consumer = await container.get(BroadcastConsumer)
        await consumer.start(settings.kafka_connect_timeout_seconds)
        consuming.append(asyncio.create_task(consumer.run(), name="live-consumer"))
        logger.info("gateway_started")

    async def stop() -> None:
        consumer = await container.get(BroadcastConsumer)
        await consumer.stop()
        for task in consuming:
            with contextlib.suppress(Exception):
                await task
        await container.close()

    app.before_serving(start)
    app.after_serving(stop)
    return app


async def main() -> None:
    """Serve the gateway until SIGTERM/SIGINT."""
    settings = GatewaySettings()
    configure_logging(SERVICE_NAME, settings.log_level, settings.log_format)
    await serve_app(
        create_app(settings),
        settings.host,
        settings.port,
        websocket_max_message_size=settings.ws_max_message_bytes,
    )


if __name__ == "__main__":
    runtime.run(main())
