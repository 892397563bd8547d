"""Teachers' data through the real fleet: another teacher sees none of it, no student's name,
e-mail address or sentence reaches a log line or a metric label, and a deletion removes every
row and blob of the batch within 30 s (File Service's upload records too), also when
spellchecking was still under way.

Every student detail carries one random marker (`Canary.tag`), so a single case-insensitive
search of the fleet's whole log and of every /metrics page finds any leak, whichever service
wrote it and however it was split or quoted.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from common_core.db import create_engine
from common_core.enums import ProcessingEvent
from common_core.topics import dlt_topic_name, topic_name
from scripts.fleet.client import ApiCallError, FleetClient
from scripts.fleet.running import RunningFleet
from scripts.fleet.services import fleet_services
from scripts.local_postgres import sqlalchemy_url
from tests.support.bos import wait_caught_up
from tests.support.kafka import collect_records

pytestmark = pytest.mark.e2e

DELETION_DEADLINE_SECONDS = 30
# Letters no hex id contains, so the marker can only come from the students' data.
_MARKER_LETTERS = "ghjkmnpqrstvwxyz"


@dataclass(frozen=True)
class Canary:
    """Distinctive student data: names, e-mail addresses and sentences, all marked."""

    tag: str

    @classmethod
    def new(cls) -> Canary:
        return cls("".join(secrets.choice(_MARKER_LETTERS) for _ in range(12)))

    def student(self, i: int) -> str:
        return f"Ysolde{i} Quarrington{self.tag}"

    def email(self, i: int) -> str:
        return f"ysolde{i}.{self.tag}@pupils.example.org"

    def essay(self, i: int) -> str:
        return (
            f"Name: {self.student(i)}\n{self.email(i)}\n\n"
            f"My grandmother keeps {self.tag} lanterns beside the harbour becuase the "
            f"fishermen need them. Every winter the {self.tag} lights were recieved with joy, "
            f"and the whole vilage walked down to see them.\n"
        )

    def files(self, folder: Path, count: int) -> list[Path]:
        """`count` essays in files named after their students, as teachers name them."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for i in range(count):
            path = folder / f"{self.student(i).replace(' ', '_')}.txt"
            path.write_text(self.essay(i), encoding="utf-8")
            paths.append(path)
        return paths

    def leaks(self, text: str) -> list[str]:
        """The lines of `text` that carry the marker (any case)."""
        return [line for line in text.splitlines() if self.tag in line.lower()]


def metrics_pages(fleet: RunningFleet) -> dict[str, str]:
    """Every service's /metrics text, by service."""
    pages = {}
    for spec in fleet_services(fleet.data_dir, ""):
        url = spec.health_url.rsplit("/", 1)[0] + "/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            pages[spec.name] = response.read().decode()
    return pages


def blobs_with(fleet: RunningFleet, canary: Canary) -> list[Path]:
    """Files of Content Service's store on disk that hold the canary's data.

    The store is read while Content Service deletes from it: a directory or file that
    vanishes under the walk is simply gone (os.walk skips what it can no longer list).
    """
    found = []
    for directory, _, names in os.walk(fleet.data_dir / "content"):
        for name in names:
            path = Path(directory, name)
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue  # deleted between listing and reading
            if canary.tag.encode() in data.lower():
                found.append(path)
    return found


def status_of(call: Callable[[], object]) -> int:
    """The HTTP status a FleetClient call answers (200 when it succeeds)."""
    try:
        call()
    except ApiCallError as exc:
        return exc.status
    return 200


