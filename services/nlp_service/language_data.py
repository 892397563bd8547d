"""Language data from installed packages (no download): wordfreq's frequency lists and
textstat's syllable count. Loaded once per process, before the worker takes messages: English
syllables need CMUdict in memory (seconds to load), which the first essay should not wait for.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from common_core.enums import Language
from services.nlp_service.domain import LanguageData, fold
from services.nlp_service.segmentation import WORD

COMMON_WORDS = 5_000


class LanguageTable(dict[Language, LanguageData]):
    """Each supported language's data (its own type, so the DI container can provide it)."""


# textstat's locale for Flesch's English; Swedish has no Flesch reading ease (DESIGN).
_TEXTSTAT_ENGLISH = "en_US"


def most_frequent_words(language: Language, count: int = COMMON_WORDS) -> frozenset[str]:
    """The `count` most frequent words of wordfreq's list for the language, case-folded.

    wordfreq's list also holds digits and abbreviations with dots ("t.ex", "u.s"); only its
    entries that are one word by our definition count towards the `count`.
    """
    from wordfreq import iter_wordlist

    words: list[str] = []
    for entry in iter_wordlist(language.value):
        if WORD.fullmatch(entry):
            words.append(fold(entry))
            if len(words) == count:
                break
    return frozenset(words)


def english_syllable_counter() -> Callable[[str], int]:
    """textstat's syllable count of one word (CMUdict, else Pyphen's hyphenation + 1), cached.

    A private textstat instance pinned to en_US, so nothing that sets textstat's global
    language can change our count.
    """
    from textstat.textstat import textstatistics

    counter = textstatistics()
    counter.set_lang(_TEXTSTAT_ENGLISH)

    @lru_cache(maxsize=100_000)
    def syllables(word: str) -> int:
        return int(counter.syllable_count(word))

    syllables("warm")  # loads CMUdict now, not on the first essay
    return syllables


def load_language_data() -> LanguageTable:
    """Every supported language's data, built once when the worker starts."""
    return LanguageTable(
        {
            Language.ENGLISH: LanguageData(
                most_frequent_words(Language.ENGLISH), english_syllable_counter()
            ),
            Language.SWEDISH: LanguageData(most_frequent_words(Language.SWEDISH)),
        }
    )
