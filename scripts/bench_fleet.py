"""Fleet benchmark: N generated essays through the real local fleet vs. a one-process baseline.

Prints, from one run: time from register to `completed`, essays/s, per-essay latency
(upload start -> spellcheck result) p50/p95, single-essay latency on an idle fleet, peak RSS and
CPU per process (where the compute goes), and the ratio fleet time / single-core baseline (the
same essays spell-checked in this process with the same engine). On 2 cores the physical best is
about 0.5.

Batches request both pipelines by default (`--pipelines spellcheck` for spellcheck alone), so
each phase's time (its `started_at` -> `completed_at` in BOS's pipeline state) is printed too,
and the NLP worker's CPU per essay next to the spell checker's. The baseline ratio compares the
spellcheck phase only (register -> spellcheck `completed_at`), which is what the baseline does.

The first batch after start-up pays for warming up (the broker's JIT compiler, connection
pools, caches); a fleet that runs all day does not. So after it, `--repeat` more batches of
fresh essays run on the warm fleet, and their median is the steady-state figure. The baseline
checks the same essays in the same order with one long-lived corrector, each batch timed on
its own, so its caches are as warm as the fleet's at every batch.

    python -m scripts.bench_fleet --essays 200
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil
from spellchecker import SpellChecker

from common_core.processes import free_port
from scripts.bench_spellcheck import PyspellWords
from scripts.fleet.client import FleetClient, FleetUrls
from scripts.fleet.demo_teacher import demo_credentials
from scripts.fleet.running import RunningFleet
from services.spell_checker_service.corrector import TextCorrector
from services.spell_checker_service.dictionaries import load_corrector
from tests.support.essays import generate_essay

RUNNER = "fleet runner (log relay)"
SPELL, NLP = "spell_checker_service", "nlp_service"


def pyspellchecker_seconds(texts: list[str], sample: int) -> float:
    """pyspellchecker's default (distance 2, no cache) through the same tokenizer, on the first
    `sample` texts, scaled to all: the single-process figure before this engine existed."""
    corrector = TextCorrector(PyspellWords(SpellChecker(language="en", distance=2)))
    started = time.perf_counter()
    for text in texts[:sample]:
        corrector.correct(text)
    return (time.perf_counter() - started) * len(texts) / sample


def baseline_seconds(warm_up: list[str], batches: list[list[str]]) -> list[float]:
    """Spell-check every text in this process, one after another, with the fleet's engine.

    `warm_up` is checked untimed first (the texts the fleet saw before its first batch); then
    each batch is timed on its own, in the fleet's order, by the same corrector.
    """
    checker = load_corrector("en")
    for text in ["warm up the caches once", *warm_up]:
        checker.correct(text)
    seconds = []
    for texts in batches:
        started = time.perf_counter()
        for text in texts:
            checker.correct(text)
        seconds.append(time.perf_counter() - started)
    return seconds


class ProcessSampler:
    """Peak resident memory of the fleet's processes, sampled until stopped."""

    def __init__(self, fleet: RunningFleet) -> None:
        self._fleet = fleet
        self.peaks: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ProcessSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
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


@dataclass
class BatchFigures:
    """One measured batch: wall seconds to `completed`, latencies, CPU per process."""

    seconds: float
    latencies: list[float]
    # register -> the spellcheck phase's end: what the single-process baseline is compared with
    spellcheck_seconds: float = 0.0
    # each phase's own time, started_at -> completed_at
    phases: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    # CPU the hypervisor gave to other guests meanwhile, as a share of this machine's cores:
    # on a shared VM a slow run with few busy cores is often this, not the fleet waiting.
    steal: float = 0.0

    @property
    def fleet_cpu(self) -> float:
        return sum(self.cpu.values())


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


