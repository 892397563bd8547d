"""The teacher web app in a real browser against the real fleet, through the gateway only.

A teacher logs in, creates a batch with both pipelines, drops two files on the page and chooses
a third, reads each file's outcome, and watches the progress reach completed without a reload
(the WebSocket moves it); finds the batch in her list, reads the class summary, opens an essay,
sees its corrections marked in the text (laptop and phone width) and its text metrics,
downloads the corrected text, and deletes the batch; every text on those pages meets WCAG AA
contrast. A second teacher, logged in meanwhile in another browser with its own profile, never
sees that batch: not in his list, not at its address, not over his WebSocket. A teacher signs
in and starts a batch with the keyboard alone. The interface speaks Swedish when asked.
With HULEEDU_UPDATE_SCREENSHOTS=1 the screenshots of the main views go to docs/images/ (the
README shows them).
"""

from __future__ import annotations

import base64
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, WebSocket, expect, sync_playwright

from scripts.fleet.running import ROOT, RunningFleet
from tests.support.browser import (
    LAPTOP,
    PHONE,
    chromium_context,
    low_contrast_texts,
    post_json,
)

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


def register_teacher(name: str) -> str:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@school.test"
    post_json(f"{WEB_APP}/v1/auth/register", {"email": email, "password": PASSWORD, "name": name})
    return email


def screenshot(page: Page, name: str, tmp_path: Path, full_page: bool = True) -> None:
    keep = os.environ.get("HULEEDU_UPDATE_SCREENSHOTS") == "1"
    target = SHOTS if keep else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=full_page)


def answered_login(page: Page) -> Any:
    """Waits (Playwright's 30 s) for the login request's answer. Login hashes the password
    with Argon2 on purpose, which on a loaded machine outlasts `expect`'s 5 s: the page can
    only show "My batches" once that answer is in."""
    return page.expect_response(lambda response: response.url.endswith("/v1/auth/login"))


def log_in(page: Page, email: str) -> None:
    page.goto(f"{WEB_APP}/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with answered_login(page) as login:
        page.get_by_role("button", name="Log in").click()
    assert login.value.ok
    expect(page.get_by_role("heading", name="My batches")).to_be_visible()


def record_live_messages(page: Page) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []

    def on_socket(socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: received.append(json.loads(payload)))

    page.on("websocket", on_socket)
    return received


def drop_files(page: Page, selector: str, paths: list[Path]) -> None:
    """Drop files on an element as a browser's drag and drop does (a DataTransfer of Files)."""
    files = [[path.name, base64.b64encode(path.read_bytes()).decode()] for path in paths]
    transfer = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, data] of files) {
                const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], name));
            }
            return transfer;
        }""",
        files,
    )
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def create_batch(page: Page, tmp_path: Path) -> str:
    """Fill in and send the new-batch form; the new batch's id (its page is shown)."""
    page.get_by_role("link", name="New batch").first.click()
    page.get_by_label("Course").select_option("ENG5")
    page.get_by_label("Class").fill("9B")
    page.get_by_label("Essay instructions").fill("Write about something you care about.")
    page.get_by_label("Number of essays").fill("3")
    page.get_by_label("Text metrics (NLP)").check()
    screenshot(page, "new-batch", tmp_path)
    page.get_by_role("button", name="Create batch").click()
    expect(page).to_have_url(re.compile(r"#/batches/[\w-]+$"))
    return page.url.rsplit("/", 1)[1]


def upload_three_files(page: Page) -> None:
    """Two files dropped on the page, a third chosen; each file's outcome is listed."""
    drop_files(page, ".drop-zone", FILES[:2])
    accepted = page.locator(".upload-result[data-outcome=accepted] .file-name")
    expect(accepted).to_have_text([path.name for path in FILES[:2]])
    page.locator("#upload-files").set_input_files(str(FILES[2]))
    expect(accepted).to_have_text([path.name for path in FILES])


def see_the_finished_batch(page: Page) -> None:
    """Every essay measured, both pipelines' bars full in the order they ran, the summary."""
    chips = page.locator("li.essay .chip")
    expect(chips).to_have_count(3)
    for index in range(3):
        expect(chips.nth(index)).to_have_attribute("data-status", "nlp_success")
    rows = page.locator(".progress-row")
    expect(rows).to_have_count(2)
    shown = rows.evaluate_all("rows => rows.map((row) => row.dataset.pipeline)")
    assert shown == ["spellcheck", "nlp_metrics"], "not in the order they run"
    for index in range(2):
        expect(rows.nth(index).locator("progress")).to_have_attribute("value", "3")
    summary = page.get_by_role("table", name="Class summary")
    expect(summary.get_by_role("row", name=re.compile("^Words"))).to_be_visible()
    assert not low_contrast_texts(page)


