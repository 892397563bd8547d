"""The checker process pool: real worker processes, loaded once, replaced when they die."""

from __future__ import annotations

import os
import signal

import psutil
import pytest

from common_core.enums import Language
from services.spell_checker_service.checker_pool import CheckerPool
from services.spell_checker_service.protocols import CheckerUnavailable


def _children() -> set[int]:
    """Child processes of this test process, minus multiprocessing's resource tracker (started
    with the first spawn-context pool and kept for the life of the parent)."""
    children = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                children.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return children


async def test_workers_check_both_languages_and_a_killed_worker_is_replaced() -> None:
    before = _children()
    async with CheckerPool(workers=1) as pool:
        workers = _children() - before
        assert len(workers) == 1
        english = await pool.check("Becuase teh cat.", Language.ENGLISH)
        swedish = await pool.check("Det var rolight.", Language.SWEDISH)
        assert english.text == "Because the cat."
        assert swedish.text == "Det var roligt."
        assert _children() - before == workers  # the same process answered both: loaded once

        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(CheckerUnavailable):
            await pool.check("Teh end.", Language.ENGLISH)
        # The failing call already rebuilt the pool; the retry is served by a new process.
        again = await pool.check("Teh end.", Language.ENGLISH)
        assert again.text == "The end."
        assert not (_children() - before) & workers
    assert not _children() - before  # closing stopped every worker
