"""Many teachers at once: the load scenarios of `scripts/bench_fleet.py --scenario ...`.

One fleet runs every chosen scenario in turn, after one untimed warm-up batch:

- `batch`: one batch of `--essays` (200), the reference the others are compared with;
- `concurrent`: 20 batches of 30 essays registered and uploaded at the same time;
- `big`: 5,000 essays in batches of 500, four teachers uploading at once (chunks of 100);
- `small`: a 10-essay batch, then another a second after it completed, and so on, while 2,000
  essays of other batches (4 x 500, uploaded in chunks of 100 at once) are being processed,
  over `--small-rounds` rounds of load, so its latency has a p95. The stages of the small
  batches (upload, slots, spellcheck requested, results, completed) show where one waits.

For each: essays/s (first register -> last completion), per-batch register -> completed p50 /
p95, fleet CPU per essay (every process tree), peak RSS per process, and pyspellchecker's
single-process time on the same essays (a sample, scaled) with the ratio wall / pyspellchecker.
Batches request the spellcheck pipeline only (the registration default). `--quick` divides
every size by ten for a smoke test.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from common_core.processes import free_ports_in_a_row
from scripts.bench_watch import CompletionWatcher, at, queue_waits
from scripts.fleet.client import FleetClient, FleetUrls
from scripts.fleet.demo_teacher import demo_credentials
from scripts.fleet.running import RunningFleet
from scripts.fleet.topology import Topology
from scripts.fleet_sampling import ProcessSampler, cpu_seconds
from tests.support.essays import generate_essay

SCENARIOS = ("batch", "concurrent", "big", "small")
PIPELINES = ["spellcheck"]
# ELS timeline statuses in the order a spellcheck essay passes them.
STAGES = ("ready_for_processing", "awaiting_spellcheck", "spellchecked_success")


@dataclass
class Sizes:
    """How big each scenario is; `--quick` divides them by ten."""

    batch: int = 200
    concurrent_batches: int = 20
    concurrent_size: int = 30
    big_total: int = 5000
    big_size: int = 500
    load_total: int = 2000
    load_size: int = 500
    chunk: int = 100
    small_size: int = 10
    small_every: float = 1.0
    small_rounds: int = 2

    @classmethod
    def quick(cls, batch: int) -> Sizes:
        return cls(batch // 10 or 1, 4, 10, 500, 100, 300, 100, 50, 5, 1.0, 1)


@dataclass
class Submitted:
    """One batch as a teacher sent it: when it was registered and its upload answered."""

    batch_id: str
    essays: int
    registered: float
    uploaded: float = 0.0
    completed: float = 0.0

    @property
    def seconds(self) -> float:
        return self.completed - self.registered


@dataclass
class ScenarioResult:
    """What one scenario measured."""

    name: str
    essays: int
    batches: list[Submitted]
    cpu: dict[str, float]
    peaks: dict[str, int]
    pyspell: float
    small: list[Submitted] = field(default_factory=list)
    stages: list[dict[str, float]] = field(default_factory=list)
    # (consumer, topic) -> (messages, seconds waited in all) during the scenario
    waits: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        everything = self.batches + self.small
        return max(b.completed for b in everything) - min(b.registered for b in everything)


def submit(client: FleetClient, files: list[Path], chunk: int) -> Submitted:
    """Register a batch and upload its files in chunks, one request after another."""
    registered = time.time()
    batch_id = client.register_batch("ENG5", len(files), requested_pipelines=PIPELINES)["batch_id"]
    batch = Submitted(batch_id, len(files), registered)
    for start in range(0, len(files), chunk):
        client.upload(batch_id, files[start : start + chunk])
    batch.uploaded = time.time()
    return batch


def percentile(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class Bench:
    """The fleet, its client and watcher, the essay files, and the pyspellchecker timer."""

    def __init__(
        self,
        fleet: RunningFleet,
        client: FleetClient,
        watcher: CompletionWatcher,
        folder: Path,
        pyspell: Callable[[list[str]], float],
    ) -> None:
        self.fleet, self.client, self.watcher = fleet, client, watcher
        self._folder, self._pyspell = folder, pyspell
        self._next = 10_000  # essay seeds: fresh texts for every batch, none repeated

    def files(self, n: int) -> tuple[list[Path], list[str]]:
        """`n` fresh essays as .txt files, and their texts."""
        paths, texts = [], []
        for _ in range(n):
            text = generate_essay(self._next, "en", 350, 0.03).text
            path = self._folder / f"essay_{self._next:06d}.txt"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
            texts.append(text)
            self._next += 1
        return paths, texts

    def batches(self, sizes: list[int], chunk: int, teachers: int) -> list[Submitted]:
        """Batches of the given sizes, `teachers` of them uploading at any time; waits for all."""
        made = [self.files(n) for n in sizes]
        with ThreadPoolExecutor(teachers) as pool:
            submitted = list(pool.map(lambda f: submit(self.client, f[0], chunk), made))
        return [self.watcher.wait(b) for b in submitted]

    def measure(
        self, name: str, texts: list[str], run: Callable[[], list[Submitted]]
    ) -> ScenarioResult:
        """Run a scenario with the fleet's CPU counted and its memory sampled."""
        before, waited = cpu_seconds(self.fleet), queue_waits()
        with ProcessSampler(self.fleet) as sampler:
            batches = run()
        after, waits = cpu_seconds(self.fleet), queue_waits()
        cpu = {name: after[name] - before.get(name, 0.0) for name in after}
        essays = sum(b.essays for b in batches)
        result = ScenarioResult(name, essays, batches, cpu, sampler.peaks, self._pyspell(texts))
        for key, (count, total) in waits.items():
            count_before, total_before = waited.get(key, (0.0, 0.0))
            if count > count_before:
                result.waits[key] = (count - count_before, total - total_before)
        return result


