#!/usr/bin/env python3
"""Core-flow smoke test against a running fleet: local processes or docker compose.

Logs in as a teacher (SMOKE_TEACHER_EMAIL / SMOKE_TEACHER_PASSWORD, else a fresh account it
registers), registers an English batch, uploads two essays with known misspellings, waits for
the batch to complete and checks each essay's corrected text (read through the ELS API).
Standard library only; service URLs come from SMOKE_BOS_URL,
SMOKE_FILE_URL, SMOKE_ELS_URL, SMOKE_IDENTITY_URL (defaults: the local ports).
Exits 0 on success, 1 with a reason otherwise.

    python tests/smoke/run_core_flow_smoke_test.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.fleet.client import ApiCallError, FleetClient, FleetUrls

ESSAYS = {
    "smoke_one.txt": "Name: Smoke Test\n\nI beleive this essay has a mistake becuase I was fast.\n",
    "smoke_two.txt": "We went to the libary and read a beautifull book together.\n",
}
EXPECTED_FIXES = {"smoke_one.txt": "because", "smoke_two.txt": "beautiful"}


def main() -> int:
    urls = FleetUrls(
        bos=os.environ.get("SMOKE_BOS_URL", "http://127.0.0.1:5001"),
        file=os.environ.get("SMOKE_FILE_URL", "http://127.0.0.1:7001"),
        els=os.environ.get("SMOKE_ELS_URL", "http://127.0.0.1:6001"),
        identity=os.environ.get("SMOKE_IDENTITY_URL", "http://127.0.0.1:3001"),
    )
    timeout = float(os.environ.get("SMOKE_TIMEOUT_SECONDS", "120"))
    client = FleetClient(urls)
    email = os.environ.get("SMOKE_TEACHER_EMAIL")
    password = os.environ.get("SMOKE_TEACHER_PASSWORD")
    if not (email and password):
        email, password = f"smoke-{uuid.uuid4().hex[:12]}@example.org", uuid.uuid4().hex
        client.register_teacher(email, password, "Smoke Test Teacher")
    client.login(email, password)
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name, text in ESSAYS.items():
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            files.append(path)
        batch_id = client.register_batch("ENG5", len(files))["batch_id"]
        upload = client.upload(batch_id, files)
    if upload["rejected"] or len(upload["accepted"]) != len(files):
        print(f"FAIL upload: {upload}")
        return 1
    batch = client.wait_for_batch(batch_id, timeout)
    if batch["status"] != "completed":
        print(f"FAIL batch {batch_id} ended {batch['status']}")
        return 1
    for essay in client.essays(batch_id)["essays"]:
        corrected = client.essay_text(essay["essay_id"], "corrected")
        expected = EXPECTED_FIXES[essay["original_file_name"]]
        if essay["status"] != "spellchecked_success" or expected not in corrected:
            print(f"FAIL essay {essay['essay_id']}: {essay['status']}, text {corrected!r}")
            return 1
    print(f"OK smoke: batch {batch_id} completed with {len(files)} corrected essays")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ApiCallError, TimeoutError, OSError) as exc:
        print(f"FAIL {exc}")
        sys.exit(1)
