"""Content Service's client contract: the headers every caller sends, and the token setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from common_core.content import ContentServiceTokenSettings, content_headers


class CallerSettings(ContentServiceTokenSettings):
    model_config = SettingsConfigDict(env_prefix="CALLER_", extra="ignore")


def test_headers_carry_the_token_and_for_a_store_the_batch() -> None:
    assert content_headers("s3cret") == {"Authorization": "Bearer s3cret"}
    assert content_headers("s3cret", "b-1") == {
        "Authorization": "Bearer s3cret",
        "X-Batch-ID": "b-1",
    }
    assert content_headers("", "b-1") == {"X-Batch-ID": "b-1"}  # unconfigured: refused there


def test_the_token_comes_from_the_environment_or_else_from_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "token"
    secret_file.write_text("from-the-file\n")
    monkeypatch.setenv("CALLER_CONTENT_SERVICE_TOKEN_FILE", str(secret_file))

    assert CallerSettings().content_service_token.get_secret_value() == "from-the-file"
    monkeypatch.setenv("CALLER_CONTENT_SERVICE_TOKEN", "from-the-env")
    assert CallerSettings().content_service_token.get_secret_value() == "from-the-env"


def test_a_missing_token_file_fails_at_start_not_at_the_first_call(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="content_service_token_file"):
        CallerSettings(content_service_token_file=tmp_path / "absent")


def test_the_token_never_shows_in_the_settings_repr() -> None:
    assert "s3cret" not in repr(CallerSettings(content_service_token="s3cret"))
