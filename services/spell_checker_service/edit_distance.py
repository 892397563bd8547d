"""Edit distances of at most two, as pyspellchecker counts them.

The engine asks, for each candidate the deletes index offers, whether it is really one or two
edits away. pyspellchecker applies two edits one after another, which may insert or delete a
letter between two transposed ones ("trxem" -> "term"): that is the unrestricted
Damerau-Levenshtein (Lowrance-Wagner) distance, which rapidfuzz computes in compiled code,
stopping early past the cutoff (~0.5 us a pair where the Python checks took 3-25 us).
"""

from __future__ import annotations

from rapidfuzz.distance import DamerauLevenshtein

# (word, candidate, *, score_cutoff): the distance, or score_cutoff + 1 when beyond it.
damerau_distance = DamerauLevenshtein.distance


def edits1(word: str, alphabet: str) -> set[str]:
    """Every string one delete, transpose, replace or insert away (Norvig's edits1: what
    pyspellchecker searches; tests generate typos with it)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes_ = {left + right[1:] for left, right in splits if right}
    swaps = {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    replaces = {left + c + right[1:] for left, right in splits if right for c in alphabet}
    inserts = {left + c + right for left, right in splits for c in alphabet}
    return deletes_ | swaps | replaces | inserts


def bounded_distance(word: str, candidate: str, bound: int) -> int:
    """The edit distance when at most two (3 meaning more), given an upper bound from the
    index (probe depth + entry depth; 1 needs no check)."""
    if bound <= 1:
        return 1
    return damerau_distance(word, candidate, score_cutoff=2)


def one_edit_apart(a: str, b: str) -> bool:
    """One insert, delete, replace or adjacent transpose apart (and not equal)."""
    shorter, longer = len(a), len(b)
    if shorter > longer:
        a, b, shorter, longer = b, a, longer, shorter
    if longer - shorter > 1 or a == b:
        return False
    i = 0
    while i < shorter and a[i] == b[i]:
        i += 1
    if shorter < longer:
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:
        return True  # one replace
    swap = i + 1 < shorter and a[i] == b[i + 1] and a[i + 1] == b[i]
    return swap and a[i + 2 :] == b[i + 2 :]
