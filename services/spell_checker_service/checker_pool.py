"""Where correction runs: a pool of processes that each load the dictionaries once.

Correcting an essay is pure Python CPU work; in the event loop it would stall Kafka heartbeats
and every other message, and in threads it would hold the GIL. Worker processes keep the event
loop free and use every core when several essays are in flight (the consuming loop handles
partitions concurrently). Each worker builds every language's engine in its initializer, once,
and keeps its own word -> correction cache. `workers=0` checks in a thread of this process
instead (small machines, quick tests).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, Self

from common_core.enums import Language
from common_core.logs import get_logger
from services.spell_checker_service.corrector import CheckResult, TextCorrector
from services.spell_checker_service.dictionaries import load_all
from services.spell_checker_service.protocols import CheckerUnavailable

logger = get_logger(__name__)

# Set once per process by _load_dictionaries (pool initializer or the in-process start).
_correctors: dict[Language, TextCorrector] = {}
_ready_barrier: Any = None


def _load_dictionaries(barrier: Any = None) -> None:
    """Pool initializer: build every language's engine in this worker process."""
    global _ready_barrier
    # Ctrl-C reaches the whole process group; the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _correctors.update(load_all())
    _ready_barrier = barrier


def _wait_ready(timeout: float) -> int:
    """Warm-up task: blocks until every worker holds one, so each worker runs exactly one."""
    if _ready_barrier is not None:
        _ready_barrier.wait(timeout)
    return os.getpid()


def _check(text: str, language: str) -> CheckResult:
    return _correctors[Language(language)].correct(text)


class CheckerPool:
    """Corrects texts off the event loop; start() returns once every worker is loaded."""

    def __init__(self, workers: int, start_timeout: float = 300.0) -> None:
        self._workers = workers
        self._start_timeout = start_timeout
        self._executor: Executor | None = None
        self.startup_seconds = 0.0

    async def start(self) -> None:
        """Start the workers and wait until each has built its dictionaries."""
        started = time.perf_counter()
        self._executor = await asyncio.to_thread(self._new_executor)
        self.startup_seconds = time.perf_counter() - started
        logger.info(
            "checker_pool_ready", workers=self._workers, seconds=round(self.startup_seconds, 2)
        )

    def _new_executor(self) -> Executor:
        if self._workers == 0:
            if not _correctors:
                _correctors.update(load_all())
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="spellcheck")
        # spawn, not fork: the parent has threads (metrics server, asyncio) that fork would copy
        # in whatever state they are in.
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(self._workers)
        executor = ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=context,
            initializer=_load_dictionaries,
            initargs=(barrier,),
        )
        try:
            warmups = [
                executor.submit(_wait_ready, self._start_timeout) for _ in range(self._workers)
            ]
            pids = {future.result(timeout=self._start_timeout) for future in warmups}
        except BaseException:
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        logger.debug("checker_workers", pids=sorted(pids))
        return executor

    async def check(self, text: str, language: Language) -> CheckResult:
        """Correct `text`; raises CheckerUnavailable (transient) if the workers died."""
        executor = self._executor
        if executor is None:  # being replaced after a crash (or not started): retry later
            raise CheckerUnavailable("checker pool is not running")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, _check, text, str(language))
        except BrokenProcessPool as exc:
            await self._replace_broken(executor)
            raise CheckerUnavailable(f"checker processes died: {exc}") from exc

    async def _replace_broken(self, broken: Executor) -> None:
        # Several in-flight checks see the same broken pool; only the first replaces it.
        if self._executor is not broken:
            return
        self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)
        logger.warning("checker_pool_restarting", workers=self._workers)
        self._executor = await asyncio.to_thread(self._new_executor)

    async def close(self) -> None:
        """Stop the workers (after any check in hand)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
