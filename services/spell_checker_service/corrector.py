"""Whole-text correction: tokenise, decide which words may be touched, splice in corrections.

Only the characters of a corrected word change; everything between words is copied from the
original text, so a text with nothing to correct comes back byte-identical.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Protocol

from services.spell_checker_service.tokenizer import (
    CURLY_APOSTROPHE,
    is_checkable,
    iter_words,
    match_case,
)

# English clitics after an apostrophe: "don't", "we'll", "Anna's" are fine when the stem is.
_CLITICS = frozenset({"s", "t", "ll", "ve", "re", "d", "m"})
# How many distinct word forms a corrector remembers as "never changed" (about 10 MB).
_UNCHANGED_LIMIT = 100_000


class WordChecker(Protocol):
    """What the corrector needs from an engine: lowercase word in, correction or None out."""

    def known(self, word: str) -> bool: ...

    def correction(self, word: str) -> str | None: ...


@dataclass(frozen=True)
class Correction:
    """One corrected word: what was written, what it became, and where (character offsets)."""

    original: str
    corrected: str
    start: int
    end: int

    def as_log_entry(self) -> dict[str, str | int]:
        """The `{original, corrected, start, end}` entry of the stored corrections log."""
        return {
            "original": self.original,
            "corrected": self.corrected,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class CheckResult:
    """The corrected text and every correction made, in text order.

    Offsets are positions in the original text (Python string indices, i.e. code points).
    """

    text: str
    corrections: tuple[Correction, ...]


class TextCorrector:
    """Corrects whole texts in one language with one word checker."""

    def __init__(self, checker: WordChecker) -> None:
        self.checker = checker
        # Word forms (as written) the checker leaves as they are. Where a word stands only ever
        # prevents a correction (a name, a URL), so these are unchanged everywhere, and the
        # tokenizer skips them before any context work: most words of an essay are among them.
        self._unchanged: set[str] = set()

    def correct(self, text: str) -> CheckResult:
        """Correct every misspelled word of `text`; keep everything else as it is."""
        pieces: list[str] = []
        corrections: list[Correction] = []
        cursor = 0
        unchanged = self._unchanged
        for token in iter_words(text, skip=unchanged):
            if not is_checkable(token):
                continue
            replacement = self._replacement(token.text)
            fixed = token.text if replacement is None else match_case(token.text, replacement)
            if fixed == token.text:
                if len(unchanged) < _UNCHANGED_LIMIT:
                    unchanged.add(token.text)
                continue
            pieces.append(text[cursor : token.start])
            pieces.append(fixed)
            cursor = token.end
            corrections.append(Correction(token.text, fixed, token.start, token.end))
        if not corrections:
            return CheckResult(text, ())
        pieces.append(text[cursor:])
        return CheckResult("".join(pieces), tuple(corrections))

    def _replacement(self, word: str) -> str | None:
        key = unicodedata.normalize("NFC", word.lower()).replace(CURLY_APOSTROPHE, "'")
        if "'" in key and self._is_fine_contraction(key):
            return None
        return self.checker.correction(key)

    def _is_fine_contraction(self, key: str) -> bool:
        """Known as a whole (it's, o'clock) or a known stem with a usual clitic (we'll)."""
        if self.checker.known(key):
            return True
        stem, _, clitic = key.rpartition("'")
        return clitic in _CLITICS and self.checker.known(stem)
