"""Settings of identity_service (env prefix `IDENTITY_`), e.g. `IDENTITY_DATABASE_URL`.

The numbers that matter for security (token lifetime, Argon2 cost, login limits) are here and
in docs/security.md; change them together.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common_core.auth.settings import DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER
from common_core.config import ServiceSettings

SERVICE_NAME = "identity_service"


class IdentitySettings(ServiceSettings):
    """Everything identity_service reads from the environment."""

    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 3001
    # SQLite file by default (zero set-up); docker compose points this at PostgreSQL.
    database_url: str = "sqlite+aiosqlite:///.data/identity.sqlite3"
    # Anyone may create an account unless this is false (then 403; accounts via the CLI).
    open_registration: bool = True
    # Every service verifies `iss` and `aud` against the same values (common_core.auth).
    jwt_issuer: str = DEFAULT_JWT_ISSUER
    jwt_audience: str = DEFAULT_JWT_AUDIENCE
    access_token_ttl_seconds: int = 3600
    # Argon2id cost (argon2-cffi's RFC 9106 low-memory profile); a stored hash made with other
    # parameters is re-hashed at its owner's next successful login.
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65536
    argon2_parallelism: int = 4
    # Login limits (moving windows, kept in this process): failed logins per e-mail address,
    # and attempts of any outcome per client address. Over either: 429 with Retry-After.
    login_failures_per_email: int = 10
    login_failure_window_seconds: int = 900
    login_attempts_per_address: int = 60
    login_address_window_seconds: int = 60
    # Peers whose X-Forwarded-For is believed (the gateway), as IPs or CIDRs; nobody by default,
    # so a client cannot choose the address it is limited by.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Largest request body accepted; a registration is well under 2 KB.
    max_request_bytes: int = 16_384
