"""A real browser for end-to-end tests: Playwright driving Debian's Chromium.

Playwright cannot download its own browser builds here, so it drives `/usr/bin/chromium`,
which `make browser` installs (apt-get install chromium; `make test` and `.ci/run` run it).
Every context gets a fresh user-data directory, so two teachers never share storage.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Playwright, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
# Headless in a container as root, no GPU, and nothing that phones home while tests run.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)


@contextmanager
def chromium_context(
    playwright: Playwright, user_data_dir: Path, viewport: ViewportSize | None = None
) -> Iterator[BrowserContext]:
    """A headless Chromium with its own fresh profile in `user_data_dir`."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    user_data_dir.mkdir(parents=True, exist_ok=True)
    context = playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_FLAGS,
        viewport=LAPTOP if viewport is None else viewport,
        locale="en-GB",
    )
    try:
        yield context
    finally:
        context.close()


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST JSON with the standard library; the parsed answer (raises on an HTTP error)."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer
