"""Content Service over HTTP: fetch an essay's text, store corrected text and logs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from services.spell_checker_service.protocols import ContentUnavailable, TextNotFoundError


class ContentClient:
    """Thin aiohttp client; transient failures raise, so the consuming loop retries them."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")

    async def fetch_text(self, storage_id: str) -> str:
        url = f"{self._base_url}/v1/content/{storage_id}"
        async with _unavailable_on_connection_errors(), self._session.get(url) as response:
            if response.status in (400, 404):
                raise TextNotFoundError(f"content {storage_id} not found ({response.status})")
            if response.status != 200:
                raise ContentUnavailable(f"GET {url} answered {response.status}")
            raw = await response.read()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TextNotFoundError(f"content {storage_id} is not UTF-8 text: {exc}") from exc

    async def store(self, body: bytes, content_type: str) -> str:
        url = f"{self._base_url}/v1/content"
        headers = {"Content-Type": content_type}
        async with (
            _unavailable_on_connection_errors(),
            self._session.post(url, data=body, headers=headers) as response,
        ):
            if response.status != 201:
                raise ContentUnavailable(f"POST {url} answered {response.status}")
            payload = await response.json()
        return str(payload["storage_id"])


@asynccontextmanager
async def _unavailable_on_connection_errors() -> AsyncIterator[None]:
    """Connection failures and timeouts become ContentUnavailable (retried by the loop)."""
    try:
        yield
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ContentUnavailable(f"Content Service unreachable: {exc!r}") from exc
