"""scripts/service_secret.py, the one-shot that makes compose's shared Content Service token."""

from __future__ import annotations

import stat
from pathlib import Path

from scripts.service_secret import ensure_secret


def test_a_fresh_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "content_service_token"

    assert ensure_secret(path) is True
    first = path.read_text()
    assert ensure_secret(path) is False

    assert len(first) >= 40 and path.read_text() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o400  # its owner only


def test_an_operator_given_secret_is_written_and_replaces_another(tmp_path: Path) -> None:
    path = tmp_path / "content_service_token"
    ensure_secret(path)

    assert ensure_secret(path, "operator-chosen-secret") is True
    assert path.read_text() == "operator-chosen-secret"
    assert ensure_secret(path, "operator-chosen-secret") is False
