"""Make the fleet's shared service secret for docker compose (one-shot `service_secrets`).

    python -m scripts.service_secret /run/huleedu/content_service_token [--owner 10001:10001]

Writes the file if it is missing or empty, readable by its owner only: compose runs this as
root on a fresh volume and hands the file to the user the services run as (`--owner`); they
mount the volume read-only. CONTENT_SERVICE_TOKEN, when set, is written
instead of a fresh random secret (and replaces a different one already there). Every later
`docker compose up` keeps the file, so the secret survives restarts and rebuilds.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SecretSettings(BaseSettings):
    """CONTENT_SERVICE_TOKEN from the operator's environment (empty: make one)."""

    model_config = SettingsConfigDict(extra="ignore")

    content_service_token: SecretStr = SecretStr("")


def ensure_secret(path: Path, given: str = "", owner: tuple[int, int] | None = None) -> bool:
    """Write `given` (or a fresh secret) to `path` unless it already holds that; True if written.

    `owner` (uid, gid) becomes the file's owner (this script may run as root).
    """
    current = path.read_text().strip() if path.exists() else ""
    if current and (not given or given == current):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o400)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(given or secrets.token_urlsafe(32))
    if owner is not None:
        os.chown(temporary, *owner)
    temporary.replace(path)
    return True


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="service_secret", description="make the shared service secret"
    )
    parser.add_argument("path", type=Path, help="where the secret is kept")
    parser.add_argument("--owner", help="uid:gid to own the file (when run as root)")
    args = parser.parse_args(argv)
    owner = None
    if args.owner:
        uid, _, gid = args.owner.partition(":")
        owner = (int(uid), int(gid or uid))
    path: Path = args.path
    given = SecretSettings().content_service_token.get_secret_value()
    written = ensure_secret(path, given, owner)
    print(f"service secret {'written to' if written else 'kept in'} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
