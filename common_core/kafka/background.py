"""A consuming loop run as a background task of a web app (BOS consumes in its HTTP process)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable

from common_core.kafka.consumer import KafkaConsumerLoop
from common_core.logs import get_logger

logger = get_logger(__name__)


class BackgroundConsumer:
    """Starts the loop beside the app's requests, reports its death, and is watched by /healthz."""

    def __init__(
        self,
        loop: KafkaConsumerLoop,
        name: str = "consumer",
        on_death: Callable[[], None] | None = None,
    ) -> None:
        self._loop = loop
        self._name = name
        self._on_death = on_death
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and start consuming in the background; raises if the broker is unreachable."""
        try:
            await self._loop.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await self._loop.close()
            raise
        self._task = asyncio.create_task(self._loop.run(), name=self._name)
        self._task.add_done_callback(self._report_exit)

    @property
    def alive(self) -> bool:
        """True while the loop task runs; a dead consumer makes /healthz answer 503."""
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Let the loop finish the message in hand, commit, leave the group, and wait for it."""
        if self._task is None:
            return
        await self._loop.stop()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await self._task

    def _report_exit(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            logger.warning("consumer_cancelled")
        elif (exc := task.exception()) is not None:
            logger.error("consumer_died", error=repr(exc), exc_info=exc)
            if self._on_death is not None:
                self._on_death()
        else:
            logger.info("consumer_stopped")


def shut_down_this_process() -> None:
    """A service's `on_death`: SIGTERM to itself, so it shuts down gracefully and exits.

    A web process whose consumer died still answers HTTP but no longer moves batches; its
    supervisor (the fleet runner, compose's restart policy) only restarts a process that exits.
    """
    os.kill(os.getpid(), signal.SIGTERM)
