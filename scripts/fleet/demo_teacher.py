"""The demo teacher `fleet up` makes: demo@huleedu.local, with a generated password shown once.

The account is created through identity's own CLI on identity's store (the same environment
the fleet gives identity_service), so it works with open registration switched off too. The
password is printed when the account is created and kept, readable by its owner only, in
`<data dir>/fleet/demo_teacher.json`, where `fleet demo` finds it; later starts only say
where it is. If the file was lost, a new password is set and printed.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from pathlib import Path

from scripts.fleet.services import ServiceSpec

DEMO_EMAIL = "demo@huleedu.local"
DEMO_NAME = "Demo Teacher"
EXIT_EXISTS = 3  # services.identity_service.cli: the address already has an account


def credentials_file(data_dir: Path) -> Path:
    """Where the demo teacher's password is kept for `fleet demo`."""
    return data_dir / "fleet" / "demo_teacher.json"


def demo_credentials(data_dir: Path) -> tuple[str, str] | None:
    """(email, password) of the demo teacher, if this data directory has them."""
    path = credentials_file(data_dir)
    if not path.exists():
        return None
    stored = json.loads(path.read_text())
    return stored["email"], stored["password"]


async def _identity_cli(identity: ServiceSpec, root: Path, *args: str, stdin: str) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.identity_service.cli", *args,
        cwd=root, env={**os.environ, **identity.env}, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate(stdin.encode())
    if process.returncode not in (0, EXIT_EXISTS):
        raise RuntimeError(f"identity CLI {args[0]} failed: {output.decode(errors='replace')}")
    assert process.returncode is not None
    return process.returncode


def _keep(data_dir: Path, password: str) -> Path:
    path = credentials_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"email": DEMO_EMAIL, "password": password}, handle)
    return path


async def ensure_demo_teacher(data_dir: Path, identity: ServiceSpec, root: Path) -> str:
    """Create the demo teacher if missing; returns the line the runner prints about it."""
    password = secrets.token_urlsafe(12)
    code = await _identity_cli(
        identity, root, "create-teacher", "--email", DEMO_EMAIL, "--name", DEMO_NAME,
        stdin=password + "\n",
    )  # fmt: skip
    if code == 0:
        path = _keep(data_dir, password)
        return (
            f"demo teacher created: {DEMO_EMAIL} password {password} (shown once; kept in {path})"
        )
    if demo_credentials(data_dir) is not None:
        return f"demo teacher: {DEMO_EMAIL} (password in {credentials_file(data_dir)})"
    await _identity_cli(
        identity, root, "set-password", "--email", DEMO_EMAIL, stdin=password + "\n"
    )
    path = _keep(data_dir, password)
    return f"demo teacher {DEMO_EMAIL}: new password {password} (shown once; kept in {path})"