def read_an_essay(page: Page, tmp_path: Path) -> None:
    """From the batch page: Anna's essay, its corrections, metrics, download, phone width."""
    page.get_by_role("link", name="Anna Lindqvist").click()
    expect(page.get_by_role("heading", name="Anna Lindqvist")).to_be_visible()
    fix = page.locator(".fix", has=page.locator("del", has_text="becuase"))
    expect(fix.first.locator("ins")).to_have_text("because")
    marked = page.locator(".fix").count()
    assert marked >= 3
    expect(page.locator("#corrections-count")).to_have_text(str(marked))
    expect(page.get_by_role("table", name="Text metrics")).to_be_visible()
    assert not low_contrast_texts(page)
    screenshot(page, "essay-corrections", tmp_path)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download corrected text").click()
    assert download.value.suggested_filename == "anna_summer-corrected.txt"
    corrected = Path(download.value.path()).read_text()
    assert "because" in corrected and "becuase" not in corrected

    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the essay view scrolls sideways on a phone"
    screenshot(page, "essay-phone", tmp_path, full_page=False)
    page.set_viewport_size(LAPTOP)


def test_a_teacher_runs_a_batch_live_and_another_teacher_never_sees_it(
    fleet: RunningFleet, tmp_path: Path
) -> None:
    anna, bertil = register_teacher("Anna"), register_teacher("Bertil")
    with (
        sync_playwright() as playwright,
        chromium_context(playwright, tmp_path / "anna-profile") as anna_browser,
        chromium_context(playwright, tmp_path / "bertil-profile") as bertil_browser,
    ):
        other = bertil_browser.new_page()
        bertil_live = record_live_messages(other)
        log_in(other, bertil)  # and stays connected while Anna works

        page = anna_browser.new_page()
        live = record_live_messages(page)
        page.goto(f"{WEB_APP}/")
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        screenshot(page, "login", tmp_path)
        assert not low_contrast_texts(page)
        log_in(page, anna)
        expect(page.locator("#live-indicator")).to_have_class(re.compile(r"\bon\b"))
        assert any(message["type"] == "connected" for message in bertil_live)

        batch_id = create_batch(page, tmp_path)
        page.evaluate("window.__sameDocument = true")  # gone if the page ever reloads
        upload_three_files(page)

        status = page.locator("#batch-status .chip")
        expect(status).to_have_attribute("data-status", "completed", timeout=120_000)
        see_the_finished_batch(page)
        assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"
        mine = {m["type"] for m in live if m.get("batch_id") == batch_id}
        assert {"batch_progress", "essay_status", "batch_completed"} <= mine
        screenshot(page, "batch-progress", tmp_path)

        page.get_by_role("link", name="My batches").first.click()
        row = page.locator(f'tr[data-batch-id="{batch_id}"]')
        expect(row.locator(".chip")).to_have_attribute("data-status", "completed")
        screenshot(page, "batches", tmp_path)
        row.get_by_role("link").click()

        read_an_essay(page, tmp_path)

        other.reload()  # his list as it is now, after Anna's batch finished
        expect(other.get_by_role("heading", name="My batches")).to_be_visible()
        expect(other.locator(f'tr[data-batch-id="{batch_id}"]')).to_have_count(0)
        other.goto(f"{WEB_APP}/#/batches/{batch_id}")
        expect(other.get_by_role("alert")).to_have_text("Not found.")
        assert not [m for m in bertil_live if m.get("batch_id") == batch_id]

        page.get_by_role("link", name="Back to the batch").click()
        page.get_by_role("button", name="Delete batch").click()
        page.get_by_role("dialog").get_by_role("button", name="Delete").click()
        expect(page.get_by_role("heading", name="My batches")).to_be_visible()
        expect(page.locator(f'tr[data-batch-id="{batch_id}"]')).to_have_count(0)


def tab_to(page: Page, target: Locator, presses: int = 15) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would reach it."""
    for _ in range(presses):
        if target.evaluate("(node) => node === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} not reached in {presses} Tab presses")


def test_a_teacher_signs_in_and_starts_a_batch_with_the_keyboard_alone(
    fleet: RunningFleet, tmp_path: Path
) -> None:
    email = register_teacher("Karin")
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path / "p") as browser:
        page = browser.new_page()
        page.goto(f"{WEB_APP}/")
        expect(page.get_by_role("heading", name="Log in")).to_be_focused()
        tab_to(page, page.get_by_label("E-mail address"))
        page.keyboard.type(email)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        with answered_login(page) as login:
            page.keyboard.press("Enter")
        assert login.value.ok
        expect(page.get_by_role("heading", name="My batches")).to_be_focused()

        tab_to(page, page.get_by_role("main").get_by_role("link", name="New batch"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="New batch")).to_be_focused()
        tab_to(page, page.get_by_label("Class"))
        page.keyboard.type("9C")
        page.keyboard.press("Tab")
        page.keyboard.type("Describe your town.")
        tab_to(page, page.get_by_label("Text metrics (NLP)"))
        page.keyboard.press("Space")
        expect(page.get_by_label("Text metrics (NLP)")).to_be_checked()
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"#/batches/[\w-]+$"))
        expect(page.get_by_role("heading", name="ENG5 · class 9C")).to_be_focused()

        # The file chooser is reachable, and the drop zone shows where the focus is.
        tab_to(page, page.locator("#upload-files"))
        outline = page.locator(".drop-zone").evaluate("(z) => getComputedStyle(z).outlineStyle")
        assert outline == "solid"


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
