"""Real dictionaries, built once per test session (each takes a few seconds)."""

from __future__ import annotations

import pytest

from services.spell_checker_service.corrector import TextCorrector
from services.spell_checker_service.dictionaries import english_engine, swedish_engine
from services.spell_checker_service.engine import SpellingEngine


@pytest.fixture(scope="session")
def english_words() -> SpellingEngine:
    """The production English engine (pyspellchecker's dictionary)."""
    return english_engine()


@pytest.fixture(scope="session")
def swedish_words() -> SpellingEngine:
    """The production Swedish engine (pruned wordfreq list, compounds)."""
    return swedish_engine()


@pytest.fixture(scope="session")
def english(english_words: SpellingEngine) -> TextCorrector:
    return TextCorrector(english_words)


@pytest.fixture(scope="session")
def swedish(swedish_words: SpellingEngine) -> TextCorrector:
    return TextCorrector(swedish_words)
