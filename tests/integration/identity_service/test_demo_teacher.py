"""`fleet up`'s demo teacher: created once with a printed password, kept for `fleet demo`,
never printed again, and reset when the kept password is lost."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import aiohttp

from scripts.fleet.demo_teacher import (
    DEMO_EMAIL,
    credentials_file,
    demo_credentials,
    ensure_demo_teacher,
)
from scripts.fleet.services import fleet_services
from tests.support.identity import CHEAP_ARGON2, ROOT, identity_settings, login, serving_identity


async def test_demo_teacher_is_created_once_and_can_log_in(tmp_path: Path) -> None:
    [identity] = [s for s in fleet_services(tmp_path, "k:1") if s.name == "identity_service"]
    cheap = {f"IDENTITY_{name.upper()}": str(value) for name, value in CHEAP_ARGON2.items()}
    identity = dataclasses.replace(identity, env={**identity.env, **cheap})

    first = await ensure_demo_teacher(tmp_path, identity, ROOT)
    credentials = demo_credentials(tmp_path)
    assert credentials is not None and credentials[0] == DEMO_EMAIL
    assert credentials[1] in first and "created" in first
    assert stat.S_IMODE(credentials_file(tmp_path).stat().st_mode) == 0o600

    again = await ensure_demo_teacher(tmp_path, identity, ROOT)
    assert credentials[1] not in again and demo_credentials(tmp_path) == credentials

    credentials_file(tmp_path).unlink()
    reset = await ensure_demo_teacher(tmp_path, identity, ROOT)
    renewed = demo_credentials(tmp_path)
    assert renewed is not None and renewed[1] != credentials[1] and renewed[1] in reset

    settings = identity_settings(tmp_path / "identity.sqlite3")
    async with serving_identity(settings) as url, aiohttp.ClientSession() as http:
        assert await login(http, url, *renewed)
