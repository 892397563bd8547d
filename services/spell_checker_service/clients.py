"""Content Service over HTTP: fetch an essay's text, store the corrected text and the log.

Answers map onto the handler's error kinds: 404 (and 400, a malformed id) or bytes that are
not UTF-8 -> UnusableTextError; a 4xx on store -> StoreRejectedError; connection failures,
timeouts and 5xx -> ContentUnavailable, which the consuming loop retries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from services.spell_checker_service.protocols import (
    ContentUnavailable,
    StoreRejectedError,
    UnusableTextError,
)


class ContentClient:
    """Thin aiohttp client over one shared session (its timeout is the session's)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")

    async def fetch_text(self, storage_id: str) -> str:
        """The UTF-8 text stored under `storage_id` (a BOM, if any, is kept as text)."""
        url = f"{self._base_url}/v1/content/{storage_id}"
        async with _unavailable_on_connection_errors(), self._session.get(url) as response:
            if response.status in (400, 404):
                raise UnusableTextError(f"text {storage_id} not found ({response.status})")
            if response.status != 200:
                raise ContentUnavailable(f"GET {url} answered {response.status}")
            raw = await response.read()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnusableTextError(f"text {storage_id} is not UTF-8: {exc}") from exc

    async def store(self, body: bytes, content_type: str) -> str:
        """Store `body` with its content type; returns the new storage id."""
        url = f"{self._base_url}/v1/content"
        headers = {"Content-Type": content_type}
        async with (
            _unavailable_on_connection_errors(),
            self._session.post(url, data=body, headers=headers) as response,
        ):
            if 400 <= response.status < 500:
                detail = (await response.text())[:300]
                raise StoreRejectedError(
                    f"Content Service refused a blob: {response.status} {detail}"
                )
            if response.status != 201:
                raise ContentUnavailable(f"POST {url} answered {response.status}")
            payload = await response.json()
        storage_id = payload.get("storage_id") if isinstance(payload, dict) else None
        if not isinstance(storage_id, str):
            raise ContentUnavailable(f"POST {url} answered without a storage_id: {payload!r}")
        return storage_id


@asynccontextmanager
async def _unavailable_on_connection_errors() -> AsyncIterator[None]:
    """Connection failures and timeouts become ContentUnavailable (retried by the loop)."""
    try:
        yield
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ContentUnavailable(f"Content Service unreachable: {exc!r}") from exc
