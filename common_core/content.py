"""Content Service's internal HTTP contract, for the services that call it.

Every call carries the service token (`Authorization: Bearer <content_service_token>`); a store
also names the batch the blob belongs to, so deleting the batch deletes the blob and a store
for an already deleted batch is refused with 410 (docs/security.md, "Deletion").

Kept apart from `common_core.auth` (which needs PyJWT) so the workers that only call Content
Service (Spell Checker, NLP) need no JWT library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BATCH_ID_HEADER = "X-Batch-ID"
# What Content Service answers a store for a deleted batch with; callers treat it as final.
BATCH_DELETED_STATUS = 410


class ContentServiceTokenSettings(BaseSettings):
    """The shared secret that lets a service call Content Service (and Content Service check it).

    Empty means "not configured": Content Service then refuses every call (fails closed), and
    a client sends no Authorization header. docker compose hands it over as a file (see
    scripts/service_secret.py): `content_service_token_file` is read when the token is empty.
    """

    model_config = SettingsConfigDict(extra="ignore")

    content_service_token: SecretStr = SecretStr("")
    content_service_token_file: Path | None = Field(
        default=None, description="A file holding the token, read when the token is not set."
    )

    @model_validator(mode="after")
    def _token_from_file(self) -> Self:
        if self.content_service_token.get_secret_value() or self.content_service_token_file is None:
            return self
        try:
            secret = self.content_service_token_file.read_text().strip()
        except OSError as exc:
            raise ValueError(f"cannot read content_service_token_file: {exc}") from exc
        self.content_service_token = SecretStr(secret)
        return self


def service_token_headers(token: SecretStr | str) -> dict[str, str]:
    """The header a client of Content Service sends (none when no token is configured)."""
    secret = token.get_secret_value() if isinstance(token, SecretStr) else token
    return {"Authorization": f"Bearer {secret}"} if secret else {}


def content_headers(token: SecretStr | str, batch_id: str | None = None) -> dict[str, str]:
    """Headers of a Content Service call: the service token, and for a store its batch."""
    headers = service_token_headers(token)
    if batch_id is not None:
        headers[BATCH_ID_HEADER] = batch_id
    return headers
