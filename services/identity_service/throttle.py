"""Login rate limits (the `limits` library's moving windows, in this process's memory).

Two rules (numbers in config.py and docs/security.md): failed logins per e-mail address, so
one account cannot be guessed at; attempts of any outcome per client address, so one client
cannot spray many accounts. The state is per process and starts empty on restart: identity
runs as one process in every profile; running replicas would multiply the limits.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from services.identity_service.config import IdentitySettings
from services.identity_service.domain import LoginThrottledError


class LoginThrottle:
    """Decides whether a login may be tried, and records its outcome."""

    def __init__(
        self,
        failures_per_email: int,
        failure_window_seconds: int,
        attempts_per_address: int,
        address_window_seconds: int,
    ) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_email = RateLimitItemPerSecond(failures_per_email, failure_window_seconds)
        self._per_address = RateLimitItemPerSecond(attempts_per_address, address_window_seconds)

    @classmethod
    def from_settings(cls, settings: IdentitySettings) -> LoginThrottle:
        """The throttle with the configured limits."""
        return cls(
            settings.login_failures_per_email,
            settings.login_failure_window_seconds,
            settings.login_attempts_per_address,
            settings.login_address_window_seconds,
        )

    async def admit(self, email: str, client_address: str) -> None:
        """Count this attempt against the address; LoginThrottledError when either limit is
        used up (the e-mail limit is checked, not consumed: only failures consume it)."""
        if not await self._limiter.test(self._per_email, "email", email):
            raise LoginThrottledError(await self._retry_after(self._per_email, "email", email))
        if not await self._limiter.hit(self._per_address, "address", client_address):
            raise LoginThrottledError(
                await self._retry_after(self._per_address, "address", client_address)
            )

    async def record_failure(self, email: str) -> None:
        """A wrong password or unknown address for `email` uses up one of its failures."""
        await self._limiter.hit(self._per_email, "email", email)

    async def _retry_after(self, item: RateLimitItemPerSecond, *identifiers: str) -> int:
        stats = await self._limiter.get_window_stats(item, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))
