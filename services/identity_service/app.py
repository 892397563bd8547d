"""identity_service entrypoint: teachers register and log in; every service verifies the
tokens it signs with the keys it publishes (GET /v1/auth/jwks.json).

Run with `python -m services.identity_service.app`; SIGTERM/SIGINT stop it cleanly.
"""

from __future__ import annotations

from dishka import AsyncContainer
from quart import Quart
from quart_dishka import QuartDishka
from sqlalchemy.ext.asyncio import AsyncEngine

from common_core import runtime
from common_core.auth.quart import install_token_auth
from common_core.logs import configure_logging, get_logger
from common_core.metadata import utc_now
from common_core.openapi import install_openapi
from common_core.web import install_http_plumbing, limit_request_body, serve_app
from services.identity_service.api.auth import BEARER_SCHEME, auth
from services.identity_service.api.health import health
from services.identity_service.config import SERVICE_NAME, IdentitySettings
from services.identity_service.di import make_container, own_token_verifier
from services.identity_service.handlers import ensure_signing_key
from services.identity_service.protocols import UnitOfWorkFactory
from services.identity_service.repository import migrate_schema
from services.identity_service.signing import new_signing_key

logger = get_logger(__name__)


async def prepare_store(container: AsyncContainer) -> None:
    """Schema up to date and an active signing key (made on the very first start only)."""
    await migrate_schema(await container.get(AsyncEngine))
    key = await ensure_signing_key(
        (await container.get(UnitOfWorkFactory))(), utc_now(), new_signing_key
    )
    logger.info("identity_started", kid=key.kid)


def create_app(settings: IdentitySettings | None = None) -> Quart:
    """The identity web app; serving it (or `test_app()`) prepares the store first."""
    settings = settings or IdentitySettings()
    app = Quart(SERVICE_NAME)
    limit_request_body(app, settings.max_request_bytes)
    install_openapi(
        app,
        "Identity Service",
        security_schemes={BEARER_SCHEME: {"type": "http", "scheme": "bearer"}},
    )
    install_http_plumbing(app)
    app.register_blueprint(auth)
    app.register_blueprint(health)
    container = make_container(settings)
    QuartDishka(app=app, container=container)
    install_token_auth(app, own_token_verifier(container, settings))

    async def start() -> None:
        await prepare_store(container)

    async def stop() -> None:
        await container.close()

    app.before_serving(start)
    app.after_serving(stop)
    return app


async def main() -> None:
    """Serve identity_service until SIGTERM/SIGINT."""
    settings = IdentitySettings()
    configure_logging(SERVICE_NAME, settings.log_level, settings.log_format)
    await serve_app(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    runtime.run(main())
