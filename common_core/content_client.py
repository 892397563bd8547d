"""Content Service over HTTP for the Kafka workers: fetch a text, store a blob.

Answers map onto what a worker decides: 404 (and 400, a malformed id) or bytes that are not
UTF-8 -> UnusableTextError (publish a failed result); a 4xx on store (410: the blob's batch was
deleted) -> StoreRejectedError (the same blob would be refused again); connection failures,
timeouts, 5xx and 401 (a wrong service token: this worker's misconfiguration, never the
essay's fault) -> ContentUnavailable, which the consuming loop retries with backoff.

Calls carry Content Service's service token and a store names the blob's batch
(common_core.content, which needs no pyjwt). Needs aiohttp, which the worker images install.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import aiohttp
from pydantic import SecretStr

from common_core.content import BATCH_DELETED_STATUS, content_headers


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
        self._token = token
        self._auth = content_headers(token)

    async def fetch_text(self, storage_id: str) -> str:
        """The UTF-8 text stored under `storage_id` (a BOM, if any, is kept as text)."""
        url = f"{self._base_url}/v1/content/{storage_id}"
        async with (
            _unavailable_on_connection_errors(),
            self._session.get(url, headers=self._auth) as response,
        ):
            if response.status in (400, 404):
                raise UnusableTextError(f"text {storage_id} not found ({response.status})")
            if response.status != 200:  # 401 included: a wrong token is retried, not a result
                raise ContentUnavailable(f"GET {url} answered {response.status}")
            raw = await response.read()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnusableTextError(f"text {storage_id} is not UTF-8: {exc}") from exc

    async def store(self, body: bytes, content_type: str, batch_id: str) -> str:
        """Store `body` with its content type as a blob of the batch; returns its storage id.

        Deleting the batch deletes the blob; a batch already deleted refuses it (410).
        """
        url = f"{self._base_url}/v1/content"
        headers = {"Content-Type": content_type, **self._store_headers(batch_id)}
        async with (
            _unavailable_on_connection_errors(),
            self._session.post(url, data=body, headers=headers) as response,
        ):
            await _raise_for_store(url, response)
            payload = await response.json()
        storage_id = payload.get("storage_id") if isinstance(payload, dict) else None
        if not isinstance(storage_id, str):
            raise ContentUnavailable(f"POST {url} answered without a storage_id: {payload!r}")
        return storage_id

    async def store_texts(self, texts: Sequence[tuple[str, str]], batch_id: str) -> list[str]:
        """Store several (text, content type) blobs of the batch in one request, all or none;
        returns their storage ids in order (`POST /v1/content/texts`, same answers as `store`).
        """
        url = f"{self._base_url}/v1/content/texts"
        body = {"texts": [{"content_type": kind, "text": text} for text, kind in texts]}
        async with (
            _unavailable_on_connection_errors(),
            self._session.post(url, json=body, headers=self._store_headers(batch_id)) as response,
        ):
            await _raise_for_store(url, response)
            payload = await response.json()
        ids = payload.get("storage_ids") if isinstance(payload, dict) else None
        if not isinstance(ids, list) or len(ids) != len(texts):
            raise ContentUnavailable(f"POST {url} answered without storage_ids: {payload!r}")
        return [str(storage_id) for storage_id in ids]

    def _store_headers(self, batch_id: str) -> dict[str, str]:
        return content_headers(self._token, batch_id)


async def _raise_for_store(url: str, response: aiohttp.ClientResponse) -> None:
    """A store's answer other than 201 as the error a worker decides on."""
    if response.status == BATCH_DELETED_STATUS:
        raise StoreRejectedError("Content Service refused a blob: its batch was deleted")
    if response.status == 401:
        raise ContentUnavailable(f"POST {url} answered 401: check the service token")
    if 400 <= response.status < 500:
        detail = (await response.text())[:300]
        raise StoreRejectedError(f"Content Service refused a blob: {response.status} {detail}")
    if response.status != 201:
        raise ContentUnavailable(f"POST {url} answered {response.status}")


@asynccontextmanager
async def _unavailable_on_connection_errors() -> AsyncIterator[None]:
    """Connection failures and timeouts become ContentUnavailable (retried by the loop)."""
    try:
        yield
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ContentUnavailable(f"Content Service unreachable: {exc!r}") from exc
