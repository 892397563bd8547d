"""The correction engine: pyspellchecker's ranking over a precomputed deletes index.

pyspellchecker picks, for an unknown word, the most frequent known word at edit distance 1,
else at distance 2, generating every distance-2 edit (~10^5 strings per word). We keep that
exact ranking and the same frequency dictionary, but find distance-2 candidates through an
index of each dictionary word's single-character deletes, which costs a few thousand dict
lookups instead — plus a per-process cache, since essays repeat their words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from services.spell_checker_service.tokenizer import is_checkable, iter_words, match_case


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _edits1(word: str, alphabet: str) -> set[str]:
    """Every string one delete, transpose, replace or insert away (Norvig's edits1)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in alphabet]
    inserts = [a + c + b for a, b in splits for c in alphabet]
    return set(deletes + transposes + replaces + inserts)


class SpellingEngine:
    """Known-word lookup and best correction for single lowercase words."""

    def __init__(self, frequencies: Mapping[str, int], alphabet: str, compounds: bool = False):
        self._freq = dict(frequencies)
        self._alphabet = alphabet
        self._compounds = compounds
        index: defaultdict[str, list[str]] = defaultdict(list)
        for word in self._freq:
            for deleted in _deletes(word):
                index[deleted].append(word)
        self._deletes_index = dict(index)
        self.correction = lru_cache(maxsize=200_000)(self._correction)

    def __len__(self) -> int:
        return len(self._freq)

    def known(self, word: str) -> bool:
        """In the dictionary, or (for compounding languages) two dictionary words joined."""
        return word in self._freq or (self._compounds and self._is_compound(word))

    def _is_compound(self, word: str) -> bool:
        # Swedish writes compounds as one word (sommarlovet = sommar + lovet), far more than
        # any frequency list holds; parts of 3+ letters, with an optional linking "s".
        for i in range(3, len(word) - 2):
            head, tail = word[:i], word[i:]
            if tail in self._freq and (
                head in self._freq or (head[-1] == "s" and head[:-1] in self._freq)
            ):
                return True
        return False

    def _best(self, candidates: Iterable[str]) -> str | None:
        known = [c for c in candidates if c in self._freq]
        return max(known, key=lambda c: (self._freq[c], c)) if known else None

    def _distance2(self, word: str, edits1: set[str]) -> set[str]:
        """Dictionary words two edits from `word`, via the deletes index (see module doc)."""
        found: set[str] = set()
        for edit in edits1:
            for probe in (edit, *_deletes(edit)):
                if probe in self._freq:
                    found.add(probe)
                found.update(self._deletes_index.get(probe, ()))
        return {w for w in found if _within_two(word, w)}

    def _correction(self, word: str) -> str | None:
        """The replacement for a lowercase word, or None when it is known or hopeless."""
        if self.known(word):
            return None
        edits1 = _edits1(word, self._alphabet)
        best = self._best(edits1) or self._best(self._distance2(word, edits1))
        return best if best != word else None


def _within_two(a: str, b: str) -> bool:
    """Optimal-string-alignment distance <= 2 (delete, insert, replace, adjacent transpose)."""
    if abs(len(a) - len(b)) > 2:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > 2:
            return False
        previous2, previous = previous, current
    return previous[-1] <= 2


@dataclass(frozen=True)
class Correction:
    """One corrected word: what was written, what it became, and where (character offsets)."""

    original: str
    corrected: str
    start: int
    end: int


@dataclass(frozen=True)
class CheckResult:
    """The corrected text and every correction made, in text order."""

    text: str
    corrections: list[Correction]


class TextCorrector:
    """Corrects whole texts: tokenises, skips what must be left alone, keeps everything else."""

    def __init__(self, engine: SpellingEngine) -> None:
        self.engine = engine

    def correct(self, text: str) -> CheckResult:
        pieces: list[str] = []
        corrections: list[Correction] = []
        cursor = 0
        for token in iter_words(text):
            if not is_checkable(token):
                continue
            replacement = self.engine.correction(token.text.lower())
            if replacement is None:
                continue
            fixed = match_case(token.text, replacement)
            pieces.append(text[cursor : token.start])
            pieces.append(fixed)
            cursor = token.end
            corrections.append(Correction(token.text, fixed, token.start, token.end))
        pieces.append(text[cursor:])
        return CheckResult("".join(pieces), corrections)
