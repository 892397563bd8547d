"""The whole flow through the real processes: both languages, bad files, crashes mid-batch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.fleet.client import FleetClient
from scripts.fleet.running import ROOT, RunningFleet
from tests.support.batches import assert_completed_exactly_once, wait_for_results, write_essays

pytestmark = pytest.mark.e2e

EXAMPLES = ROOT / "examples" / "essays"


def corrections_of(client: FleetClient, essay: dict[str, object]) -> list[tuple[str, str]]:
    refs = essay["storage_references"]
    assert isinstance(refs, dict) and refs.get("spellcheck_log")
    log = client.corrections(str(essay["essay_id"]))
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
    assert counts == {
        "total": len(files), "successful": len(files), "failed": 0, "pending": 0, "skipped": 0,
    }  # fmt: skip

    essays = client.essays(batch_id)["essays"]
    assert {e["status"] for e in essays} == {"spellchecked_success"}
    all_fixes = {fix for essay in essays for fix in corrections_of(client, essay)}
    assert expected_fix in all_fixes
    assert any(e["student_name"] for e in essays)
    first = essays[0]
    original = client.essay_text(first["essay_id"], "original")
    corrected = client.essay_text(first["essay_id"], "corrected")
    for item in client.corrections(first["essay_id"]):  # offsets point into the original
        assert original[item["start"] : item["end"]] == item["original"]
        assert item["corrected"] in corrected


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


@pytest.mark.parametrize("victim", ["spell_checker_service", "essay_lifecycle_worker"])
def test_kill_9_mid_batch_still_completes_once(
    fleet: RunningFleet, client: FleetClient, tmp_path: Path, victim: str
) -> None:
    count = 20
    files = write_essays(tmp_path, count, seed=len(victim))
    batch_id = client.register_batch("ENG7", count)["batch_id"]
    client.upload(batch_id, files)
    wait_for_results(client, batch_id, at_least=1, timeout=120)

    old_pid = fleet.kill(victim)
    fleet.wait_restarted(victim, old_pid)

    assert_completed_exactly_once(client, fleet.kafka_bootstrap, batch_id, count)
    assert f"{victim} exited with code" in fleet.log_text()


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
