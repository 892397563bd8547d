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
    python -m scripts.bench_fleet --essays 200 --profile production   # both, side by side
    python -m scripts.bench_fleet --scenario all            # the load scenarios, one fleet
    python -m scripts.bench_fleet --scenario small --quick  # smoke test (a tenth of the size)

With `--profile production` the same essays run first on the default profile, then on the
production one (PostgreSQL, three brokers, two replicas per worker), and a table sets the two
side by side.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil
from spellchecker import SpellChecker

from common_core.processes import free_ports_in_a_row
from scripts.bench_scenarios import Sizes, add_arguments, run_scenarios, scenario_names
from scripts.bench_spellcheck import PyspellWords
from scripts.fleet.client import FleetClient, FleetUrls
from scripts.fleet.demo_teacher import demo_credentials
from scripts.fleet.running import RunningFleet
from scripts.fleet.topology import Topology
from scripts.fleet_sampling import ProcessSampler, cpu_seconds, steal_seconds
from services.spell_checker_service.corrector import TextCorrector
from services.spell_checker_service.dictionaries import load_corrector
from tests.support.essays import generate_essay

SPELL, NLP = "spell_checker_service", "nlp_service"


def pyspellchecker_seconds(texts: list[str], sample: int) -> float:
    """pyspellchecker's default (distance 2, no cache) through the same tokenizer, on `sample`
    texts spread over all of them, scaled to all: the single-process figure before this engine
    existed. CPU time of this process, so other work on a shared machine does not inflate it."""
    corrector = TextCorrector(PyspellWords(SpellChecker(language="en", distance=2)))
    step = max(1, len(texts) // sample)
    chosen = texts[::step][:sample]
    started = time.process_time()
    for text in chosen:
        corrector.correct(text)
    return (time.process_time() - started) * len(texts) / len(chosen)


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
    before, steal_before, started = cpu_seconds(fleet), steal_seconds(), time.monotonic()
    figures = run_batch(client, files, pipelines)
    after, stolen = cpu_seconds(fleet), steal_seconds() - steal_before
    figures.cpu = {name: after[name] - before.get(name, 0.0) for name in after}
    figures.steal = stolen / ((time.monotonic() - started) * (psutil.cpu_count() or 1))
    return figures


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


@dataclass
class ProfileRun:
    """Everything measured on one topology."""

    name: str
    topology: Topology
    ready_seconds: float
    singles: list[float]
    runs: list[BatchFigures]
    peaks: dict[str, int]

    def warm_median(self) -> BatchFigures:
        """The median warm batch by its spellcheck time (what the baseline is compared with)."""
        warm = sorted(self.runs[1:], key=lambda f: f.spellcheck_seconds) or self.runs[:1]
        return warm[len(warm) // 2]


def run_profile(
    name: str,
    topology: Topology,
    files: tuple[Path, list[Path]],
    n: int,
    args: argparse.Namespace,
    pipelines: list[str],
) -> ProfileRun:
    """Start a fleet of `topology`, time single essays and the batches, stop it."""
    folder, paths = files
    fleet = RunningFleet(folder / f"fleet-{name}", free_ports_in_a_row(topology.brokers), topology)
    started = time.perf_counter()
    fleet.start()
    ready = time.perf_counter() - started
    print(f"\n=== {name} profile ({topology.describe()}): fleet ready in {ready:.1f}s")
    client = FleetClient(FleetUrls())
    try:
        # As the demo teacher `fleet up` created (its password is in the data directory).
        credentials = demo_credentials(fleet.data_dir)
        assert credentials is not None, "fleet up made no demo teacher"
        client.login(*credentials)
        singles = [
            run_batch(client, [path], pipelines).latencies[0] for path in paths[: args.single_runs]
        ]
        with ProcessSampler(fleet) as sampler:
            runs = [
                measured_batch(client, fleet, paths[b * n : (b + 1) * n], pipelines)
                for b in range(1 + args.repeat)
            ]
    finally:
        fleet.stop()
    return ProfileRun(name, topology, ready, singles, runs, sampler.peaks)


def worker_cpu_ms(figures: BatchFigures, worker: str, n: int) -> float:
    """CPU per essay of every replica of `worker` (`name`, `name-2`, ...)."""
    spent = sum(s for name, s in figures.cpu.items() if name.split("-")[0] == worker)
    return spent / n * 1000


def print_profile(
    run: ProfileRun, n: int, baselines: list[float], pyspell: float, pipelines: list[str]
) -> None:
    """The detailed figures of one profile."""
    runs, median = run.runs, run.warm_median()
    median_baseline = baselines[runs.index(median)]
    p50, p95 = percentile(run.singles, 50), percentile(run.singles, 95)
    print(f"one essay on an idle fleet ({len(run.singles)} runs): p50 {p50:.2f}s, p95 {p95:.2f}s")
    print_batch("first batch after start", n, runs[0], baselines[0])
    for index, (figures, baseline) in enumerate(zip(runs[1:], baselines[1:], strict=True), 2):
        print_batch(f"batch {index} (warm)", n, figures, baseline)

    print("per process (incl. children): peak RSS; CPU per essay, first batch / warm median")
    for name in sorted(runs[0].cpu):
        first, steady = runs[0].cpu[name] / n * 1000, median.cpu.get(name, 0.0) / n * 1000
        print(f"  {name:<30} {run.peaks.get(name, 0) / 2**20:7.1f} MiB "
              f"{first:6.2f} ms / {steady:6.2f} ms")  # fmt: skip
    print(f"  {'fleet':<30} {sum(run.peaks.values()) / 2**20:7.1f} MiB "
          f"{runs[0].fleet_cpu / n * 1000:6.2f} ms / "
          f"{median.fleet_cpu / n * 1000:6.2f} ms; the baseline spends "
          f"{median_baseline / n * 1000:.2f} ms per essay")  # fmt: skip
    spell_ms, nlp_ms = (worker_cpu_ms(median, name, n) for name in (SPELL, NLP))
    if "nlp_metrics" in pipelines and spell_ms:
        print(f"NLP CPU per essay {nlp_ms:.2f} ms vs spellcheck's {spell_ms:.2f} ms "
              f"({nlp_ms / spell_ms:.2f} of it, warm median)")  # fmt: skip
    phases = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in median.phases.items())
    print(f"warm median: {n} essays register->completed in {median.seconds:.2f}s "
          f"(phases: {phases}; register->spellcheck done {median.spellcheck_seconds:.2f}s) "
          f"({n / median.seconds:.1f} essays/s), latency p50 "
          f"{percentile(median.latencies, 50):.2f}s "
          f"p95 {percentile(median.latencies, 95):.2f}s")  # fmt: skip
    print(f"ratio fleet spellcheck time / single-core baseline: warm median "
          f"{median.spellcheck_seconds / median_baseline:.2f}, first batch "
          f"{runs[0].spellcheck_seconds / baselines[0]:.2f} (physical best on 2 cores ~0.5; "
          f"target <= 1.0); / pyspellchecker's default: "
          f"{median.spellcheck_seconds / pyspell:.2f} warm, "
          f"{runs[0].spellcheck_seconds / pyspell:.2f} first")  # fmt: skip


def side_by_side_cells(run: ProfileRun, n: int) -> dict[str, str]:
    """One profile's column of the side-by-side table."""
    first, warm = run.runs[0], run.warm_median()
    p50, p95 = percentile(warm.latencies, 50), percentile(warm.latencies, 95)
    phases = " / ".join(f"{seconds:.2f}" for seconds in warm.phases.values())
    return {
        "topology": run.topology.describe(),
        "fleet start to ready": f"{run.ready_seconds:.1f} s",
        "one essay, idle fleet, p50 / p95": (
            f"{percentile(run.singles, 50):.2f} / {percentile(run.singles, 95):.2f} s"
        ),
        f"first batch ({n} essays) register -> completed": (
            f"{first.seconds:.2f} s ({n / first.seconds:.1f}/s)"
        ),
        "warm median register -> completed": f"{warm.seconds:.2f} s ({n / warm.seconds:.1f}/s)",
        f"warm median phases ({' / '.join(warm.phases)})": f"{phases} s",
        "warm median spellcheck latency p50 / p95": f"{p50:.2f} / {p95:.2f} s",
        "fleet CPU per essay, first / warm": (
            f"{first.fleet_cpu / n * 1000:.1f} / {warm.fleet_cpu / n * 1000:.1f} ms"
        ),
        "cores busy, warm median": f"{warm.fleet_cpu / warm.seconds:.2f}",
        "peak RSS, all processes": f"{sum(run.peaks.values()) / 2**20:.0f} MiB",
    }


def print_side_by_side(profiles: list[ProfileRun], n: int) -> None:
    """One row per figure, one column per profile (markdown, for docs/performance.md)."""
    columns = [side_by_side_cells(run, n) for run in profiles]
    print("\n| figure | " + " | ".join(run.name for run in profiles) + " |")
    print("|---|" + "---|" * len(profiles))
    for label in columns[0]:
        print(f"| {label} | " + " | ".join(column[label] for column in columns) + " |")


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
    parser.add_argument(
        "--profile",
        choices=["default", "production"],
        default="default",
        help="production: measure the default profile, then the production one, side by side",
    )
    add_arguments(parser)
    args = parser.parse_args()
    if args.scenario != "profile":
        sizes = Sizes.quick(args.essays) if args.quick else Sizes(batch=args.essays)
        sizes.small_rounds = args.small_rounds if not args.quick else sizes.small_rounds
        with tempfile.TemporaryDirectory() as tmp:
            run_scenarios(
                scenario_names(args.scenario),
                sizes,
                Path(tmp),
                lambda texts: pyspellchecker_seconds(texts, args.pyspell_sample),
            )
        return
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

    names = ["default", "production"] if args.profile == "production" else ["default"]
    profiles = []
    with essay_files(texts) as files:
        for name in names:  # the same essays, in the same order, on each topology
            topology = Topology.of("production" if name == "production" else "default")
            profiles.append(run_profile(name, topology, files, n, args, pipelines))
            print_profile(profiles[-1], n, baselines, pyspell, pipelines)
    if len(profiles) > 1:
        print_side_by_side(profiles, n)


if __name__ == "__main__":
    main()
