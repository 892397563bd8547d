"""Fleet benchmark: N generated essays through the real local fleet vs. a one-process baseline.

Prints, from one run: time from register to `completed`, essays/s, per-essay latency
(upload start -> result) p50/p95, single-essay latency on an idle fleet, peak RSS and CPU per
process (where the compute goes), and the ratio fleet time / single-core baseline (the same
essays spell-checked in this process with the same engine). On 2 cores the physical best is
about 0.5.

    python -m scripts.bench_fleet --essays 200
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import psutil
from spellchecker import SpellChecker

from scripts.bench_spellcheck import PyspellWords
from scripts.essay_generator import generate_essay
from scripts.fleet.client import FleetClient, FleetUrls
from scripts.fleet.running import RunningFleet
from scripts.local_kafka import free_port
from services.spell_checker_service.corrector import TextCorrector
from services.spell_checker_service.dictionaries import load_corrector


def pyspellchecker_seconds(texts: list[str], sample: int) -> float:
    """pyspellchecker's default (distance 2, no cache) through the same tokenizer, on the first
    `sample` texts, scaled to all: the single-process figure before this engine existed."""
    corrector = TextCorrector(PyspellWords(SpellChecker(language="en", distance=2)))
    started = time.perf_counter()
    for text in texts[:sample]:
        corrector.correct(text)
    return (time.perf_counter() - started) * len(texts) / sample


def baseline_seconds(texts: list[str]) -> float:
    """Spell-check every text in this process, one after another, with the fleet's engine."""
    checker = load_corrector("en")
    checker.correct("warm up the caches once")
    started = time.perf_counter()
    for text in texts:
        checker.correct(text)
    return time.perf_counter() - started


class RssSampler:
    """Samples the resident memory of the fleet's processes until stopped; keeps the peaks."""

    def __init__(self, fleet: RunningFleet) -> None:
        self._fleet = fleet
        self.peaks: dict[str, int] = {}
        self.cpu: dict[str, float] = {}
        self._cpu_at_start: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._cpu_at_start = self._cpu_seconds()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        at_end = self._cpu_seconds()
        self.cpu = {n: at_end[n] - self._cpu_at_start.get(n, 0.0) for n in at_end}

    def _cpu_seconds(self) -> dict[str, float]:
        """User + system CPU seconds of each service's process tree so far."""
        seconds = {}
        for name, pid in self._fleet.pids().items():
            try:
                tree = [psutil.Process(pid)]
                tree += tree[0].children(recursive=True)
                seconds[name] = sum(sum(p.cpu_times()[:2]) for p in tree)
            except psutil.Error:
                continue
        return seconds

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for name, pid in self._fleet.pids().items():
                try:
                    process = psutil.Process(pid)
                    rss = process.memory_info().rss + sum(
                        child.memory_info().rss for child in process.children(recursive=True)
                    )
                except psutil.Error:
                    continue
                self.peaks[name] = max(self.peaks.get(name, 0), rss)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def result_latencies(client: FleetClient, batch_id: str, upload_started: float) -> list[float]:
    """Seconds from the upload request to each essay's spellcheck result (ELS timeline)."""
    latencies = []
    for essay in client.essays(batch_id)["essays"]:
        for entry in essay["timeline"]:
            if entry["status"] in {"spellchecked_success", "spellcheck_failed"}:
                at = datetime.fromisoformat(entry["at"]).timestamp()
                latencies.append(at - upload_started)
    return latencies


def run_batch(client: FleetClient, files: list[Path]) -> tuple[float, list[float]]:
    """Register and upload one batch, wait for it; seconds to `completed` and per-essay latency.

    The end is BOS's own completion time (`updated_at` of the completed batch), not when the
    client's half-second poll noticed it, so the figure is not rounded up to the poll interval.
    """
    started = time.time()
    batch_id = client.register_batch("ENG5", len(files))["batch_id"]
    upload_started = time.time()
    client.upload(batch_id, files)
    batch = client.wait_for_batch(batch_id, timeout=1800)
    assert batch["status"] == "completed", batch["status"]
    completed = datetime.fromisoformat(batch["updated_at"]).timestamp()
    return completed - started, result_latencies(client, batch_id, upload_started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--essays", type=int, default=200)
    parser.add_argument("--words", type=int, default=350)
    parser.add_argument("--typo-rate", type=float, default=0.03)
    parser.add_argument("--single-runs", type=int, default=20)
    parser.add_argument("--pyspell-sample", type=int, default=10, help="essays for pyspellchecker")
    args = parser.parse_args()

    essays = [generate_essay(i, "en", args.words, args.typo_rate) for i in range(args.essays)]
    words = sum(e.words for e in essays)
    print(f"{args.essays} essays, {words} words, {sum(len(e.typos) for e in essays)} typos")
    baseline = baseline_seconds([e.text for e in essays])
    print(f"baseline (one process, same engine): {baseline:.2f}s, {words / baseline:,.0f} words/s")
    pyspell = pyspellchecker_seconds([e.text for e in essays], args.pyspell_sample)
    print(f"pyspellchecker default (one process, {args.pyspell_sample} essays scaled): "
          f"{pyspell:.2f}s, {words / pyspell:,.0f} words/s")  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = []
        for i, essay in enumerate(essays):
            path = folder / f"bench_{i:04d}.txt"
            path.write_text(essay.text, encoding="utf-8")
            files.append(path)
        fleet = RunningFleet(folder / "fleet", kafka_port=free_port())
        started = time.perf_counter()
        fleet.start()
        print(f"fleet ready in {time.perf_counter() - started:.1f}s")
        client = FleetClient(FleetUrls())
        try:
            singles = [run_batch(client, files[i : i + 1])[1][0] for i in range(args.single_runs)]
            with RssSampler(fleet) as sampler:
                elapsed, latencies = run_batch(client, files)
        finally:
            fleet.stop()

    print(f"\nfleet: {args.essays} essays register->completed in {elapsed:.2f}s "
          f"({args.essays / elapsed:.1f} essays/s)")  # fmt: skip
    print(f"per-essay latency upload->result: p50 {percentile(latencies, 50):.2f}s, "
          f"p95 {percentile(latencies, 95):.2f}s")  # fmt: skip
    print(f"one essay on an idle fleet ({args.single_runs} runs): "
          f"p50 {percentile(singles, 50):.2f}s, p95 {percentile(singles, 95):.2f}s")  # fmt: skip
    print("per process (incl. children): peak RSS, CPU during the batch, CPU per essay")
    for name, rss in sorted(sampler.peaks.items()):
        cpu = sampler.cpu.get(name, 0.0)
        print(f"  {name:<28} {rss / 2**20:7.1f} MiB {cpu:7.2f} s "
              f"{cpu / args.essays * 1000:6.2f} ms")  # fmt: skip
    total_cpu = sum(sampler.cpu.values())
    print(f"  fleet CPU {total_cpu:.2f} s in {elapsed:.2f} s wall "
          f"({total_cpu / elapsed:.2f} of 2 cores busy); the baseline spends "
          f"{baseline / args.essays * 1000:.2f} ms CPU per essay")  # fmt: skip
    print(f"\nratio fleet time / single-core baseline: {elapsed / baseline:.2f} "
          f"(physical best on 2 cores ~0.5; target <= 1.0)")  # fmt: skip
    print(f"ratio fleet time / one process with pyspellchecker's default: "
          f"{elapsed / pyspell:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
