"""Whole-text correction: tokenise, decide which words may be touched, splice in corrections.

Only the characters of a corrected word change; everything between words is copied from the
original text, so a text with nothing to correct comes back byte-identical. For a word the
checker does not know: a capitalised one goes to the name judge (`names.py`), and the
candidates are chosen with the neighbouring words where the language has a context model
(`context.py`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeGuard

from services.spell_checker_service.names import NameJudge, in_title_line
from services.spell_checker_service.tokenizer import (
    CURLY_APOSTROPHE,
    WordToken,
    is_checkable,
    iter_words,
    match_case,
)

# English clitics after an apostrophe: "don't", "we'll", "Anna's" are fine when the stem is.
_CLITICS = frozenset({"s", "t", "ll", "ve", "re", "d", "m"})
# How many distinct word forms a corrector remembers as "never changed" (about 10 MB).
_UNCHANGED_LIMIT = 100_000


# The neighbour of a word, looked for within a few characters and not across a sentence end.
# The previous one is read backwards: reversed, the text before a word starts with the
# separators and then that word, so one anchored match finds it (searching forwards for a word
# at the window's end tried every position in the window: ~10 us a word, ~1 us now).
_PREVIOUS_WORD_REVERSED = re.compile(r"[\s,;:\"'\u201d()-]*((?:[^\W\d_]+['\u2019])*[^\W\d_]+)")
_NEXT_WORD = re.compile(r"[\s,;:\"'\u201c()-]*([^\W\d_]+(?:['\u2019][^\W\d_]+)*)")
_NEIGHBOUR_REACH = 40


class WordChecker(Protocol):
    """What the corrector needs from an engine: lowercase word in, correction or None out."""

    def known(self, word: str) -> bool: ...

    def correction(self, word: str) -> str | None: ...


class LexiconChecker(WordChecker, Protocol):
    """An engine with a lexicon of lowercase words it never corrects (its ranked words)."""

    def lexicon(self) -> Mapping[str, int]: ...


class PreparingChecker(WordChecker, Protocol):
    """An engine that can be told a text's words before it is asked about them one by one."""

    def prepare(self, words: Iterable[str]) -> None: ...


class RankingChecker(WordChecker, Protocol):
    """An engine that also exposes its ranked candidates and its error model."""

    def suggestions(self, word: str) -> tuple[tuple[str, float], ...]: ...

    def frequency(self, word: str) -> int: ...

    def cost(self, word: str, candidate: str) -> float: ...


