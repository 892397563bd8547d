"""The whole flow through the real processes: both languages, bad files, crashes mid-batch."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common_core.enums import ProcessingEvent
from common_core.topics import topic_name
from scripts.essay_generator import generate_essay
from scripts.fleet.client import FleetClient
from tests.support.fleet import ROOT, RunningFleet
from tests.support.kafka import collect_records

pytestmark = pytest.mark.e2e

EXAMPLES = ROOT / "examples" / "essays"


def corrections_of(client: FleetClient, essay: dict[str, object]) -> list[tuple[str, str]]:
    refs = essay["storage_references"]
    assert isinstance(refs, dict) and refs.get("spellcheck_log")
    log = json.loads(client.content(refs["spellcheck_log"]))
    return [(item["original"], item["corrected"]) for item in log]


@pytest.mark.parametrize(
    ("course", "lang", "expected_fix"),
    [("ENG5", "en", ("becuase", "because")), ("SV2", "sv", ("intresant", "intressant"))],
)
def test_sample_batch_completes_with_corrections(
    client: FleetClient, course: str, lang: str, expected_fix: tuple[str, str]
) -> None:
    files = sorted((EXAMPLES / lang).iterdir())
    batch_id = client.register_batch(course, len(files))["batch_id"]
    upload = client.upload(batch_id, files)
    assert upload["rejected"] == [] and len(upload["accepted"]) == len(files)

    batch = client.wait_for_batch(batch_id, timeout=120)
    assert batch["status"] == "completed"
    assert batch["language"] == lang
    counts = batch["pipeline_state"]["spellcheck"]["essay_counts"]
    assert counts == {"total": len(files), "successful": len(files), "failed": 0, "pending": 0}

    essays = client.essays(batch_id)["essays"]
    assert {e["status"] for e in essays} == {"spellchecked_success"}
    all_fixes = {fix for essay in essays for fix in corrections_of(client, essay)}
    assert expected_fix in all_fixes
    assert any(e["student_name"] for e in essays)


def test_bad_files_end_partially_completed(client: FleetClient, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Name: Bo Ek\n\nThis essay is fine and has one erorr.\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n\n", encoding="utf-8")
    image = tmp_path / "drawing.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    batch_id = client.register_batch("ENG6", 3)["batch_id"]

    upload = client.upload(batch_id, [good, empty, image])

    assert {r["file_name"] for r in upload["rejected"]} == {"empty.txt", "drawing.png"}
    batch = client.wait_for_batch(batch_id, timeout=120)
    assert batch["status"] == "partially_completed"
    essays = client.essays(batch_id)
    assert {f["file_name"] for f in essays["failed_uploads"]} == {"empty.txt", "drawing.png"}
    assert [e["status"] for e in essays["essays"] if e.get("original_file_name")] == [
        "spellchecked_success"
    ]


def _write_generated(tmp_path: Path, count: int, seed: int) -> list[Path]:
    files = []
    for i in range(count):
        path = tmp_path / f"essay_{seed}_{i:02d}.txt"
        path.write_text(generate_essay(seed * 1000 + i).text, encoding="utf-8")
        files.append(path)
    return files


def _first_progress(client: FleetClient, batch_id: str, timeout: float = 60.0) -> None:
    """Wait until the batch is being spell-checked (ELS has handed essays out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = {e["status"] for e in client.essays(batch_id)["essays"]}
        if statuses & {"awaiting_spellcheck", "spellchecked_success"}:
            return
        time.sleep(0.05)  # polling the ELS API with a deadline
    raise TimeoutError("spellcheck never started")


@pytest.mark.parametrize("victim", ["spell_checker_service", "essay_lifecycle_worker"])
def test_kill_9_mid_batch_still_completes_once(
    fleet: RunningFleet, client: FleetClient, tmp_path: Path, victim: str
) -> None:
    count = 20
    files = _write_generated(tmp_path, count, seed=len(victim))
    batch_id = client.register_batch("ENG7", count)["batch_id"]
    client.upload(batch_id, files)
    _first_progress(client, batch_id)

    old_pid = fleet.kill(victim)
    fleet.wait_restarted(victim, old_pid)

    batch = client.wait_for_batch(batch_id, timeout=180)
    assert batch["status"] == "completed"
    essays = client.essays(batch_id)["essays"]
    assert len(essays) == count
    for essay in essays:
        terminal = [t for t in essay["timeline"] if t["status"] == "spellchecked_success"]
        assert len(terminal) == 1, essay["timeline"]
    completed = _lifecycle_completed_events(fleet.kafka_bootstrap, batch_id)
    assert len(completed) == 1
    assert f"{victim} exited with code" in fleet.log_text()


def _lifecycle_completed_events(kafka_bootstrap: str, batch_id: str) -> list[object]:
    # Read until a little past the first match, so a duplicate publish would also be seen.
    return asyncio.run(
        collect_records(
            kafka_bootstrap,
            topic_name(ProcessingEvent.BATCH_LIFECYCLE_COMPLETED),
            lambda r: r.key == batch_id.encode(),
            count=2,
            timeout=5,
        )
    )


def test_smoke_script_passes_against_the_local_fleet(fleet: RunningFleet) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "smoke" / "run_core_flow_smoke_test.py")],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK smoke")