def run_batch(bench: Bench, sizes: Sizes) -> ScenarioResult:
    paths, texts = bench.files(sizes.batch)
    return bench.measure(
        "batch", texts, lambda: [bench.watcher.wait(submit(bench.client, paths, sizes.batch))]
    )


def run_concurrent(bench: Bench, sizes: Sizes) -> ScenarioResult:
    n, size = sizes.concurrent_batches, sizes.concurrent_size
    made = [bench.files(size) for _ in range(n)]

    def run() -> list[Submitted]:
        with ThreadPoolExecutor(n) as pool:
            submitted = list(pool.map(lambda f: submit(bench.client, f[0], size), made))
        return [bench.watcher.wait(b) for b in submitted]

    return bench.measure("concurrent", [t for _, ts in made for t in ts], run)


def run_big(bench: Bench, sizes: Sizes) -> ScenarioResult:
    made = [bench.files(sizes.big_size) for _ in range(sizes.big_total // sizes.big_size)]

    def run() -> list[Submitted]:
        with ThreadPoolExecutor(4) as pool:
            submitted = list(pool.map(lambda f: submit(bench.client, f[0], sizes.chunk), made))
        return [bench.watcher.wait(b) for b in submitted]

    return bench.measure("big", [t for _, ts in made for t in ts], run)


def run_small(bench: Bench, sizes: Sizes) -> ScenarioResult:
    """Small batches one after another (`small_every` seconds between) while the load runs.

    Each round of load starts on an idle fleet; only small batches registered before the
    round's last load batch completed count.
    """
    small: list[Submitted] = []
    texts: list[str] = []  # filled while running; pyspellchecker times them at the end

    def one_round() -> list[Submitted]:
        count = sizes.load_total // sizes.load_size
        load_files = [bench.files(sizes.load_size) for _ in range(count)]
        texts.extend(t for _, ts in load_files for t in ts)
        started: list[Submitted] = []
        loaded = threading.Event()

        def starter() -> None:  # one small batch at a time, as one teacher would
            while not loaded.wait(sizes.small_every):
                paths, small_texts = bench.files(sizes.small_size)
                texts.extend(small_texts)
                started.append(bench.watcher.wait(submit(bench.client, paths, sizes.small_size)))

        thread = threading.Thread(target=starter, daemon=True)
        thread.start()
        with ThreadPoolExecutor(count) as pool:
            submitted = list(
                pool.map(lambda f: submit(bench.client, f[0], sizes.chunk), load_files)
            )
        loads = [bench.watcher.wait(b) for b in submitted]
        loaded.set()
        thread.join()
        end = max(b.completed for b in loads)
        finished = [bench.watcher.wait(b) for b in started]  # none left running into the next
        small.extend(b for b in finished if b.registered < end)
        return loads

    result = bench.measure(
        "small", texts, lambda: [b for _ in range(sizes.small_rounds) for b in one_round()]
    )
    result.small = small
    result.stages = small_batch_stages(bench.client, small)
    return result


def small_batch_stages(client: FleetClient, small: list[Submitted]) -> list[dict[str, float]]:
    """Seconds from registration to each stage of each small batch (reached by its last essay),
    in the order they were started."""
    stages = []
    for batch in small:
        reached = {"upload answered": batch.uploaded - batch.registered}
        essays = client.essays(batch.batch_id)["essays"]
        for stage in STAGES:
            times = [at(e["at"]) for es in essays for e in es["timeline"] if e["status"] == stage]
            if times:
                reached[stage] = max(times) - batch.registered
        reached["completed"] = batch.seconds
        stages.append(reached)
    return stages


def describe_stages(stages: dict[str, float]) -> str:
    return ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in stages.items())


RUNNERS: dict[str, Callable[[Bench, Sizes], ScenarioResult]] = {
    "batch": run_batch,
    "concurrent": run_concurrent,
    "big": run_big,
    "small": run_small,
}


def print_result(result: ScenarioResult) -> None:
    seconds, n = result.seconds, result.essays + sum(b.essays for b in result.small)
    per_batch = [b.seconds for b in result.batches]
    fleet_cpu = sum(result.cpu.values())
    print(f"\n--- {result.name}: {len(result.batches)} batches, {result.essays} essays")
    print(f"  wall {seconds:.2f}s, {n / seconds:.1f} essays/s; per batch register->completed "
          f"p50 {percentile(per_batch, 50):.2f}s p95 {percentile(per_batch, 95):.2f}s "
          f"max {max(per_batch):.2f}s")  # fmt: skip
    if result.small:
        lat = [b.seconds for b in result.small]
        print(
            f"  small batch ({result.small[0].essays} essays, {len(lat)} under load): p50 "
            f"{percentile(lat, 50):.2f}s p95 {percentile(lat, 95):.2f}s max {max(lat):.2f}s"
        )
        median = {
            stage: statistics.median(s[stage] for s in result.stages if stage in s)
            for stage in result.stages[0]
        }
        print(f"  small batch stages, seconds after register: median {describe_stages(median)}")
        slowest = max(range(len(result.stages)), key=lambda i: result.stages[i]["completed"])
        print(f"  slowest (started #{slowest + 1}): {describe_stages(result.stages[slowest])}")
        print("  each small batch's seconds to completed, in start order: "
              + " ".join(f"{s['completed']:.1f}" for s in result.stages))  # fmt: skip
    print(f"  fleet CPU {fleet_cpu:.1f}s = {fleet_cpu / n * 1000:.1f} ms per essay "
          f"({fleet_cpu / seconds:.2f} cores busy); pyspellchecker one process "
          f"{result.pyspell:.1f}s, ratio wall / pyspellchecker "
          f"{seconds / result.pyspell:.2f}")  # fmt: skip
    print("  mean queue latency (event published -> handling starts) per consumer and topic:")
    for (consumer, topic), (count, total) in sorted(result.waits.items()):
        print(f"    {consumer:<14} {topic:<45} {count:7.0f} msgs {total / count:7.2f}s")
    print("  per process: peak RSS, CPU ms per essay")
    for name in sorted(result.cpu):
        print(f"    {name:<30} {result.peaks.get(name, 0) / 2**20:7.1f} MiB "
              f"{result.cpu[name] / n * 1000:6.2f} ms")  # fmt: skip


def run_scenarios(
    names: list[str], sizes: Sizes, folder: Path, pyspell: Callable[[list[str]], float]
) -> list[ScenarioResult]:
    """Start one default-profile fleet, warm it with one untimed batch, run the scenarios."""
    topology = Topology.of("default")
    fleet = RunningFleet(folder / "fleet", free_ports_in_a_row(topology.brokers), topology)
    started = time.perf_counter()
    fleet.start()
    print(f"fleet ready in {time.perf_counter() - started:.1f}s ({topology.describe()})")
    client = FleetClient(FleetUrls())
    results = []
    try:
        credentials = demo_credentials(fleet.data_dir)
        assert credentials is not None, "fleet up made no demo teacher"
        client.login(*credentials)
        essays = folder / "essays"
        essays.mkdir()
        with CompletionWatcher(client) as watcher:
            bench = Bench(fleet, client, watcher, essays, pyspell)
            bench.batches([sizes.batch], sizes.chunk, 1)  # warm-up, untimed
            for name in names:
                results.append(RUNNERS[name](bench, sizes))
                print_result(results[-1])
    finally:
        fleet.stop()
    return results


def scenario_names(choice: str) -> list[str]:
    return list(SCENARIOS) if choice == "all" else [choice]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario",
        choices=["profile", *SCENARIOS, "all"],
        default="profile",
        help="profile: the single-batch figures (below); all: every load scenario in one run",
    )
    parser.add_argument("--quick", action="store_true", help="scenarios at a tenth of the size")
    parser.add_argument("--small-rounds", type=int, default=2, help="rounds of 2,000-essay load")
