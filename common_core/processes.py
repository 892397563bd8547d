"""Child processes on this machine, for scripts/ and tests: a free port, a clean stop.

Stdlib only. Stopping is the same everywhere a script runs a child (a service, the broker, the
fleet runner): SIGTERM so it shuts down cleanly, and SIGKILL only if it has not exited in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports_in_a_row(count: int, attempts: int = 50) -> int:
    """The first of `count` consecutive TCP ports that were free a moment ago (a Kafka
    cluster's brokers listen on consecutive ports)."""
    for _ in range(attempts):
        first = free_port()
        sockets = []
        try:
            for port in range(first, first + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} free ports in a row")


def terminate(
    process: subprocess.Popen[bytes], timeout: float, sig: signal.Signals = signal.SIGTERM
) -> int:
    """Send `sig` (SIGTERM: a clean shutdown), SIGKILL if it has not exited after `timeout` s;
    the exit code. PostgreSQL's fast shutdown is SIGINT, so its runner passes that."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


async def exit_code(process: asyncio.subprocess.Process) -> int:
    """Wait for an asyncio child to exit; its exit code.

    Not `process.wait()`: on Python 3.11 it also waits for the output pipe to close, which
    never happens while an orphaned grandchild still holds it.
    """
    while process.returncode is None:  # noqa: ASYNC110 - no event exists for "reaped"
        await asyncio.sleep(0.1)
    return process.returncode


async def terminate_async(
    process: asyncio.subprocess.Process, timeout: float, *, dump_tasks_first: bool = False
) -> bool:
    """`terminate` for an asyncio child; False when it had to be killed.

    `dump_tasks_first` (for the fleet's own services): before the kill, SIGUSR1 asks the child
    to log where each of its tasks waits (`common_core.task_dump`), so a hang leaves its cause.
    """
    if process.returncode is not None:
        return True
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(exit_code(process), timeout)
    except TimeoutError:
        if dump_tasks_first:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGUSR1)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(exit_code(process), 1.0)  # time to write the dump
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await exit_code(process)
        return False
    return True
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(exit_code(process), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await exit_code(process)
        return False
    return True
