"""The task dump names the await a stuck task is parked on."""

from __future__ import annotations

import asyncio

from common_core.task_dump import task_stacks


async def _parked_on(event: asyncio.Event) -> None:
    await _inner(event)


async def _inner(event: asyncio.Event) -> None:
    await event.wait()


async def test_a_parked_task_shows_each_coroutine_down_to_the_await() -> None:
    event = asyncio.Event()
    task = asyncio.create_task(_parked_on(event), name="parked")
    await asyncio.sleep(0)  # let it run to its await
    try:
        [dump] = [d for d in task_stacks() if d["task"] == "parked"]
        chain = dump["awaiting"]
        assert isinstance(chain, list)
        assert [line.rsplit(" in ", 1)[-1] for line in chain[:3]] == [
            "_parked_on",
            "_inner",
            "wait",
        ]
    finally:
        event.set()
        await task
