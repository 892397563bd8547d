"""Real dictionaries, built once per test session (a few seconds with the lexicon cache)."""

from __future__ import annotations

import pytest

from common_core.enums import Language
from services.spell_checker_service.corrector import TextCorrector
from services.spell_checker_service.dictionaries import load_all
from services.spell_checker_service.engine import SpellingEngine


@pytest.fixture(scope="session")
def correctors() -> dict[Language, TextCorrector]:
    """The production correctors: engines, names judge and (English) context model."""
    return load_all()


@pytest.fixture(scope="session")
def english(correctors: dict[Language, TextCorrector]) -> TextCorrector:
    return correctors[Language.ENGLISH]


@pytest.fixture(scope="session")
def swedish(correctors: dict[Language, TextCorrector]) -> TextCorrector:
    return correctors[Language.SWEDISH]


def _engine(corrector: TextCorrector) -> SpellingEngine:
    assert isinstance(corrector.checker, SpellingEngine)
    return corrector.checker


@pytest.fixture(scope="session")
def english_words(english: TextCorrector) -> SpellingEngine:
    """The production English engine (wordfreq filtered by Hunspell en_US)."""
    return _engine(english)


@pytest.fixture(scope="session")
def swedish_words(swedish: TextCorrector) -> SpellingEngine:
    """The production Swedish engine (wordfreq filtered by Hunspell sv_SE)."""
    return _engine(swedish)
