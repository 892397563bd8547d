"""The correction engine: pyspellchecker's ranking over a precomputed deletes index.

pyspellchecker picks, for an unknown word, the most frequent known word at edit distance 1,
else at distance 2, generating every distance-2 edit (~10^5 strings per word). We keep that
exact ranking and the same frequency dictionary, but find distance-2 candidates through an
index of each dictionary word's single-character deletes, which costs a few thousand dict
lookups instead — plus a per-process cache, since essays repeat their words.
"""

from __future__ import annotations

import unicodedata
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

    def __init__(
        self,
        frequencies: Mapping[str, int],
        alphabet: str,
        compounds: bool = False,
        prefer_accent_variants: bool = False,
    ) -> None:
        self._freq = dict(frequencies)
        self._alphabet = alphabet
        self._compounds = compounds
        # pyspellchecker lets a candidate that differs only in accents win ("pere" -> "père").
        # Right for English; wrong for Swedish, where å, ä and ö are letters, not accents.
        self._prefer_accent_variants = prefer_accent_variants
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

    def _best(self, word: str, candidates: Iterable[str]) -> str | None:
        """The most frequent known candidate (ties: the alphabetically last, deterministic)."""
        known = [c for c in candidates if c in self._freq]
        if not known:
            return None
        if self._prefer_accent_variants:
            plain = _without_accents(word)
            known = [c for c in known if _without_accents(c) == plain] or known
        return max(known, key=lambda c: (self._freq[c], c))

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
        best = self._best(word, edits1) or self._best(word, self._distance2(word, edits1))
        return best if best != word else None


def _without_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _within_two(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 2, i.e. reachable by at most two edits in sequence.

    pyspellchecker applies two edits one after another, which may insert or delete a letter
    between two transposed ones ("trxem" -> "term"); optimal string alignment would call that
    distance 3 and lose the candidate, so this is the unrestricted (Lowrance-Wagner) distance.
    A common prefix and suffix never change it, and stripping them keeps the table tiny.
    """
    if abs(len(a) - len(b)) > 2:
        return False
    prefix = 0
    while prefix < len(a) and prefix < len(b) and a[prefix] == b[prefix]:
        prefix += 1
    a, b = a[prefix:], b[prefix:]
    suffix = 0
    while suffix < len(a) and suffix < len(b) and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    a, b = a[: len(a) - suffix], b[: len(b) - suffix]
    if len(a) <= 2 and len(b) <= 2:
        return True  # any two strings of at most two letters are two edits apart
    return _damerau_levenshtein(a, b) <= 2


def _damerau_levenshtein(a: str, b: str) -> int:
    """Lowrance-Wagner: edits may touch letters between a transposed pair."""
    beyond = len(a) + len(b)
    # Row/column 0 hold the "infinite" sentinel; row/column 1 the empty-prefix distances.
    table = [[beyond] * (len(b) + 2)]
    table += [[beyond, i] + [0] * len(b) for i in range(len(a) + 1)]
    table[1] = [beyond, *range(len(b) + 1)]
    last_row_of: dict[str, int] = {}
    for i in range(1, len(a) + 1):
        last_match_col = 0
        for j in range(1, len(b) + 1):
            k = last_row_of.get(b[j - 1], 0)
            col = last_match_col
            if a[i - 1] == b[j - 1]:
                cost = 0
                last_match_col = j
            else:
                cost = 1
            table[i + 1][j + 1] = min(
                table[i][j] + cost,
                table[i + 1][j] + 1,
                table[i][j + 1] + 1,
                table[k][col] + (i - k - 1) + 1 + (j - col - 1),
            )
        last_row_of[a[i - 1]] = i
    return table[-1][-1]


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
