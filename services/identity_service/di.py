"""The one place identity_service is wired: Dishka provides engine, units of work, hasher,
throttle and signer; the app's own token verifier reads the keys from the same store."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from quart_dishka import QuartProvider
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common_core.auth.jwks import JwksCache
from common_core.auth.tokens import TokenVerifier
from common_core.database_provider import DatabaseProvider
from common_core.metadata import utc_now
from services.identity_service.config import IdentitySettings
from services.identity_service.handlers import public_keys
from services.identity_service.passwords import Argon2Passwords
from services.identity_service.protocols import LoginThrottle, PasswordHasher, UnitOfWorkFactory
from services.identity_service.repository import SqlUnitOfWorkFactory
from services.identity_service.signing import TokenSigner
from services.identity_service.throttle import LoginThrottle as MemoryLoginThrottle

# Identity reads its own keys from its database: cheap, so refresh often (a key rotated in by
# the CLI, another process, is trusted within a second).
OWN_KEYS_MAX_AGE_SECONDS = 10.0
OWN_KEYS_MIN_REFRESH_SECONDS = 1.0


class IdentityProvider(Provider):
    """Application-scoped collaborators; each is created once and closed with the container."""

    settings = from_context(provides=IdentitySettings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def units_of_work(self, sessions: async_sessionmaker[AsyncSession]) -> UnitOfWorkFactory:
        """Fresh transactions for routes and commands."""
        return SqlUnitOfWorkFactory(sessions)

    @provide(scope=Scope.APP)
    def passwords(self, settings: IdentitySettings) -> PasswordHasher:
        """Argon2id with the configured cost."""
        return Argon2Passwords.from_settings(settings)

    @provide(scope=Scope.APP)
    def throttle(self, settings: IdentitySettings) -> LoginThrottle:
        """Login limits, in this process's memory."""
        return MemoryLoginThrottle.from_settings(settings)

    @provide(scope=Scope.APP)
    def signer(self, settings: IdentitySettings) -> TokenSigner:
        """Signs access tokens for the configured issuer, audience and lifetime."""
        return TokenSigner(
            settings.jwt_issuer, settings.jwt_audience, settings.access_token_ttl_seconds
        )


def make_container(settings: IdentitySettings) -> AsyncContainer:
    """The app's container; Quart request scopes come from QuartProvider."""
    return make_async_container(
        IdentityProvider(),
        DatabaseProvider(settings.database_url),
        QuartProvider(),
        context={IdentitySettings: settings},
    )


class StoredKeysSource:
    """A JwksSource over identity's own store, for verifying tokens on GET /v1/auth/me."""

    def __init__(self, container: AsyncContainer, token_lifetime: timedelta) -> None:
        self._container = container
        self._lifetime = token_lifetime

    async def __call__(self) -> Mapping[str, Any]:
        """The JWKS exactly as GET /v1/auth/jwks.json serves it."""
        units_of_work = await self._container.get(UnitOfWorkFactory)
        return await public_keys(units_of_work(), utc_now(), self._lifetime)


def own_token_verifier(container: AsyncContainer, settings: IdentitySettings) -> TokenVerifier:
    """The same verifier every service uses, reading keys from the store instead of HTTP."""
    source = StoredKeysSource(container, timedelta(seconds=settings.access_token_ttl_seconds))
    cache = JwksCache(
        source,
        max_age_seconds=OWN_KEYS_MAX_AGE_SECONDS,
        min_refresh_interval_seconds=OWN_KEYS_MIN_REFRESH_SECONDS,
    )
    return TokenVerifier(cache, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
