"""Two phases through the real processes: spellcheck then NLP, NLP skipped when spellcheck failed
every essay, and more pipelines asked of a finished batch."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from common_core.nlp import METRIC_NAMES
from scripts.fleet.client import ApiCallError, FleetClient
from scripts.fleet.running import ROOT, RunningFleet
from tests.support.batches import assert_completed_exactly_once, wait_for_essays

pytestmark = pytest.mark.e2e

EXAMPLES = ROOT / "examples" / "essays"


def sample_files(lang: str) -> list[Path]:
    return sorted((EXAMPLES / lang).iterdir())


def test_nlp_metrics_runs_spellcheck_then_nlp_with_a_class_summary(
    fleet: RunningFleet, client: FleetClient
) -> None:
    files = sample_files("sv")
    registered = client.register_batch("SV2", len(files), requested_pipelines=["nlp_metrics"])
    client.upload(registered["batch_id"], files)

    batch = assert_completed_exactly_once(
        client,
        fleet.kafka_bootstrap,
        registered["batch_id"],
        len(files),
        pipelines=("spellcheck", "nlp_metrics"),
    )

    state = batch["pipeline_state"]
    assert state["spellcheck"]["completed_at"] <= state["nlp_metrics"]["started_at"]
    summary = batch["class_summary"]
    assert set(summary) == set(METRIC_NAMES) - {"flesch_reading_ease"}  # English only
    for metric, values in summary.items():
        assert values["min"] <= values["median"] <= values["max"], metric
        assert values["min"] <= values["mean"] <= values["max"], metric
    essays = client.essays(registered["batch_id"])["essays"]
    assert {e["status"] for e in essays} == {"nlp_success"}
    words = [e["nlp"]["word_count"] for e in essays]
    assert summary["word_count"]["min"] == min(words)
    assert summary["word_count"]["max"] == max(words)
    for essay in essays:
        assert essay["storage_references"]["nlp_metrics"]
        corrections = essay["spellcheck"]["corrections_made"]
        expected_rate = 100 * corrections / essay["nlp"]["word_count"]
        assert essay["nlp"]["spelling_error_rate"] == pytest.approx(expected_rate, abs=1e-3)


def test_spellcheck_failing_every_essay_skips_nlp_and_fails_the_batch(
    fleet: RunningFleet, client: FleetClient
) -> None:
    """The spell checker is paused while the essays' texts vanish from Content Service, so
    every spellcheck fails (the text can never be had): NLP must end skipped, not wait."""
    files = sample_files("en")[:2]
    batch_id = client.register_batch("ENG6", 2, requested_pipelines=["nlp_metrics"])["batch_id"]
    fleet.kill("spell_checker_service", signal.SIGSTOP)
    try:
        client.upload(batch_id, files)
        essays = wait_for_essays(
            client,
            batch_id,
            lambda found: {e["status"] for e in found} == {"awaiting_spellcheck"},
            timeout=60,
        )
        for essay in essays:
            text_id = essay["storage_references"]["original_essay"]
            (fleet.data_dir / "content" / text_id[:2] / text_id).unlink()
    finally:
        fleet.kill("spell_checker_service", signal.SIGCONT)

    batch = client.wait_for_batch(batch_id, timeout=120)

    assert batch["status"] == "failed"
    spellcheck, nlp = batch["pipeline_state"]["spellcheck"], batch["pipeline_state"]["nlp_metrics"]
    assert (spellcheck["status"], spellcheck["essay_counts"]["failed"]) == ("failed", 2)
    assert nlp["status"] == "skipped"
    assert nlp["essay_counts"] == {
        "total": 2, "successful": 0, "failed": 0, "pending": 0, "skipped": 2,
    }  # fmt: skip
    assert batch["class_summary"] is None
    statuses = {e["status"] for e in client.essays(batch_id)["essays"]}
    assert statuses == {"spellcheck_failed"}  # never handed to NLP


def test_more_pipelines_on_a_finished_batch_run_end_to_end(
    fleet: RunningFleet, client: FleetClient
) -> None:
    files = sample_files("en")
    batch_id = client.register_batch("ENG5", len(files))["batch_id"]
    client.upload(batch_id, files)
    assert client.wait_for_batch(batch_id, timeout=120)["status"] == "completed"
    assert client.batch(batch_id)["class_summary"] is None

    accepted = client.run_pipelines(batch_id, ["nlp_metrics"])

    assert accepted["requested_pipelines"] == ["spellcheck", "nlp_metrics"]
    batch = client.wait_for_batch(batch_id, timeout=120)
    assert batch["status"] == "completed"
    nlp = batch["pipeline_state"]["nlp_metrics"]
    assert nlp["status"] == "completed" and nlp["essay_counts"]["successful"] == len(files)
    assert batch["class_summary"]["flesch_reading_ease"]["max"] <= 121  # English: Flesch is there
    assert {e["status"] for e in client.essays(batch_id)["essays"]} == {"nlp_success"}
    with pytest.raises(ApiCallError) as again:
        client.run_pipelines(batch_id, ["nlp_metrics"])
    assert again.value.status == 409 and again.value.body["error"]["code"] == "pipeline_already_run"
