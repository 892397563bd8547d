"""The language data the metrics use: wordfreq's top 5,000 words and textstat's syllables.

Pins the facts test_domain.py's hand computations rely on, so an upgrade of either library
that changes them fails here, by name, rather than as an unexplained sum.
"""

from __future__ import annotations

import pytest

from common_core.enums import Language
from services.nlp_service.language_data import COMMON_WORDS, LanguageTable
from services.nlp_service.segmentation import WORD

ENGLISH_COMMON = "my summer we in the lake every morning water was cold but didn't care brother"
SWEDISH_COMMON = "min sommar vi i sjön varje morgon vattnet var kallt men inte lillebror också"


@pytest.mark.parametrize("language", list(Language))
def test_each_language_has_its_5000_most_frequent_words(
    language_data: LanguageTable, language: Language
) -> None:
    common = language_data[language].common_words
    assert len(common) == COMMON_WORDS == 5000
    assert all(WORD.fullmatch(word) and word == word.casefold() for word in common)


@pytest.mark.parametrize(
    ("language", "common", "rare"),
    [
        (Language.ENGLISH, ENGLISH_COMMON, "swam anna's"),
        (Language.SWEDISH, SWEDISH_COMMON, "badade frös lisas"),
    ],
)
def test_fixture_words_in_and_outside_the_list(
    language_data: LanguageTable, language: Language, common: str, rare: str
) -> None:
    words = language_data[language].common_words
    assert {w for w in common.split() if w not in words} == set()
    assert {w for w in rare.split() if w in words} == set()


def test_entries_that_are_not_words_do_not_take_a_place(language_data: LanguageTable) -> None:
    """wordfreq's Swedish list has digits and abbreviations ("t.ex") among its first 5,000."""
    from wordfreq import top_n_list

    raw = top_n_list("sv", COMMON_WORDS)
    assert "1" in raw and "t.ex" in raw
    swedish = language_data[Language.SWEDISH].common_words
    assert "t.ex" not in swedish and "1" not in swedish
    assert set(swedish) > {w for w in raw if WORD.fullmatch(w)}


def test_english_syllables_are_textstats(language_data: LanguageTable) -> None:
    import textstat

    syllables = language_data[Language.ENGLISH].syllables
    assert syllables is not None
    expected = {"every": 3, "morning": 2, "didn't": 2, "anna's": 2, "summer": 2, "swam": 1}
    assert {word: syllables(word) for word in expected} == expected
    assert all(syllables(word) == textstat.syllable_count(word) for word in expected)


def test_english_syllables_ignore_textstats_global_language(
    language_data: LanguageTable,
) -> None:
    import textstat

    syllables = language_data[Language.ENGLISH].syllables
    assert syllables is not None
    textstat.set_lang("de_DE")
    try:
        assert syllables("beautiful") == 3
        assert syllables("international") == 5  # not cached before the change
    finally:
        textstat.set_lang("en_US")


def test_swedish_has_no_syllable_counter(language_data: LanguageTable) -> None:
    assert language_data[Language.SWEDISH].syllables is None
