"""Frequency dictionaries, built offline from packaged data (no download at run time).

English: pyspellchecker's own packaged word-frequency list, so the engine's accuracy is
comparable with pyspellchecker's. Swedish: wordfreq's packaged Swedish list, pruned to words
common enough that typical misspellings ("intresant", "sät") are not themselves "known".
"""

from __future__ import annotations

from common_core.enums import Language
from services.spell_checker_service.engine import SpellingEngine, TextCorrector

# Zipf 2.5 = about 3 occurrences per 10 million words. Below that wordfreq's Swedish list is
# mostly misspellings, names and foreign words (it is built from web and subtitle text).
SWEDISH_MIN_ZIPF = 2.5
SWEDISH_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäöé"


def english_engine() -> SpellingEngine:
    """pyspellchecker's English frequency dictionary and letter set."""
    from spellchecker import SpellChecker

    frequency = SpellChecker(language="en").word_frequency
    return SpellingEngine(
        frequency.dictionary, "".join(sorted(frequency.letters)), prefer_accent_variants=True
    )


def swedish_engine(min_zipf: float = SWEDISH_MIN_ZIPF) -> SpellingEngine:
    """wordfreq's Swedish list: alphabetic words at or above `min_zipf`, as integer counts."""
    from wordfreq import get_frequency_dict

    min_frequency = 10 ** (min_zipf - 9)
    allowed = set(SWEDISH_ALPHABET)
    counts = {
        word: int(freq * 1e9)
        for word, freq in get_frequency_dict("sv").items()
        if freq >= min_frequency and len(word) > 1 and set(word) <= allowed
    }
    return SpellingEngine(counts, SWEDISH_ALPHABET, compounds=True)


_BUILDERS = {Language.ENGLISH: english_engine, Language.SWEDISH: swedish_engine}


def load_checker(language: Language | str) -> TextCorrector:
    """A text corrector for a language; build it once per process and reuse it."""
    return TextCorrector(_BUILDERS[Language(language)]())


def load_all() -> dict[Language, TextCorrector]:
    """Every supported language, built once at worker start."""
    return {language: load_checker(language) for language in _BUILDERS}