def content_status(fleet: RunningFleet, storage_id: str) -> int:
    """Content Service's answer for a storage id, asked with the service token."""
    request = urllib.request.Request(f"http://127.0.0.1:8001/v1/content/{storage_id}")
    request.add_header("Authorization", f"Bearer {fleet.content_token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def file_service_records(fleet: RunningFleet, batch_id: str) -> int:
    """Rows File Service keeps of the batch: files on record and idempotency records."""
    if fleet.topology.database == "postgresql":
        url = sqlalchemy_url(fleet.postgres_port, "files")
    else:
        url = f"sqlite+aiosqlite:///{fleet.data_dir / 'files.sqlite3'}"

    async def count() -> int:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                rows = 0
                for table in ("batch_files", "upload_requests"):
                    query = text(f"SELECT count(*) FROM {table} WHERE batch_id = :b")
                    rows += int((await connection.execute(query, {"b": batch_id})).scalar_one())
                return rows
        finally:
            await engine.dispose()

    return asyncio.run(count())


def wait_until_forgotten(
    fleet: RunningFleet, client: FleetClient, batch_id: str, essay_ids: list[str], canary: Canary
) -> dict[str, object]:
    """Poll until the batch, its essays and its blobs are gone; what was still there if not."""
    deadline = time.monotonic() + DELETION_DEADLINE_SECONDS
    while True:
        bos = status_of(lambda: client.batch(batch_id))
        els_batch = status_of(lambda: client.essays(batch_id))
        els_essays = {status_of(lambda e=e: client.essay(e)) for e in essay_ids}  # type: ignore[misc]
        blobs = blobs_with(fleet, canary)
        files = file_service_records(fleet, batch_id)
        gone = bos == els_batch == 404 and els_essays == {404} and blobs == [] and files == 0
        if gone or time.monotonic() > deadline:
            left = {"bos": bos, "els_batch": els_batch, "els_essays": els_essays, "blobs": blobs}
            left["file_service_records"] = files
            return {} if gone else left
        time.sleep(0.2)  # polling the public APIs against a deadline


def test_student_data_stays_with_its_teacher_never_reaches_logs_and_deletion_removes_it(
    fleet: RunningFleet, client: FleetClient, other_teacher: FleetClient, tmp_path: Path
) -> None:
    canary = Canary.new()
    files = canary.files(tmp_path / "essays", 2)
    empty = tmp_path / f"{canary.student(9).replace(' ', '_')}_blank.txt"
    empty.write_text("  \n", encoding="utf-8")  # rejected, with the student's name as file name
    batch_id = client.register_batch("ENG5", 3, requested_pipelines=["spellcheck", "nlp_metrics"])[
        "batch_id"
    ]
    upload = client.upload(batch_id, [*files, empty], idempotency_key=f"upload-{canary.tag}")
    assert len(upload["accepted"]) == 2 and len(upload["rejected"]) == 1
    assert file_service_records(fleet, batch_id) == 3 + 1  # three files, one key
    assert client.wait_for_batch(batch_id, timeout=180)["status"] == "partially_completed"

    slots = client.essays(batch_id)["essays"]  # the empty file's slot stays without content
    essays = [e for e in slots if e["storage_references"]["original_essay"]]
    essay_ids = [e["essay_id"] for e in essays]
    storage_ids = [ref for e in essays for ref in e["storage_references"].values()]
    assert len(essays) == 2 and len(storage_ids) >= 2 * 3  # original, corrected, log, metrics
    assert {e["student_email"] for e in essays} == {canary.email(0), canary.email(1)}
    for essay_id in essay_ids:  # the owner reads everything, through the ELS API
        assert canary.tag in client.essay_text(essay_id, "original")
        assert client.essay_text(essay_id, "corrected") and client.corrections(essay_id)

    # Another teacher: every route answers exactly as for an id that does not exist.
    theirs = essay_ids[0]
    for call in (
        lambda: other_teacher.batch(batch_id),
        lambda: other_teacher.essays(batch_id),
        lambda: other_teacher.essay(theirs),
        lambda: other_teacher.essay_text(theirs),
        lambda: other_teacher.corrections(theirs),
        lambda: other_teacher.run_pipelines(batch_id, ["nlp_metrics"]),
        lambda: other_teacher.delete_batch(batch_id),
        lambda: other_teacher.upload(batch_id, files[:1]),
    ):
        assert status_of(call) == 404
    assert batch_id not in {b["batch_id"] for b in other_teacher.batches()}
    assert batch_id in {b["batch_id"] for b in client.batches()}

    client.delete_batch(batch_id)
    assert wait_until_forgotten(fleet, client, batch_id, essay_ids, canary) == {}
    assert {content_status(fleet, s) for s in storage_ids} == {404}

    # Read last, so the deletion's own log lines are scanned too.
    log = fleet.log_path.read_text(errors="replace")
    assert log.count(batch_id) > 10  # the services did log about this batch (by id)
    assert canary.leaks(log) == []
    for service, page in metrics_pages(fleet).items():
        assert canary.leaks(page) == [], service


def test_a_batch_deleted_while_spellchecking_stays_deleted(
    fleet: RunningFleet, client: FleetClient, tmp_path: Path
) -> None:
    canary = Canary.new()
    files = canary.files(tmp_path / "essays", 6)
    batch_id = client.register_batch("ENG5", len(files))["batch_id"]
    client.upload(batch_id, files)
    deadline = time.monotonic() + 60
    while client.batch(batch_id)["status"] == "awaiting_content":
        assert time.monotonic() < deadline, "the spellcheck phase never started"
        time.sleep(0.05)  # polling BOS until the spellcheck phase has started
    essay_ids = client.batch(batch_id)["essay_ids"]

    client.delete_batch(batch_id)
    assert wait_until_forgotten(fleet, client, batch_id, essay_ids, canary) == {}

    # Let everything in flight land: the spell checker has answered every request and ELS and
    # BOS have consumed every answer. Then the batch must still be gone, and nothing of it
    # dead-lettered (a late result is dropped, not an error).
    results = topic_name(ProcessingEvent.ESSAY_SPELLCHECK_RESULT_RECEIVED)
    updates = topic_name(ProcessingEvent.ESSAY_LIFECYCLE_STATE_UPDATED)
    requests = topic_name(ProcessingEvent.ESSAY_SPELLCHECK_REQUESTED)
    for group, topics in (
        ("spell_checker_service", [requests]),
        ("essay_lifecycle_service", [results]),
        ("batch_orchestrator_service", [updates]),
    ):
        assert asyncio.run(wait_caught_up(fleet.kafka_bootstrap, group, topics, 120)), group
    assert wait_until_forgotten(fleet, client, batch_id, essay_ids, canary) == {}
    for topic in (results, updates):
        dead = asyncio.run(
            collect_records(
                fleet.kafka_bootstrap,
                dlt_topic_name(topic),
                lambda r: r.key == batch_id.encode(),
                count=1,
                timeout=3,
            )
        )
        assert dead == [], topic
