"""The spell-check benchmark's process-level figures: what a checker process costs to start
and hold in memory, and what the checker process pool corrects per second. Apart from
`scripts/bench_spellcheck.py` (the word-level figures) because these spawn processes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import random
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import psutil

from common_core.enums import Language
from services.spell_checker_service.checker_pool import CheckerPool
from services.spell_checker_service.dictionaries import load_all
from tests.support.essays import generate_essay

# CPU seconds, as in bench_spellcheck (the machine is shared; see there).
cpu_clock = time.process_time


def timed(build: Callable[[], Any]) -> tuple[Any, float, float]:
    """Build something; returns it, CPU seconds, and resident memory it added (MiB)."""
    gc.collect()
    before = psutil.Process().memory_info().rss
    started = cpu_clock()
    built = build()
    seconds = cpu_clock() - started
    return built, seconds, (psutil.Process().memory_info().rss - before) / 2**20


def _checker_process(essays: int, barrier: Any) -> tuple[float, int, int, int]:
    """In a fresh process: load like a checker process, correct essays in both languages,
    then report start-up seconds and RSS, USS and PSS bytes (after the other process loaded:
    the barrier makes the two share the mapped index pages, as a service's two do)."""
    started = cpu_clock()
    correctors = load_all()
    seconds = cpu_clock() - started
    for language in ("en", "sv"):
        for seed in range(essays):
            correctors[Language(language)].correct(generate_essay(seed, language).text)
    barrier.wait(300)
    memory = psutil.Process().memory_full_info()
    return seconds, memory.rss, memory.uss, memory.pss


def checker_processes(essays: int) -> str:
    """Start-up and memory of two checker processes started together (spawned, cache warm)."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(2, mp_context=context) as pool:
        barrier = manager.Barrier(2)
        futures = [pool.submit(_checker_process, essays, barrier) for _ in range(2)]
        results = [future.result() for future in futures]
    return "; ".join(
        f"start-up {seconds:.1f} s CPU, RSS {rss / 2**20:.0f} MiB, USS {uss / 2**20:.0f} MiB, "
        f"PSS {pss / 2**20:.0f} MiB"
        for seconds, rss, uss, pss in results
    )


async def bench_pool(args: argparse.Namespace) -> None:
    print("\nChecker process pool (both languages loaded per worker)")
    light = [generate_essay(10_000 + seed, "en").text for seed in range(args.pool_essays)]
    # CPU-heavy: essays that also carry 20 fresh two-edit typos each, which no cache has seen.
    rng = random.Random(5)
    heavy = [text + " " + " ".join(_two_edit_typos(text, rng, 20)) for text in light[:100]]
    for label, essays in (("typical essays", light), ("+20 fresh 2-edit typos", heavy)):
        words = sum(len(text.split()) for text in essays)
        for workers in (1, 2):
            async with CheckerPool(workers) as pool:
                started = time.perf_counter()
                await asyncio.gather(*(pool.check(text, Language.ENGLISH) for text in essays))
                seconds = time.perf_counter() - started
                print(
                    f"  {label:<24} {workers} worker(s): start-up {pool.startup_seconds:.1f} s; "
                    f"{len(essays)} essays in {seconds:.2f} s = {len(essays) / seconds:,.0f} "
                    f"essays/s, {words / seconds:,.0f} words/s"
                )


def _two_edit_typos(text: str, rng: random.Random, count: int) -> list[str]:
    """Lowercase words of `text` (5+ letters) with two random letter replacements."""
    words = [w for w in text.lower().split() if w.isalpha() and len(w) >= 5]
    typos = []
    for word in rng.choices(words, k=count):
        letters = list(word)
        for i in rng.sample(range(1, len(word)), 2):
            letters[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
        typos.append("".join(letters))
    return typos
