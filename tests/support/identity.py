"""identity_service for integration tests: a real server over HTTP on its own SQLite file (or
PostgreSQL), its CLI as a real process, and the calls a teacher's client makes."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from services.identity_service.app import create_app
from services.identity_service.config import IdentitySettings
from tests.support.http import serving

ROOT = Path(__file__).resolve().parents[2]
# Argon2 at its cheapest: these tests are about the protocol, not the hashing cost.
CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 1024, "argon2_parallelism": 1}


def identity_settings(database: Path | str, **overrides: Any) -> IdentitySettings:
    """Settings of a test identity service with cheap hashing, on a SQLite file (a Path) or
    the database at a URL (e.g. the `database_url` fixture's)."""
    url = f"sqlite+aiosqlite:///{database}" if isinstance(database, Path) else database
    return IdentitySettings(database_url=url, **{**CHEAP_ARGON2, **overrides})


@asynccontextmanager
async def serving_identity(settings: IdentitySettings) -> AsyncIterator[str]:
    """Serve identity on a free port for the block; yields its base URL once it answers."""
    async with serving(create_app(settings)) as base_url:
        yield base_url


async def call(
    http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, JSON body and headers of one request."""
    async with http.request(method, url, **kwargs) as response:
        body: dict[str, Any] = await response.json(content_type=None)
        return response.status, body, dict(response.headers)


async def register(
    http: aiohttp.ClientSession, base_url: str, email: str, password: str = "correct horse"
) -> dict[str, Any]:
    """Register a teacher; asserts the 201."""
    status, body, _ = await call(
        http, "POST", f"{base_url}/v1/auth/register",
        json={"email": email, "password": password, "name": "Test Teacher"},
    )  # fmt: skip
    assert status == 201, body
    return body


async def login(
    http: aiohttp.ClientSession, base_url: str, email: str, password: str = "correct horse"
) -> str:
    """Log in; asserts the 200 and returns the access token."""
    status, body, _ = await call(
        http, "POST", f"{base_url}/v1/auth/login", json={"email": email, "password": password}
    )
    assert status == 200, body
    token: str = body["access_token"]
    return token


async def run_cli(database_url: str, *args: str, stdin: str = "") -> tuple[int, str]:
    """Run `python -m services.identity_service.cli` on the store; exit code and output."""
    env = {**os.environ, "IDENTITY_DATABASE_URL": database_url,
           **{f"IDENTITY_{k.upper()}": str(v) for k, v in CHEAP_ARGON2.items()}}  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.identity_service.cli", *args,
        cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate(stdin.encode())
    assert process.returncode is not None
    return process.returncode, output.decode()
