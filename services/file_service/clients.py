"""HTTP clients for BOS (is the batch open?) and Content Service (store a text)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp
from pydantic import SecretStr
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from common_core.auth import AuthError
from common_core.content import BATCH_DELETED_STATUS, content_headers
from common_core.logs import get_logger
from common_core.web import CORRELATION_HEADER
from services.file_service.domain import (
    BatchInfo,
    BatchNotFound,
    BosUnavailable,
    ContentServiceUnavailable,
)

logger = get_logger(__name__)

_STORAGE_ID_LENGTH = 32


class BosClient:
    """Asks BOS's public `GET /v1/batches/{batch_id}` with the teacher's token (BOS checks the
    owner); a short timeout, no retries."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, timeout: float) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def batch_info(self, batch_id: str, token: str) -> BatchInfo | None:
        """The batch's status and expected essay count, None when BOS does not know it as the
        token's teacher's batch; raises BosUnavailable otherwise, AuthError when BOS refuses
        the token."""
        url = f"{self._base_url}/v1/batches/{quote(batch_id, safe='')}"
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with self._session.get(url, headers=headers, timeout=self._timeout) as response:
                # 400/422 mean BOS finds the id malformed: no such batch can exist either.
                if response.status in (400, 404, 422):
                    return None
                if response.status == 401:
                    # Verified here a moment ago; it expired since (or the two disagree).
                    raise AuthError("invalid_token", "the batch service refused the token")
                if response.status != 200:
                    raise BosUnavailable(f"BOS answered {response.status}")
                body: Any = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            logger.warning("bos_unreachable", error=repr(exc))
            raise BosUnavailable(type(exc).__name__) from exc
        status = body.get("status") if isinstance(body, dict) else None
        expected = body.get("expected_essay_count") if isinstance(body, dict) else None
        if not isinstance(status, str) or not isinstance(expected, int):
            raise BosUnavailable("BOS answered without a batch status and essay count")
        return BatchInfo(status, expected)


class _Transient(Exception):
    """A Content Service failure worth another quick attempt."""


class ContentServiceClient:
    """Stores texts via `POST /v1/content` (service token, the text's batch), retrying
    connection errors, timeouts and 5xx."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        timeout: float,
        attempts: int,
        token: SecretStr | str,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._attempts = attempts
        self._token = token

    async def store_text(self, text: str, batch_id: str, correlation_id: str) -> str:
        """Store the text as UTF-8 `text/plain` in its batch; returns its storage id.

        Raises BatchNotFound when the batch was deleted meanwhile (Content Service's 410).
        """
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential(multiplier=0.1, max=1.0),
            retry=retry_if_exception_type(_Transient),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._post(text.encode("utf-8"), batch_id, correlation_id)
        except _Transient as exc:
            logger.warning("content_service_unreachable", error=str(exc))
            raise ContentServiceUnavailable(str(exc)) from exc
        raise AssertionError("unreachable: tenacity either returns or reraises")

    async def is_healthy(self) -> bool:
        """True when Content Service's /healthz answers 200 within the timeout."""
        try:
            async with self._session.get(
                f"{self._base_url}/healthz", timeout=self._timeout
            ) as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def _post(self, body: bytes, batch_id: str, correlation_id: str) -> str:
        headers = {
            **content_headers(self._token, batch_id),
            "Content-Type": "text/plain; charset=utf-8",
            CORRELATION_HEADER: correlation_id,
        }
        try:
            async with self._session.post(
                f"{self._base_url}/v1/content", data=body, headers=headers, timeout=self._timeout
            ) as response:
                if response.status >= 500:
                    raise _Transient(f"content service answered {response.status}")
                if response.status == BATCH_DELETED_STATUS:
                    raise BatchNotFound(batch_id)  # deleted while this upload ran
                if response.status != 201:
                    # A 4xx will not change on retry (e.g. 413): report it, do not hammer.
                    raise ContentServiceUnavailable(f"content service answered {response.status}")
                payload: Any = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
        except ValueError as exc:
            raise ContentServiceUnavailable("content service answered malformed JSON") from exc
        storage_id = payload.get("storage_id") if isinstance(payload, dict) else None
        if not isinstance(storage_id, str) or len(storage_id) != _STORAGE_ID_LENGTH:
            raise ContentServiceUnavailable("content service answered without a storage id")
        return storage_id
