"""The teacher web app: one HTML page and its static files, served with headers that keep a
page showing students' texts from running anything it did not ship itself."""

from __future__ import annotations

from pathlib import Path

from quart import Blueprint, Response, send_from_directory

STATIC_ROOT = Path(__file__).resolve().parents[1] / "static"

web = Blueprint("web", __name__, static_folder=str(STATIC_ROOT), static_url_path="/static")

# Scripts, styles and connections from this origin only; no inline script, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@web.get("/")
async def index() -> Response:
    """The app's single page; views are drawn by static/js from the REST API."""
    response = await send_from_directory(STATIC_ROOT, "index.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@web.after_app_request
async def _secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
