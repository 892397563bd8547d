"""How every service process runs its event loop.

uvloop (libuv) is a drop-in asyncio loop with cheaper socket I/O and callbacks; the fleet spends
much of its time in exactly that (Kafka fetches and acks, HTTP round trips), so every entrypoint
starts through `run()`. Where uvloop is not installed, plain asyncio runs the same code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop is a locked dependency on Linux
    uvloop = None  # type: ignore[assignment]


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to completion on a fresh uvloop (asyncio when uvloop is unavailable)."""
    if uvloop is None:
        return asyncio.run(main)
    return uvloop.run(main)
