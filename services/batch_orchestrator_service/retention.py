"""The retention sweep: a background task of BOS's process that deletes batches older than
BOS_RETENTION_DAYS, at start and then every `retention_sweep_interval_seconds`.

Each sweep deletes exactly as a teacher's DELETE does (teachers.purge_expired_batches), so ELS
and Content Service forget those batches too. Several BOS replicas may sweep at once: each
deletion locks its batch first, and a batch already gone is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from common_core.logs import get_logger
from services.batch_orchestrator_service.protocols import UnitOfWorkFactory
from services.batch_orchestrator_service.teachers import purge_expired_batches

logger = get_logger(__name__)


class RetentionSweeper:
    """Runs `purge_expired_batches` on a timer until stopped; a failed sweep is logged and
    tried again at the next tick (the database may be briefly away)."""

    def __init__(
        self, units_of_work: UnitOfWorkFactory, retention_days: int, interval_seconds: float
    ) -> None:
        self._units_of_work = units_of_work
        self._retention_days = retention_days
        self._interval = interval_seconds
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Sweep now, then on every interval, in the background."""
        self._task = asyncio.create_task(self._run(), name="bos-retention")

    async def stop(self) -> None:
        """Finish the sweep in hand (its transactions are short) and stop."""
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._task

    async def sweep(self) -> int:
        """One sweep; returns how many batches it deleted."""
        correlation_id = f"retention-{uuid.uuid4()}"
        return await purge_expired_batches(
            self._units_of_work, self._retention_days, correlation_id
        )

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.sweep()
            except Exception as exc:  # e.g. the database is away: the next tick tries again
                logger.warning("retention_sweep_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                # A timer, not synchronisation: wake on stop or when the interval is over.
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)
