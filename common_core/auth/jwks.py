"""The identity service's public keys, fetched once and kept, refreshed when a token needs it.

A verifier asks `JwksCache.key(kid)`. A kid we hold answers at once; an unknown kid (a key
rotated in since the last fetch) triggers one refresh. Refreshes are rate-limited: whatever
the number of forged kids thrown at a service, identity sees at most one fetch per
`min_refresh_interval_seconds` from it. Keys older than `max_age_seconds` are refetched on
the next use so a key identity withdrew stops being trusted; if identity is down then, the
keys already held keep working (availability over freshness) and a warning is logged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import aiohttp
import jwt

from common_core.auth.errors import AuthError, KeysUnavailableError
from common_core.logs import get_logger

logger = get_logger(__name__)

SIGNING_ALGORITHM = "RS256"
# Fetch attempts in a row while no key has ever been loaded (see JwksCache._refresh).
COLD_ATTEMPTS = 3


class JwksSource(Protocol):
    """Something that returns a JWKS document (`{"keys": [...]}`)."""

    async def __call__(self) -> Mapping[str, Any]:
        """The current key set; raises on any failure to get it."""
        ...


class HttpJwksSource:
    """GETs the JWKS from identity's URL over one reused aiohttp session."""

    def __init__(self, url: str, timeout_seconds: float = 3.0) -> None:
        self._url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def __call__(self) -> Mapping[str, Any]:
        """The parsed JWKS document; raises for a non-200 or a body that is not an object."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        async with self._session.get(self._url) as response:
            response.raise_for_status()
            document = await response.json(content_type=None)
        if not isinstance(document, dict):
            raise ValueError("JWKS document is not a JSON object")
        return document

    async def close(self) -> None:
        """Close the HTTP session (called when the service stops)."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def parse_signing_keys(document: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    """The RS256 signing keys of a JWKS by kid; anything else in it is skipped, not trusted."""
    keys: dict[str, jwt.PyJWK] = {}
    raw_keys = document.get("keys")
    if not isinstance(raw_keys, list):
        raise ValueError("JWKS document has no 'keys' list")
    for raw in raw_keys:
        if not isinstance(raw, dict) or raw.get("kty") != "RSA":
            continue
        kid = raw.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        if raw.get("alg", SIGNING_ALGORITHM) != SIGNING_ALGORITHM or raw.get("use", "sig") != "sig":
            continue
        try:
            keys[kid] = jwt.PyJWK(raw, algorithm=SIGNING_ALGORITHM)
        except jwt.PyJWKError as exc:
            logger.warning("jwks_key_skipped", kid=kid, error=str(exc))
    return keys


class JwksCache:
    """Keys by kid, from a JwksSource, refreshed on an unknown kid at a bounded rate."""

    def __init__(
        self,
        source: JwksSource,
        *,
        max_age_seconds: float = 300.0,
        min_refresh_interval_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._max_age = max_age_seconds
        self._min_interval = min_refresh_interval_seconds
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._last_attempt: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0  # attempts made, for tests and the curious

    async def close(self) -> None:
        """Close the source's connections, if it holds any (HttpJwksSource does)."""
        close = getattr(self._source, "close", None)
        if close is not None:
            await close()

    @property
    def kids(self) -> frozenset[str]:
        """The kids currently trusted."""
        return frozenset(self._keys)

    async def key(self, kid: str) -> jwt.PyJWK:
        """The public key for `kid`; AuthError when identity does not publish it.

        Raises KeysUnavailableError when no key could ever be loaded.
        """
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self._max_age
        if stale or kid not in self._keys:
            if self._may_refresh(now):
                await self._refresh()
            elif self._lock.locked():
                # A fetch is in flight (e.g. the first one, with no key held yet): wait for it
                # and use its result rather than answer "unavailable" meanwhile.
                async with self._lock:
                    pass
        if not self._keys and self._fetched_at is None:
            raise KeysUnavailableError("the identity service's signing keys could not be loaded")
        key = self._keys.get(kid)
        if key is None:
            raise AuthError("invalid_token", "the token was signed by a key that is not trusted")
        return key

    def _may_refresh(self, now: float) -> bool:
        return self._last_attempt is None or now - self._last_attempt >= self._min_interval

    async def _refresh(self) -> None:
        attempt_seen = self._last_attempt
        async with self._lock:
            if self._last_attempt != attempt_seen:
                return  # another request refreshed while we waited; use its result
            # Holding no key yet, every request needs this fetch, so a failed one is tried again
            # at once (COLD_ATTEMPTS in all) rather than answering 503 until the next interval:
            # a service's first requests after start-up on a loaded machine met a JWKS answer
            # slower than the source's timeout. Once keys are held, one attempt per interval.
            attempts = COLD_ATTEMPTS if self._fetched_at is None else 1
            for attempt in range(1, attempts + 1):
                self._last_attempt = self._clock()
                self.fetches += 1
                try:
                    keys = parse_signing_keys(await self._source())
                    break
                except Exception as exc:  # any failure: keep what we have, try again later
                    logger.warning(
                        "jwks_refresh_failed",
                        error=repr(exc),
                        keys_held=len(self._keys),
                        attempt=attempt,
                    )
            else:
                return
            added = sorted(set(keys) - set(self._keys))
            removed = sorted(set(self._keys) - set(keys))
            self._keys = keys
            self._fetched_at = self._clock()
            if added or removed:
                logger.info("jwks_refreshed", added=added, removed=removed, keys=len(keys))
