"""Where a fleet's resources go: peak memory and CPU of each process tree, and CPU stolen by the
hypervisor, sampled by scripts/bench_fleet.py while it times batches."""

from __future__ import annotations

import threading
from typing import Self

import psutil

from scripts.fleet.running import RunningFleet

RUNNER = "fleet runner (log relay)"


class Sampling:
    """A background thread that calls `sample()` every `interval` seconds while the `with`
    block runs (the benchmarks watch the fleet beside the batches they time)."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample()

    def sample(self) -> None:
        raise NotImplementedError


class ProcessSampler(Sampling):
    """Peak resident memory of the fleet's processes, sampled until stopped."""

    def __init__(self, fleet: RunningFleet) -> None:
        super().__init__(interval=0.2)
        self._fleet = fleet
        self.peaks: dict[str, int] = {}

    def sample(self) -> None:
        for name, tree in process_trees(self._fleet).items():
            try:
                rss = sum(process.memory_info().rss for process in tree)
            except psutil.Error:
                continue
            self.peaks[name] = max(self.peaks.get(name, 0), rss)


def process_trees(fleet: RunningFleet) -> dict[str, list[psutil.Process]]:
    """Each service's process with its children (the checker pool), and the fleet runner."""
    trees: dict[str, list[psutil.Process]] = {}
    for name, pid in fleet.pids().items():
        try:
            process = psutil.Process(pid)
            trees[name] = [process, *process.children(recursive=True)]
        except psutil.Error:
            continue
    if fleet.process is not None:
        trees[RUNNER] = [psutil.Process(fleet.process.pid)]
    return trees


def cpu_seconds(fleet: RunningFleet) -> dict[str, float]:
    """User + system CPU seconds of each process tree so far."""
    seconds = {}
    for name, tree in process_trees(fleet).items():
        try:
            seconds[name] = sum(sum(process.cpu_times()[:2]) for process in tree)
        except psutil.Error:
            continue
    return seconds


def steal_seconds() -> float:
    return float(getattr(psutil.cpu_times(), "steal", 0.0))
