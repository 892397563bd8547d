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

from playwright.sync_api import BrowserContext, Page, Playwright, ViewportSize

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


# WCAG 2.1 contrast of every visible text against the first opaque background behind it:
# 4.5:1 for body text, 3:1 for large text (24 px, or 18.66 px bold).
_LOW_CONTRAST_JS = """() => {
  const rgba = (css) => {
    const [r, g, b, a = 1] = css.match(/[\\d.]+/g).map(Number);
    return [r, g, b, a];
  };
  const luminance = ([r, g, b]) => {
    const linear = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const background = (node) => {
    for (let at = node; at; at = at.parentElement) {
      const colour = rgba(getComputedStyle(at).backgroundColor);
      if (colour[3] > 0) return colour;
    }
    return [255, 255, 255, 1];
  };
  const found = [];
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) {
    const text = texts.currentNode.textContent.trim();
    const node = texts.currentNode.parentElement;
    const style = getComputedStyle(node);
    if (!text || !node.getClientRects().length || style.visibility === "hidden") continue;
    const [light, dark] = [luminance(rgba(style.color)), luminance(background(node))]
      .sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) {
      found.push(`${node.tagName} "${text.slice(0, 30)}" ${ratio.toFixed(2)}`);
    }
  }
  return found;
}"""


def low_contrast_texts(page: Page) -> list[str]:
    """The visible texts of the page whose contrast is below WCAG AA (empty when all pass)."""
    found: list[str] = page.evaluate(_LOW_CONTRAST_JS)
    return found
