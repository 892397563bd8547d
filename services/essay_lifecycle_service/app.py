"""ELS API entrypoint: `python -m services.essay_lifecycle_service.app` (port 6001).

The other process of the service is the worker (worker_main.py); both share one database.
"""

from __future__ import annotations

from quart import Quart
from quart_dishka import QuartDishka

from common_core import runtime
from common_core.auth import TokenVerifier
from common_core.auth.quart import install_token_auth
from common_core.logs import configure_logging
from common_core.openapi import install_openapi
from common_core.web import install_http_plumbing, serve_app
from services.essay_lifecycle_service.api.essays import essays
from services.essay_lifecycle_service.api.health import health
from services.essay_lifecycle_service.api.texts import texts
from services.essay_lifecycle_service.config import API_PROCESS_NAME, ELSSettings
from services.essay_lifecycle_service.di import make_api_container
from services.essay_lifecycle_service.views import EssayViews


def create_app(settings: ELSSettings, verifier: TokenVerifier | None = None) -> Quart:
    """The Quart app with its routes, JSON errors, metrics and Dishka container.

    Teachers' tokens are verified against identity's JWKS (`identity_jwks_url`); `verifier`
    replaces that (tests hand in one trusting a key of their own).
    """
    app = Quart(API_PROCESS_NAME)
    install_openapi(app, "Essay Lifecycle API")
    install_http_plumbing(app)
    install_token_auth(app, verifier or TokenVerifier.from_settings(settings))
    app.register_blueprint(essays)
    app.register_blueprint(texts)
    app.register_blueprint(health)
    container = make_api_container(settings)
    QuartDishka(app=app, container=container)

    @app.before_serving
    async def _open_database() -> None:
        # Connect and create the schema before the first request, so a bad URL fails at start.
        await container.get(EssayViews)

    @app.after_serving
    async def _close_container() -> None:
        await container.close()

    return app


def main() -> None:
    """Read settings from the environment and serve until SIGTERM/SIGINT."""
    settings = ELSSettings()
    configure_logging(API_PROCESS_NAME, settings.log_level, settings.log_format)
    runtime.run(serve_app(create_app(settings), settings.host, settings.port))


if __name__ == "__main__":
    main()
