"""The demo: log in as the demo teacher, register an English and a Swedish batch for both
pipelines (spellcheck, then NLP metrics), upload sample essays, show each essay's corrections and
a few of its metrics, and the class summary."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from scripts.fleet.client import FleetClient, FleetUrls
from scripts.fleet.demo_teacher import DEMO_EMAIL, credentials_file, demo_credentials

ROOT = Path(__file__).resolve().parents[2]


class DemoSettings(BaseSettings):
    """Where the fleet answers, who logs in, where the sample essays are (env prefix DEMO_).

    Without DEMO_PASSWORD the demo teacher's password is read from the file `fleet up` keeps
    in the fleet's data directory (DEMO_DATA_DIR, else the runner's FLEET_DATA_DIR).
    """

    model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore")

    bos_url: str = "http://127.0.0.1:5001"
    file_url: str = "http://127.0.0.1:7001"
    els_url: str = "http://127.0.0.1:6001"
    identity_url: str = "http://127.0.0.1:3001"
    email: str = DEMO_EMAIL
    password: SecretStr | None = None
    data_dir: Path | None = None
    essays_dir: Path = ROOT / "examples" / "essays"
    timeout_seconds: float = 180.0

    def credentials(self) -> tuple[str, str]:
        """The teacher to log in as: DEMO_EMAIL/DEMO_PASSWORD, else the demo teacher's file."""
        if self.password is not None:
            return self.email, self.password.get_secret_value()
        data_dir = self.data_dir or Path(".data")
        stored = demo_credentials(data_dir)
        if stored is None:
            raise SystemExit(
                f"no demo teacher credentials in {credentials_file(data_dir)}: start the "
                "fleet with `pdm run fleet up` (it creates them), or set DEMO_EMAIL and "
                "DEMO_PASSWORD"
            )
        return stored


BATCHES = [("ENG5", "en", "English"), ("SV2", "sv", "Swedish")]
# nlp_metrics needs spellcheck; BOS adds it, so this runs both phases in order.
PIPELINES = ["nlp_metrics"]
# The metrics shown per essay and in the class summary (docs/nlp.md defines them all).
SHOWN_METRICS = ("word_count", "mean_sentence_length", "type_token_ratio", "lix",
                 "flesch_reading_ease", "spelling_error_rate")  # fmt: skip


def _progress(batch: dict[str, Any]) -> None:
    state = batch["pipeline_state"]
    phases = []
    for name in state["requested_pipelines"]:
        detail, counts = state[name], state[name]["essay_counts"]
        done = counts["successful"] + counts["failed"]
        skipped = f", skipped {counts['skipped']}" if counts["skipped"] else ""
        phases.append(f"{name} {detail['status']} {done}/{counts['total']}{skipped}")
    print(f"  status={batch['status']:<20} " + " | ".join(phases), flush=True)


def _number(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, int) else f"{value:.2f}"


def _print_metrics(essay: dict[str, Any]) -> None:
    metrics = essay.get("nlp")
    if metrics:
        shown = ", ".join(f"{name} {_number(metrics.get(name))}" for name in SHOWN_METRICS)
        print(f"      metrics: {shown}")
    elif essay.get("nlp_error"):
        print(f"      metrics: none ({essay['nlp_error']})")


def _print_summary(batch: dict[str, Any]) -> None:
    summary = batch.get("class_summary")
    if not summary:
        return
    print("class summary:          mean   median      min      max")
    for name in SHOWN_METRICS:
        if name in summary:
            values = summary[name]
            row = "".join(f"{values[k]:>9.2f}" for k in ("mean", "median", "min", "max"))
            print(f"  {name:<20}{row}")


def _print_essay(client: FleetClient, essay: dict[str, Any]) -> None:
    spell = essay.get("spellcheck") or {}
    who = essay.get("student_name") or "(no name)"
    print(
        f"  - {essay.get('original_file_name')} by {who}: {essay['status']}, "
        f"{spell.get('corrections_made', 0)} corrections"
    )
    if (essay.get("storage_references") or {}).get("spellcheck_log"):
        corrections = client.corrections(essay["essay_id"])
        for item in corrections[:8]:
            print(f"      {item['original']!r} -> {item['corrected']!r}")
        if len(corrections) > 8:
            print(f"      ... and {len(corrections) - 8} more")
    _print_metrics(essay)


def run_batch(client: FleetClient, settings: DemoSettings, course: str, lang: str) -> str:
    files = sorted(p for p in (settings.essays_dir / lang).iterdir() if p.is_file())
    registered = client.register_batch(
        course, len(files), class_designation="9B", requested_pipelines=PIPELINES
    )
    batch_id = registered["batch_id"]
    print(f"registered batch {batch_id} ({course}, {len(files)} essays, pipelines {PIPELINES})")
    upload = client.upload(batch_id, files)
    print(f"uploaded: {len(upload['accepted'])} accepted, {len(upload['rejected'])} rejected")
    for rejected in upload["rejected"]:
        print(f"  rejected {rejected['file_name']}: {rejected['message']}")
    batch = client.wait_for_batch(batch_id, settings.timeout_seconds, on_change=_progress)
    essays = client.essays(batch_id)
    print("essays:")
    for essay in essays["essays"]:
        _print_essay(client, essay)
    _print_summary(batch)
    print(f"batch {batch_id} finished: {batch['status']}\n")
    return str(batch["status"])


def demo_sync(settings: DemoSettings) -> int:
    client = FleetClient(
        FleetUrls(settings.bos_url, settings.file_url, settings.els_url, settings.identity_url)
    )
    email, password = settings.credentials()
    client.login(email, password)
    print(f"logged in as {email}")
    statuses = []
    for course, lang, title in BATCHES:
        print(f"=== {title} batch ===")
        statuses.append(run_batch(client, settings, course, lang))
    ok = all(s in {"completed", "partially_completed"} for s in statuses)
    print("demo finished" if ok else f"demo finished with batch statuses {statuses}")
    return 0 if ok else 1


async def run_demo(settings: DemoSettings) -> int:
    """Run the (blocking, stdlib-HTTP) demo without blocking the runner's event loop."""
    return await asyncio.to_thread(demo_sync, settings)
