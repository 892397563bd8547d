"""Is a capitalised word the checker does not know a name, or a misspelling?

Capitalisation alone says little: a heading in title case, a sentence's first word and a
capitalised slip (`the Libary was closed`) are capitalised too, and a student's friend may be
called something no list holds. The evidence, in order:

1. a names list: the proper nouns of both languages' Hunspell dictionaries (first names,
   surnames, places: `Lindqvist`, `Åsa`, `Aaron`), checked in both languages because Swedish
   essays mention English names and the other way round, plus wordfreq words that Hunspell
   accepts only capitalised (`anna`, `stockholm`);
2. the shape of the error: a misspelling's lowercase form is one edit (or one cheap, typical
   slip) from a frequent word; a name usually is not. One slip from a very common word
   (`Libary`) is a misspelling even when it recurs;
3. the text's own repetitions: a name recurs with the same spelling, a slip rarely does.

At a sentence start or in a title-case line (a heading) capitalisation carries no evidence, so
a cheaper or rarer correction is enough; inside a sentence the correction must be one edit from
a frequent word.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Protocol

# Counts in the engine's scale (wordfreq frequency x 1e9): zipf 4.5, 3.5 and 2.5.
CLEAR_SLIP_MIN_COUNT = 31_623
MID_SENTENCE_MIN_COUNT = 3_162
SENTENCE_START_MIN_COUNT = 316
# A correction at a sentence start or in a heading may take a few cheap slips (<= 1.4 cost).
SENTENCE_START_MAX_COST = 1.4
# Share of a line's longer words that are capitalised for the line to be a title-case heading.
_TITLE_SHARE = 0.75
_TITLE_MAX_WORDS = 14
_LINE_WORD = re.compile(r"[^\W\d_]+")


class SpellingDictionary(Protocol):
    """A Hunspell dictionary: does it accept this word as written?"""

    def spell(self, word: str) -> bool: ...


class Ranker(Protocol):
    """What the name judge asks of an engine."""

    def frequency(self, word: str) -> int: ...

    def cost(self, word: str, candidate: str) -> float: ...


class NameJudge:
    """Decides whether a capitalised unknown word is a name to keep."""

    def __init__(self, dictionaries: Sequence[SpellingDictionary], names: Collection[str]) -> None:
        self._dictionaries = tuple(dictionaries)
        self._names = names

    def listed(self, word: str) -> bool:
        """In a names list: a Hunspell proper noun in either language, or a known name."""
        key = word.lower()
        if key in self._names:
            return True
        return any(dictionary.spell(word) for dictionary in self._dictionaries)

    def keep_as_name(
        self,
        word: str,
        correction: str,
        ranker: Ranker,
        *,
        text: str,
        free_capital: bool,
    ) -> bool:
        """True when `word` (capitalised, unknown) is better left as a name than corrected to
        `correction`. `free_capital`: at a sentence start or in a title-case line."""
        if self.listed(word):
            return True
        key = word.lower()
        frequency = ranker.frequency(correction)
        cost = ranker.cost(key, correction)
        if frequency >= CLEAR_SLIP_MIN_COUNT and cost <= 1.0:
            return False  # one slip from a very common word, however often it recurs
        if _occurrences(text, word) >= 2:
            return True
        if free_capital:
            return not (frequency >= SENTENCE_START_MIN_COUNT and cost <= SENTENCE_START_MAX_COST)
        return not (frequency >= MID_SENTENCE_MIN_COUNT and cost <= 1.0)


def _occurrences(text: str, word: str) -> int:
    return len(re.findall(rf"(?<!\w){re.escape(word)}(?!\w)", text))


def in_title_line(text: str, position: int) -> bool:
    """Whether the line holding `position` looks like a title-case heading: short, not ended
    by a full stop, and most of its longer words capitalised ("My Summer At The Libary")."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    line = text[start : end if end != -1 else len(text)].strip()
    if not line or line[-1] in ".!?,;":
        return False
    words: list[str] = _LINE_WORD.findall(line)
    longer = [w for w in words if len(w) > 3]
    if len(words) > _TITLE_MAX_WORDS or len(longer) < 2:
        return False
    capitalised = sum(1 for w in longer if w[0].isupper())
    return capitalised / len(longer) >= _TITLE_SHARE
