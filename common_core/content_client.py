"""Content Service over HTTP for the Kafka workers: fetch a text, store a blob.

Answers map onto what a worker decides: 404 (and 400, a malformed id) or bytes that are not
UTF-8 -> UnusableTextError (publish a failed result); a 4xx on store -> StoreRejectedError
(the same blob would be refused again); connection failures, timeouts and 5xx ->
ContentUnavailable, which the consuming loop retries with backoff.

Calls carry Content Service's service token as `Authorization: Bearer <token>` (none when the
token is empty), the header common_core.auth.service_token checks; it is written out here
because importing common_core.auth needs pyjwt, which a worker's image has no other use for.
Needs aiohttp, which the worker images install (their PDM groups).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from pydantic import SecretStr


class ContentUnavailable(Exception):
    """Content Service could not be reached, timed out or answered 5xx: worth a retry."""


class UnusableTextError(Exception):
    """The text cannot be had: unknown id (404), malformed id (400) or not UTF-8."""


class StoreRejectedError(Exception):
    """Content Service refused a blob with a 4xx answer; the same blob would be refused again."""


class ContentClient:
    """Thin aiohttp client over one shared session (its timeout is the session's)."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, token: SecretStr | str = ""
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        secret = token.get_secret_value() if isinstance(token, SecretStr) else token
        self._auth = {"Authorization": f"Bearer {secret}"} if secret else {}

    async def fetch_text(self, storage_id: str) -> str:
        """The UTF-8 text stored under `storage_id` (a BOM, if any, is kept as text)."""
        url = f"{self._base_url}/v1/content/{storage_id}"
        async with (
            _unavailable_on_connection_errors(),
            self._session.get(url, headers=self._auth) as response,
        ):
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
        headers = {"Content-Type": content_type, **self._auth}
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
