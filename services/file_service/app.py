"""File Service entrypoint: `python -m services.file_service.app`."""

from __future__ import annotations

import asyncio
import contextlib

from dishka import AsyncContainer
from quart import Quart
from quart_dishka import QuartDishka

from common_core import runtime
from common_core.auth import TokenVerifier
from common_core.auth.quart import install_token_auth
from common_core.kafka import BackgroundConsumer
from common_core.logs import configure_logging
from common_core.openapi import install_openapi
from common_core.web import cap_request_body, install_http_plumbing, serve_app
from services.file_service.api.files import files_api
from services.file_service.api.health import CONSUMER_EXTENSION, health
from services.file_service.config import SERVICE_NAME, FileServiceSettings
from services.file_service.di import make_container
from services.file_service.handlers import UploadCollaborators, purge_expired_records

# Room for the batch_id field and a few stray fields on top of the allowed files.
_EXTRA_FORM_PARTS = 16
# Quart's caps are a backstop at this many times our limits: below them the route itself
# decides, naming what was exceeded (`file_too_large` with the file, `too_many_files` with the
# count, a body without a declared length counted by its files); above them Quart stops
# parsing at once with a plain 413.
_BACKSTOP_FACTOR = 4


def create_app(
    settings: FileServiceSettings,
    container: AsyncContainer | None = None,
    verifier: TokenVerifier | None = None,
) -> Quart:
    """The Quart app: routes, JSON errors, metrics, limits, and the Dishka container.

    `container` replaces the real wiring (tests hand in one with fakes); `verifier` replaces
    the one verifying teachers' tokens from identity's JWKS (`identity_jwks_url`).
    """
    app = Quart(SERVICE_NAME)
    # Only Quart's hard caps here: the route checks the limits itself, because the contract
    # wants a wrong media type (415) named before a size (413) and a 413 naming the file.
    cap_request_body(
        app,
        settings.max_request_bytes,
        drain_factor=_BACKSTOP_FACTOR,
        max_form_parts=(settings.max_files_per_request + _EXTRA_FORM_PARTS) * _BACKSTOP_FACTOR,
    )
    install_openapi(app, "File Service")
    install_http_plumbing(app)
    install_token_auth(app, verifier or TokenVerifier.from_settings(settings))
    app.register_blueprint(files_api)
    app.register_blueprint(health)
    container = container or make_container(settings)
    QuartDishka(app=app, container=container)

    background: list[asyncio.Task[None]] = []

    @app.before_serving
    async def _connect() -> None:
        # Connect at startup, not on the first upload: a broken broker or database shows up
        # at once (the database is migrated here too).
        deps = await container.get(UploadCollaborators)
        background.append(
            asyncio.create_task(
                purge_expired_records(deps.requests, settings.purge_interval_seconds),
                name="file-service-purge",
            )
        )
        if settings.consume_deletions:
            consumer = await container.get(BackgroundConsumer)
            await consumer.start()
            app.extensions[CONSUMER_EXTENSION] = consumer

    @app.after_serving
    async def _disconnect() -> None:
        consumer: BackgroundConsumer | None = app.extensions.pop(CONSUMER_EXTENSION, None)
        if consumer is not None:
            await consumer.stop()
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await container.close()

    return app


def main() -> None:
    """Read settings from the environment and serve until SIGTERM/SIGINT."""
    settings = FileServiceSettings()
    configure_logging(SERVICE_NAME, settings.log_level, settings.log_format)
    runtime.run(serve_app(create_app(settings), settings.host, settings.port))


if __name__ == "__main__":
    main()
