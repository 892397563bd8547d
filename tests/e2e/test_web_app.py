"""The teacher web app in a real browser against the real fleet, through the gateway only.

A teacher logs in, creates a batch, uploads three files at once and reads each file's outcome,
then opens an essay and sees its corrections marked in the text, on a laptop and a phone
width. The interface speaks Swedish when asked. With HULEEDU_UPDATE_SCREENSHOTS=1 the
screenshots of the main views go to docs/images/ (the README shows them).
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, WebSocket, expect, sync_playwright

from scripts.fleet.running import ROOT, RunningFleet
from tests.support.browser import LAPTOP, PHONE, chromium_context, post_json

pytestmark = pytest.mark.e2e

WEB_APP = "http://127.0.0.1:4001"
ESSAYS = ROOT / "examples" / "essays" / "en"
FILES = [
    ESSAYS / "anna_summer.txt",
    ESSAYS / "erik_technology.txt",
    ESSAYS / "sara_friendship.docx",
]
PASSWORD = "a long enough password"
SHOTS = ROOT / "docs" / "images"
TERMINAL = {"completed", "partially_completed", "failed"}


def register_teacher(name: str) -> str:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@school.test"
    post_json(f"{WEB_APP}/v1/auth/register", {"email": email, "password": PASSWORD, "name": name})
    return email


def screenshot(page: Page, name: str, tmp_path: Path, full_page: bool = True) -> None:
    keep = os.environ.get("HULEEDU_UPDATE_SCREENSHOTS") == "1"
    target = SHOTS if keep else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=full_page)


def log_in(page: Page, email: str) -> None:
    page.goto(f"{WEB_APP}/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My batches")).to_be_visible()


def record_live_messages(page: Page) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []

    def on_socket(socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: received.append(json.loads(payload)))

    page.on("websocket", on_socket)
    return received


def wait_until_finished(email: str, batch_id: str, timeout: float = 120.0) -> str:
    """Poll the batch over REST as its teacher until it is terminal; its final status."""
    token = post_json(f"{WEB_APP}/v1/auth/login", {"email": email, "password": PASSWORD})
    request = urllib.request.Request(
        f"{WEB_APP}/v1/batches/{batch_id}",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(request, timeout=30) as response:
            status: str = json.loads(response.read())["status"]
        if status in TERMINAL or time.monotonic() > deadline:
            return status
        time.sleep(0.5)  # polling interval against a remote API


def test_a_teacher_creates_a_batch_uploads_files_and_reads_the_corrections(
    fleet: RunningFleet, tmp_path: Path
) -> None:
    anna = register_teacher("Anna")
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path / "p") as browser:
        page = browser.new_page()
        live = record_live_messages(page)
        page.goto(f"{WEB_APP}/")
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        screenshot(page, "login", tmp_path)
        log_in(page, anna)
        expect(page.locator("#live-indicator")).to_have_class(re.compile(r"\bon\b"))

        page.get_by_role("link", name="New batch").first.click()
        page.get_by_label("Course").select_option("ENG5")
        page.get_by_label("Class").fill("9B")
        page.get_by_label("Essay instructions").fill("Write about something you care about.")
        page.get_by_label("Number of essays").fill("3")
        screenshot(page, "new-batch", tmp_path)
        page.get_by_role("button", name="Create batch").click()
        expect(page).to_have_url(re.compile(r"#/batches/[\w-]+$"))
        batch_id = page.url.rsplit("/", 1)[1]

        page.locator("#upload-files").set_input_files([str(path) for path in FILES])
        results = page.locator(".upload-result[data-outcome=accepted]")
        expect(results).to_have_count(3)
        expect(results.locator(".file-name")).to_have_text([path.name for path in FILES])
        assert any(message["type"] == "connected" for message in live), live

        assert wait_until_finished(anna, batch_id) == "completed"
        page.reload()  # this test does not rely on live updates to show the result
        expect(page.locator("#batch-status .chip")).to_have_attribute("data-status", "completed")
        chips = page.locator("li.essay .chip")
        expect(chips).to_have_count(3)
        for index in range(3):
            expect(chips.nth(index)).to_have_attribute("data-status", "spellchecked_success")
        screenshot(page, "batch-progress", tmp_path)

        page.get_by_role("link", name="Anna Lindqvist").click()
        expect(page.get_by_role("heading", name="Anna Lindqvist")).to_be_visible()
        fix = page.locator(".fix", has=page.locator("del", has_text="becuase"))
        expect(fix.first.locator("ins")).to_have_text("because")
        marked = page.locator(".fix").count()
        assert marked >= 3
        expect(page.locator("#corrections-count")).to_have_text(str(marked))
        screenshot(page, "essay-corrections", tmp_path)

        page.set_viewport_size(PHONE)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, "the essay view scrolls sideways on a phone"
        screenshot(page, "essay-phone", tmp_path, full_page=False)
        page.set_viewport_size(LAPTOP)


def test_the_interface_speaks_swedish_when_asked_and_remembers_it(
    fleet: RunningFleet, tmp_path: Path
) -> None:
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path / "p") as browser:
        page = browser.new_page()
        page.goto(f"{WEB_APP}/")
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()  # not logged in
        expect(page.locator("#logout")).to_be_hidden()
        page.get_by_label("Language").select_option("sv")
        expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
        page.reload()
        expect(page.get_by_label("E-postadress")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "sv")
