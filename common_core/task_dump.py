"""Where is a stuck process waiting? SIGUSR1 logs the stack of every asyncio task.

A service that does not stop when asked (or stops making progress) is stuck in some `await`;
its logs say what it last did, not where it waits. The fleet runner sends SIGUSR1 before it
kills a process that ignored SIGTERM, so the log keeps that answer; an operator can send it to
a live process too (`kill -USR1 <pid>`), which keeps running.
"""

from __future__ import annotations

import asyncio
import signal

from common_core.logs import get_logger

logger = get_logger(__name__)

# Frames kept per task: enough to see the await it is parked on and who called it.
MAX_FRAMES = 12


def await_chain(awaitable: object) -> list[str]:
    """Where a suspended coroutine waits: each coroutine (or async generator) it awaits in
    turn, outermost first, as `file:line in function`; then the object at the bottom."""
    chain = []
    current: object = awaitable
    for _ in range(MAX_FRAMES):
        frame = getattr(current, "cr_frame", None) or getattr(current, "ag_frame", None)
        if frame is None:
            chain.append(repr(current)[:200])  # a Future, a Task, a generator of a library
            break
        chain.append(f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        current = getattr(current, "cr_await", None) or getattr(current, "ag_await", None)
        if current is None:
            break
    return chain


def task_stacks() -> list[dict[str, object]]:
    """Name and await chain of every task of the running loop."""
    return [
        {"task": task.get_name(), "awaiting": await_chain(task.get_coro())}
        for task in asyncio.all_tasks()
    ]


def log_task_stacks() -> None:
    """One log line holding every task's stack."""
    logger.warning("task_stacks_dumped", tasks=task_stacks())


def install_task_dump() -> None:
    """Log every task's stack on SIGUSR1 (call from inside the running event loop)."""
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, log_task_stacks)
