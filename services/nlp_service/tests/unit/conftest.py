"""The real language data (wordfreq lists, textstat's CMUdict), loaded once per session."""

from __future__ import annotations

import pytest

from services.nlp_service.language_data import LanguageTable, load_language_data


@pytest.fixture(scope="session")
def language_data() -> LanguageTable:
    return load_language_data()