def run_batch(client: FleetClient, files: list[Path], pipelines: list[str]) -> BatchFigures:
    """Register and upload one batch, wait for it; seconds to `completed` and latencies.

    The end is BOS's own completion time (`updated_at` of the completed batch), not when the
    client's half-second poll noticed it, so the figure is not rounded up to the poll interval.
    """
    started = time.time()
    batch_id = client.register_batch("ENG5", len(files), requested_pipelines=pipelines)["batch_id"]
    upload_started = time.time()
    client.upload(batch_id, files)
    batch = client.wait_for_batch(batch_id, timeout=1800)
    assert batch["status"] == "completed", batch["status"]
    completed = datetime.fromisoformat(batch["updated_at"]).timestamp()
    state = batch["pipeline_state"]
    phases = {
        name: _at(state[name]["completed_at"]) - _at(state[name]["started_at"])
        for name in state["requested_pipelines"]
    }
    return BatchFigures(
        completed - started,
        result_latencies(client, batch_id, upload_started),
        spellcheck_seconds=_at(state["spellcheck"]["completed_at"]) - started,
        phases=phases,
    )


def _at(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def measured_batch(
    client: FleetClient, fleet: RunningFleet, files: list[Path], pipelines: list[str]
) -> BatchFigures:
    """`run_batch` with the CPU each process tree spent from register to the client's return."""
    before, steal_before, started = cpu_seconds(fleet), _steal_seconds(), time.monotonic()
    figures = run_batch(client, files, pipelines)
    after, stolen = cpu_seconds(fleet), _steal_seconds() - steal_before
    figures.cpu = {name: after[name] - before.get(name, 0.0) for name in after}
    figures.steal = stolen / ((time.monotonic() - started) * (psutil.cpu_count() or 1))
    return figures


def _steal_seconds() -> float:
    return float(getattr(psutil.cpu_times(), "steal", 0.0))


@contextmanager
def essay_files(texts: list[str]) -> Iterator[tuple[Path, list[Path]]]:
    """The texts as .txt files in a temporary folder (which also holds the fleet's state)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = []
        for i, text in enumerate(texts):
            path = folder / f"bench_{i:04d}.txt"
            path.write_text(text, encoding="utf-8")
            files.append(path)
        yield folder, files


def print_batch(label: str, essays: int, figures: BatchFigures, baseline: float) -> None:
    phases = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in figures.phases.items())
    print(f"{label}: {figures.seconds:.2f}s register->completed ({essays / figures.seconds:.1f} "
          f"essays/s; phases: {phases}), latency p50 {percentile(figures.latencies, 50):.2f}s "
          f"p95 {percentile(figures.latencies, 95):.2f}s, fleet CPU {figures.fleet_cpu:.2f}s "
          f"({figures.fleet_cpu / figures.seconds:.2f} cores, steal {figures.steal:.0%}), "
          f"baseline {baseline:.3f}s, "
          f"ratio {figures.spellcheck_seconds / baseline:.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--essays", type=int, default=200)
    parser.add_argument("--words", type=int, default=350)
    parser.add_argument("--typo-rate", type=float, default=0.03)
    parser.add_argument("--repeat", type=int, default=3, help="batches on the warm fleet")
    parser.add_argument("--single-runs", type=int, default=20)
    parser.add_argument("--pyspell-sample", type=int, default=10, help="essays for pyspellchecker")
    parser.add_argument(
        "--pipelines",
        default="spellcheck,nlp_metrics",
        help="comma-separated pipelines each batch requests",
    )
    args = parser.parse_args()
    pipelines = [name.strip() for name in args.pipelines.split(",") if name.strip()]

    n = args.essays
    # Fresh essays for every batch: repeating texts would let every cache answer everything.
    essays = [
        generate_essay(i, "en", args.words, args.typo_rate) for i in range(n * (1 + args.repeat))
    ]
    texts = [e.text for e in essays]
    batches = [texts[b * n : (b + 1) * n] for b in range(1 + args.repeat)]
    words = sum(e.words for e in essays[:n])
    print(f"{n} essays a batch, {words} words, {sum(len(e.typos) for e in essays[:n])} typos "
          f"in the first; 1 first batch + {args.repeat} on the warm fleet; "
          f"pipelines {pipelines}")  # fmt: skip
    baselines = baseline_seconds(texts[: args.single_runs], batches)
    print(f"baseline (one process, same engine), first batch: {baselines[0]:.3f}s, "
          f"{words / baselines[0]:,.0f} words/s")  # fmt: skip
    pyspell = pyspellchecker_seconds(batches[0], args.pyspell_sample)
    print(f"pyspellchecker default (one process, {args.pyspell_sample} essays scaled): "
          f"{pyspell:.2f}s, {words / pyspell:,.0f} words/s")  # fmt: skip

    with essay_files(texts) as (folder, files):
        fleet = RunningFleet(folder / "fleet", kafka_port=free_port())
        started = time.perf_counter()
        fleet.start()
        print(f"fleet ready in {time.perf_counter() - started:.1f}s")
        client = FleetClient(FleetUrls())
        try:
            # As the demo teacher `fleet up` created (its password is in the data directory).
            credentials = demo_credentials(fleet.data_dir)
            assert credentials is not None, "fleet up made no demo teacher"
            client.login(*credentials)
            singles = [
                run_batch(client, [path], pipelines).latencies[0]
                for path in files[: args.single_runs]
            ]
            with ProcessSampler(fleet) as sampler:
                runs = [
                    measured_batch(client, fleet, files[b * n : (b + 1) * n], pipelines)
                    for b in range(1 + args.repeat)
                ]
        finally:
            fleet.stop()

    print(f"\none essay on an idle fleet ({args.single_runs} runs): "
          f"p50 {percentile(singles, 50):.2f}s, p95 {percentile(singles, 95):.2f}s")  # fmt: skip
    print_batch("first batch after start", n, runs[0], baselines[0])
    for index, (figures, baseline) in enumerate(zip(runs[1:], baselines[1:], strict=True), 2):
        print_batch(f"batch {index} (warm)", n, figures, baseline)
    warm = sorted(
        zip(runs[1:], baselines[1:], strict=True), key=lambda pair: pair[0].spellcheck_seconds
    )
    median, median_baseline = warm[len(warm) // 2] if warm else (runs[0], baselines[0])

    print("\nper process (incl. children): peak RSS; CPU per essay, first batch / warm median")
    for name in sorted(runs[0].cpu):
        first, steady = runs[0].cpu[name] / n * 1000, median.cpu.get(name, 0.0) / n * 1000
        print(f"  {name:<28} {sampler.peaks.get(name, 0) / 2**20:7.1f} MiB "
              f"{first:6.2f} ms / {steady:6.2f} ms")  # fmt: skip
    print(f"  {'fleet':<28} {'':>11} {runs[0].fleet_cpu / n * 1000:6.2f} ms / "
          f"{median.fleet_cpu / n * 1000:6.2f} ms; the baseline spends "
          f"{median_baseline / n * 1000:.2f} ms per essay")  # fmt: skip

    spell_ms, nlp_ms = (median.cpu.get(name, 0.0) / n * 1000 for name in (SPELL, NLP))
    if "nlp_metrics" in pipelines and spell_ms:
        print(f"NLP CPU per essay {nlp_ms:.2f} ms vs spellcheck's {spell_ms:.2f} ms "
              f"({nlp_ms / spell_ms:.2f} of it, warm median)")  # fmt: skip
    phases = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in median.phases.items())
    print(f"\nwarm median: {n} essays register->completed in {median.seconds:.2f}s "
          f"(phases: {phases}; register->spellcheck done {median.spellcheck_seconds:.2f}s) "
          f"({n / median.seconds:.1f} essays/s), latency p50 "
          f"{percentile(median.latencies, 50):.2f}s "
          f"p95 {percentile(median.latencies, 95):.2f}s")  # fmt: skip
    print(f"ratio fleet spellcheck time / single-core baseline: warm median "
          f"{median.spellcheck_seconds / median_baseline:.2f}, first batch "
          f"{runs[0].spellcheck_seconds / baselines[0]:.2f} (physical best on 2 cores ~0.5; "
          f"target <= 1.0)")  # fmt: skip
    print(f"ratio fleet spellcheck time / one process with pyspellchecker's default: "
          f"{median.spellcheck_seconds / pyspell:.2f} warm, "
          f"{runs[0].spellcheck_seconds / pyspell:.2f} first")  # fmt: skip


if __name__ == "__main__":
    main()
