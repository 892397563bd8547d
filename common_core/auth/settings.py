"""Settings every token-checking service shares, by the same names (each under its own prefix).

Mix them into a service's settings class, e.g. `class BOSSettings(ServiceSettings,
TokenVerificationSettings)`, which makes `BOS_IDENTITY_JWKS_URL`, `BOS_JWT_ISSUER` and
`BOS_JWT_AUDIENCE`. identity_service signs with the same issuer and audience defaults.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

# Lives with Content Service's contract (no PyJWT needed there); re-exported here.
from common_core.content import ContentServiceTokenSettings

__all__ = ["ContentServiceTokenSettings", "TokenVerificationSettings"]

DEFAULT_JWT_ISSUER = "huleedu-identity"
DEFAULT_JWT_AUDIENCE = "huleedu-fleet"


class TokenVerificationSettings(BaseSettings):
    """Where the public keys are and which `iss` / `aud` a teacher's token must carry."""

    model_config = SettingsConfigDict(extra="ignore")

    identity_jwks_url: str = "http://127.0.0.1:3001/v1/auth/jwks.json"
    jwt_issuer: str = DEFAULT_JWT_ISSUER
    jwt_audience: str = DEFAULT_JWT_AUDIENCE