class ContextModel(Protocol):
    """Chooses among ranked candidates with the previous and the following word."""

    def choose(
        self,
        ranked: Sequence[tuple[str, float]],
        previous: str | None,
        following: str | None,
        frequency: Callable[[str], int],
    ) -> str: ...


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
    """Corrects whole texts in one language with one word checker.

    With a `names` judge, capitalised words are checked too, and kept when the evidence says
    name; without one (a bare word checker, as in the benchmark's pyspellchecker run), a
    capitalised word inside a sentence is taken for a name, the old rule.
    """

    def __init__(
        self,
        checker: WordChecker,
        *,
        names: NameJudge | None = None,
        context: ContextModel | None = None,
    ) -> None:
        self.checker = checker
        self._names = names
        self._context = context
        # Word forms (as written) the checker knows or can do nothing with, wherever they
        # stand: the tokenizer skips them before any context work (most words of an essay).
        # A word kept as a name is not among them: the evidence is the text's own.
        self._unchanged: set[str] = set()
        # Lowercase words the checker leaves alone by definition (its lexicon): the tokenizer
        # skips them on sight, so a cold corrector does not send each common word once
        # through the whole path before remembering it as unchanged.
        self._known: Container[str] = checker.lexicon() if _has_lexicon(checker) else frozenset()

    def clear_caches(self) -> None:
        """Forget the word forms remembered as unchanged and the engine's memoised answers,
        so the next texts pay the full cost (benchmarks measure a cold process with it)."""
        self._unchanged.clear()
        clear = getattr(self.checker, "clear_caches", None)
        if callable(clear):
            clear()

    def correct(self, text: str) -> CheckResult:
        """Correct every misspelled word of `text`; keep everything else as it is."""
        pieces: list[str] = []
        corrections: list[Correction] = []
        cursor = 0
        unchanged = self._unchanged
        names_judged = self._names is not None
        tokens = [
            token
            for token in iter_words(text, skip=unchanged, known=self._known)
            if is_checkable(token, names_judged=names_judged)
        ]
        if tokens and _prepares(self.checker):
            # All of the text's words first: the checker may batch its slow calls.
            self.checker.prepare([_lookup_key(token.text) for token in tokens])
        for token in tokens:
            if token.text in unchanged:  # an earlier occurrence was left alone
                continue
            replacement = self._replacement(token, text)
            if replacement is None:
                continue
            fixed = match_case(token.text, replacement)
            if fixed == token.text:
                continue
            pieces.append(text[cursor : token.start])
            pieces.append(fixed)
            cursor = token.end
            corrections.append(Correction(token.text, fixed, token.start, token.end))
        if not corrections:
            return CheckResult(text, ())
        pieces.append(text[cursor:])
        return CheckResult("".join(pieces), tuple(corrections))

    def _replacement(self, token: WordToken, text: str) -> str | None:
        """The lowercase replacement for a token, or None to leave it."""
        word = token.text
        key = _lookup_key(word)
        if "'" in key and self._is_fine_contraction(key):
            self._remember_unchanged(word)
            return None
        correction = self.checker.correction(key)
        if correction is None:
            self._remember_unchanged(word)
            return None
        checker = self.checker
        if self._context is not None and _ranks(checker):
            ranked = checker.suggestions(key)
            if ranked and ranked[0][0] == correction:
                previous, following = _neighbours(text, token)
                correction = self._context.choose(ranked, previous, following, checker.frequency)
        if word[0].isupper() and self._names is not None and _ranks(checker):
            free = token.sentence_start or in_title_line(text, token.start)
            if self._names.keep_as_name(word, correction, checker, text=text, free_capital=free):
                return None
        return correction

    def _remember_unchanged(self, word: str) -> None:
        if len(self._unchanged) < _UNCHANGED_LIMIT:
            self._unchanged.add(word)

    def _is_fine_contraction(self, key: str) -> bool:
        """Known as a whole (it's, o'clock) or a known stem with a usual clitic (we'll)."""
        if self.checker.known(key):
            return True
        stem, _, clitic = key.rpartition("'")
        return clitic in _CLITICS and self.checker.known(stem)


def _lookup_key(word: str) -> str:
    """The form a word is looked up in: NFC lowercase, straight apostrophes."""
    return unicodedata.normalize("NFC", word.lower()).replace(CURLY_APOSTROPHE, "'")


def _prepares(checker: WordChecker) -> TypeGuard[PreparingChecker]:
    return hasattr(checker, "prepare")


def _has_lexicon(checker: WordChecker) -> TypeGuard[LexiconChecker]:
    return hasattr(checker, "lexicon")


def _ranks(checker: WordChecker) -> TypeGuard[RankingChecker]:
    return hasattr(checker, "suggestions")


def _neighbours(text: str, token: WordToken) -> tuple[str | None, str | None]:
    """The lowercase words just before and after `token` in the same sentence, if any."""
    previous = None
    if not token.sentence_start:
        window = text[max(0, token.start - _NEIGHBOUR_REACH) : token.start][::-1]
        before = _PREVIOUS_WORD_REVERSED.match(window)
        previous = before.group(1)[::-1].lower() if before else None
    after = _NEXT_WORD.match(text, token.end, token.end + _NEIGHBOUR_REACH)
    following = after.group(1).lower() if after else None
    return previous, following
