"""Hostile files through the real fleet (issue 15): one request of 500 files, the most File
Service takes, with two real essays first and every kind of bad file after them (a 2,000-page
PDF, a zip bomb, a .docx that is not a zip, a truncated PDF, a binary file named .txt, names
with `../`, NUL or 1,000 characters, and 490 files of an unsupported type).

Each file gets its own answer within bounded time, File Service's memory stays bounded
(sampled with psutil on the real process; the figure is in docs/reliability.md), and the batch
is not affected: its 500 slots take 498 failed uploads and the two essays, which are
spellchecked as if alone. A batch with fewer slots than files keeps its slots for the essays:
File Service announces only the rejections the batch has slots left for.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import psutil
import pytest

from scripts.fleet.client import FleetClient
from scripts.fleet.running import RunningFleet
from tests.support.batches import write_essays
from tests.support.documents import (
    encode_multipart,
    make_docx,
    make_many_page_pdf,
    make_pdf,
    with_declared_size,
)

pytestmark = pytest.mark.e2e

UPLOAD = "http://127.0.0.1:7001/v1/files/batch"
MAX_FILES = 500  # File Service's max_files_per_request
ANSWER_DEADLINE_SECONDS = 60.0  # generous: alone it answers in a few seconds
MEMORY_GROWTH_BOUND = 256 * 1024 * 1024  # the zip bomb alone would be over 1 GB if inflated


@cache
def long_pdf() -> bytes:
    """The 2,000-page PDF, made once per session (~300 KB)."""
    return make_many_page_pdf(2000)


def hostile_files() -> list[tuple[str, bytes, str, str]]:
    """(name sent, bytes, name answered, error code) of every bad file but the filler."""
    long_name = "x" * 1000 + ".txt"
    return [
        ("long.pdf", long_pdf(), "long.pdf", "file_too_large"),
        (
            "bomb.docx",
            with_declared_size(make_docx(["tiny"]), "word/document.xml", 1_100_000_000),
            "bomb.docx",
            "unreadable_document",
        ),
        ("notzip.docx", b"PK not really a zip" * 50, "notzip.docx", "unreadable_document"),
        ("truncated.pdf", make_pdf(["cut short"])[:200], "truncated.pdf", "unreadable_document"),
        ("binary.txt", bytes(range(256)) * 8, "binary.txt", "unreadable_document"),
        ("../../etc/passwd.txt", b"   \n", "passwd.txt", "empty_content"),
        ("nul\x00name.txt", b"\n", "nulname.txt", "empty_content"),
        (long_name, b" ", "x" * 251 + ".txt", "empty_content"),
    ]


@contextmanager
def peak_rss(pid: int, every_seconds: float = 0.02) -> Iterator[dict[str, int]]:
    """Sample the process's resident memory while the block runs: before, and the peak."""
    process = psutil.Process(pid)
    figures = {"before": process.memory_info().rss, "peak": 0}
    figures["peak"] = figures["before"]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            figures["peak"] = max(figures["peak"], process.memory_info().rss)
            done.wait(every_seconds)  # the sampling period, not a synchronisation

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield figures
    finally:
        done.set()
        sampler.join()


@pytest.mark.one_database  # extraction and its limits do not depend on the database
def test_five_hundred_hostile_files_in_one_request_leave_the_batch_alone(
    fleet: RunningFleet, client: FleetClient, tmp_path: Path
) -> None:
    essays = write_essays(tmp_path, 2, seed=515)
    hostile = hostile_files()
    filler = [(f"f{i}.exe", b"MZ", f"f{i}.exe", "unsupported_file_type") for i in range(490)]
    every = [(p.name, p.read_bytes(), p.name, "") for p in essays] + hostile + filler
    assert len(every) == MAX_FILES
    batch_id = client.register_batch("ENG5", MAX_FILES)["batch_id"]
    body, content_type = encode_multipart(
        {"batch_id": batch_id}, [(name, data) for name, data, _, _ in every]
    )
    request = urllib.request.Request(UPLOAD, data=body, method="POST")
    request.add_header("Content-Type", content_type)
    request.add_header("Authorization", f"Bearer {client.token}")
    request.add_header("Idempotency-Key", uuid.uuid4().hex)

    with peak_rss(fleet.pids()["file_service"]) as memory:
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=ANSWER_DEADLINE_SECONDS) as response:
            status, answer = response.status, json.loads(response.read())
        seconds = time.monotonic() - started
    growth = memory["peak"] - memory["before"]
    print(
        f"500 hostile files: {status} in {seconds:.1f} s; File Service RSS "
        f"{memory['before'] / 2**20:.0f} -> peak {memory['peak'] / 2**20:.0f} MiB"
    )

    assert status == 202 and seconds < ANSWER_DEADLINE_SECONDS
    assert [a["file_name"] for a in answer["accepted"]] == [p.name for p in essays]
    rejected = {r["file_name"]: r["error_code"] for r in answer["rejected"]}
    assert rejected == {sent_as: code for _, _, sent_as, code in hostile + filler}
    assert growth < MEMORY_GROWTH_BOUND
    # The batch: every file took its own slot; the two essays were spellchecked, nothing else.
    batch = client.wait_for_batch(batch_id, timeout=180)
    assert batch["status"] == "partially_completed", batch
    assert batch["pipeline_state"]["spellcheck"]["essay_counts"] == {
        "total": 2, "successful": 2, "failed": 0, "pending": 0, "skipped": 0,
    }  # fmt: skip
    slots = client.essays(batch_id)["essays"]
    with_text = [e for e in slots if e["storage_references"]["original_essay"]]
    assert len(slots) == MAX_FILES and len(with_text) == 2
    assert all(e["storage_references"].get("corrected_text") for e in with_text), with_text


@pytest.mark.one_database  # one request: no race between uploads, nothing differs by database
def test_junk_beyond_the_free_slots_cannot_take_an_essays_slot(
    client: FleetClient, tmp_path: Path
) -> None:
    """2 slots, one request: six junk files first, then the two essays. Announced, the junk
    raced the essays for the slots in ELS (two topics) and the batch could end `failed`."""
    essays = write_essays(tmp_path, 2, seed=516)
    junk = [(f"setup{i}.exe", b"MZ" + bytes([i])) for i in range(6)]
    batch_id = client.register_batch("ENG5", 2)["batch_id"]
    body, content_type = encode_multipart(
        {"batch_id": batch_id}, junk + [(p.name, p.read_bytes()) for p in essays]
    )
    request = urllib.request.Request(UPLOAD, data=body, method="POST")
    request.add_header("Content-Type", content_type)
    request.add_header("Authorization", f"Bearer {client.token}")
    with urllib.request.urlopen(request, timeout=ANSWER_DEADLINE_SECONDS) as response:
        status, answer = response.status, json.loads(response.read())

    assert status == 202
    assert [a["file_name"] for a in answer["accepted"]] == [p.name for p in essays]
    assert [r["file_name"] for r in answer["rejected"]] == [name for name, _ in junk]
    assert all("no free slot" in r["message"] for r in answer["rejected"]), answer
    batch = client.wait_for_batch(batch_id, timeout=120)
    assert batch["status"] == "completed", batch
    assert batch["pipeline_state"]["spellcheck"]["essay_counts"]["successful"] == 2
    listing = client.essays(batch_id)
    assert listing["failed_uploads"] == []
    assert all(e["storage_references"].get("corrected_text") for e in listing["essays"])
