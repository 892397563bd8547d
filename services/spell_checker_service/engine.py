"""The word engine: candidates from a precomputed single-deletes index, ranked by a noisy channel.

pyspellchecker picks, for an unknown word, the most frequent known word at edit distance 1,
else at distance 2, and finds distance-2 words by generating every edit of every edit (~10^5
strings for a nine-letter word). We find the same candidate sets by probing an index from each
dictionary word's one-letter deletes with a few thousand strings derived from the misspelling,
keep the probes' hits that really are one or two edits away, and rank all of them together by
frequency and the error model's cost (`error_model.py`). A per-process cache answers repeated
words at once.

Why the probes find everything (w a dictionary word two edits from x, none one edit away):
- w two letters shorter: w is a double delete of x, looked up directly;
- one shorter: w and some delete d of x are one replace/transpose apart, so they share a
  delete (a double delete of x) -> index;
- the same length, a delete plus an insert: w minus one letter is a delete of x -> index;
- the same length, two replaces/transposes: w minus one letter is a replace or transpose of a
  delete of x, or a delete of a transpose of x -> index;
- one or two longer: w minus one letter is a replace/transpose/insert of x -> index.
The unit tests check this against brute force (edits of edits) on random misspellings.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from functools import lru_cache
from types import MappingProxyType

from services.spell_checker_service.error_model import edit_cost

# How much one unit of error cost weighs against a factor of ten in frequency (chosen on
# Norvig's development set, spell-testset1, and the Swedish tuning list; see docs/spellcheck.md).
ERROR_WEIGHT = 3.5
# Two-edit candidates are looked for only when no one-edit candidate scores this well: the
# two-edit search costs ~10 ms a word in Python, the one-edit one ~0.1 ms. 2.0 is the lowest
# level that loses nothing on the development sets (Norvig's testset1, the Swedish tuning list).
TWO_EDITS_BELOW = 2.0
# How many ranked candidates a word keeps for the context model to choose from.
SUGGESTIONS = 8

# The index maps a delete to its one word (most deletes have exactly one) or a tuple of words:
# a str value costs a third of a list's memory on 1.3 million English keys.
_Index = dict[str, str | tuple[str, ...]]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _transposes(word: str) -> set[str]:
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}


def _replaces(word: str, alphabet: str) -> set[str]:
    return {word[:i] + c + word[i + 1 :] for i in range(len(word)) for c in alphabet}


def edits1(word: str, alphabet: str) -> set[str]:
    """Every string one delete, transpose, replace or insert away (Norvig's edits1)."""
    inserts = {word[:i] + c + word[i:] for i in range(len(word) + 1) for c in alphabet}
    return _deletes(word) | _transposes(word) | _replaces(word, alphabet) | inserts


def build_deletes_index(words: Iterable[str]) -> _Index:
    """Map every one-letter delete of every word to the word(s) it came from."""
    index: _Index = {}
    for word in words:
        for deleted in _deletes(word):
            held = index.get(deleted)
            if held is None:
                index[deleted] = word
            elif isinstance(held, str):
                if held != word:
                    index[deleted] = (held, word)
            elif word not in held:
                index[deleted] = (*held, word)
    return index


class SpellingEngine:
    """Known-word lookup and ranked corrections for single lowercase words of one language.

    Candidates are the dictionary words at most two edits away (found through the deletes
    index); they are ranked by a noisy channel: log10(frequency) - error_weight * the error
    model's cost of the edits (`error_model.edit_cost`), so a common word reached by a cheap,
    typical slip beats a rare word one arbitrary edit away.
    """

    def __init__(
        self,
        frequencies: Mapping[str, int],
        alphabet: Collection[str],
        *,
        extra_known: Callable[[str], bool] | None = None,
        override_frequency: int | None = None,
        prefer_accent_variants: bool = False,
        error_weight: float = ERROR_WEIGHT,
        cache_size: int = 200_000,
    ) -> None:
        self._freq = dict(frequencies)
        self._alphabet = "".join(sorted(set(alphabet)))
        # Words no list holds but the language's spelling dictionary accepts (compounds,
        # rare inflections): known, never suggested.
        self._extra_known = extra_known
        # A word known only that way yet one edit from a word this frequent is far more often
        # that word misspelled (`tilbaka` for tillbaka): the frequent word wins.
        self._override_frequency = override_frequency
        # pyspellchecker lets a candidate that differs only in accents win ("pere" -> "père").
        # Right for English; wrong for Swedish, where å, ä and ö are letters, not accents.
        self._prefer_accent_variants = prefer_accent_variants
        self._error_weight = error_weight
        self._index = build_deletes_index(self._freq)
        self._log_freq: dict[str, float] = {}
        self.suggestions = lru_cache(maxsize=cache_size)(self._suggestions)
        self.correction = lru_cache(maxsize=cache_size)(self._correction)

    def __len__(self) -> int:
        return len(self._freq)

    @property
    def index_size(self) -> int:
        """Number of distinct deletes in the index (for start-up figures)."""
        return len(self._index)

    def lexicon(self) -> Mapping[str, int]:
        """The ranked lexicon, word -> count, read-only (a benchmark hands a reference checker
        the same words through it)."""
        return MappingProxyType(self._freq)

    def clear_caches(self) -> None:
        """Forget memoised corrections and suggestions, so the next calls pay the full cost."""
        self.correction.cache_clear()
        self.suggestions.cache_clear()

    def frequency(self, word: str) -> int:
        """The word's count in the ranked lexicon (0 when it is not in it)."""
        return self._freq.get(word, 0)

    def known(self, word: str) -> bool:
        """In the ranked lexicon, or accepted by the language's spelling dictionary."""
        return word in self._freq or (self._extra_known is not None and self._extra_known(word))

    def candidates(self, word: str) -> set[str]:
        """The words pyspellchecker would choose from: itself if known, else the known words
        one edit away, else those two edits away (empty when there are none)."""
        if word in self._freq:
            return {word}
        return self._distance1(word) or self._distance2(word, edits1(word, self._alphabet))

    def _correction(self, word: str) -> str | None:
        """The replacement for a lowercase word, or None when it is known or hopeless."""
        if word in self._freq:
            return None
        if self._extra_known is not None and self._extra_known(word):
            if self._override_frequency is None:
                return None
            common = self._override_frequency
            near = {w for w in self._distance1(word) if self._freq[w] >= common}
            ranked = self._rank(word, near)
            return ranked[0][0] if ranked else None
        ranked = self.suggestions(word)
        return ranked[0][0] if ranked else None

    def _suggestions(self, word: str) -> tuple[tuple[str, float], ...]:
        """Up to SUGGESTIONS dictionary words within two edits, best first, with their scores
        (log10 frequency minus the weighted error cost); empty for a known word."""
        if word in self._freq:
            return ()
        near = self._distance1(word)
        ranked = self._rank(word, near)
        if not ranked or ranked[0][1] < TWO_EDITS_BELOW:
            near |= self._distance2(word, edits1(word, self._alphabet))
            ranked = self._rank(word, near)
        return ranked[:SUGGESTIONS]

    def cost(self, word: str, candidate: str) -> float:
        """The error model's cost of writing `word` for `candidate`."""
        return edit_cost(word, candidate)

    def _rank(self, word: str, candidates: set[str]) -> tuple[tuple[str, float], ...]:
        pool = list(candidates)
        if self._prefer_accent_variants:
            plain = _without_accents(word)
            pool = [c for c in pool if _without_accents(c) == plain] or pool
        weight = self._error_weight
        scored = [(c, self._log_frequency(c) - weight * edit_cost(word, c)) for c in pool]
        # Ties: the alphabetically last, to be deterministic.
        scored.sort(key=lambda pair: (pair[1], pair[0]), reverse=True)
        return tuple(scored)

    def _log_frequency(self, word: str) -> float:
        value = self._log_freq.get(word)
        if value is None:
            value = self._log_freq[word] = math.log10(self._freq[word])
        return value

    def _distance1(self, word: str) -> set[str]:
        """Dictionary words one edit from `word`: pyspellchecker's known(edits1(word)).

        A delete of `word` is looked up directly; a word with one more letter has `word` as
        a delete; a replace or a transpose shares a delete with `word` -> n+1 index probes
        instead of generating ~50n edits.
        """
        deletes = _deletes(word)
        found = {d for d in deletes if d in self._freq}
        found |= self._indexed(word, *deletes)
        found.discard(word)
        return {w for w in found if one_edit_apart(word, w)}

    def _distance2(self, word: str, edits1: set[str]) -> set[str]:
        """Dictionary words exactly two edits from `word` (see the module docstring)."""
        deletes1 = _deletes(word)
        deletes2: set[str] = set()
        for deleted in deletes1:
            deletes2 |= _deletes(deleted)
        found = {w for w in deletes2 if w in self._freq}
        probes = deletes1 | deletes2 | edits1
        for deleted in deletes1:
            probes |= _replaces(deleted, self._alphabet)
            probes |= _transposes(deleted)
        for transposed in _transposes(word):
            probes |= _deletes(transposed)
        found |= self._indexed(*probes)
        found.discard(word)
        return {w for w in found if _within_two(word, w)}

    def _indexed(self, *probes: str) -> set[str]:
        """Dictionary words the deletes index holds under any of `probes`."""
        found: set[str] = set()
        index = self._index
        for probe in probes:
            held = index.get(probe)
            if held is None:
                continue
            if isinstance(held, str):  # one word is stored bare, to save memory
                found.add(held)
            else:
                found.update(held)
        return found


def one_edit_apart(a: str, b: str) -> bool:
    """One insert, delete, replace or adjacent transpose apart (and not equal)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    replaced = a[i + 1 :] == b[i + 1 :]
    swapped = a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :]
    return replaced or swapped


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
