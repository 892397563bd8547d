"""Edit distances of at most two, as pyspellchecker counts them, without a full alignment.

The engine asks, for each candidate the deletes index offers, whether it is really one or two
edits away; these checks walk the common prefix and compare the rest once, which is much
cheaper than a dynamic-programming table for the handful of candidates a typo has.
"""

from __future__ import annotations


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
    index (probe depth + entry depth)."""
    if bound <= 1:
        return 1
    if one_edit_apart(word, candidate):
        return 1
    if bound == 2:
        return 2
    return 2 if within_two(word, candidate) else 3


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


def _at_most_one(a: str, b: str) -> bool:
    return a == b or one_edit_apart(a, b)


def within_two(a: str, b: str) -> bool:
    """Lowrance-Wagner (unrestricted Damerau-Levenshtein) distance <= 2.

    pyspellchecker applies two edits one after another, which may insert or delete a letter
    between two transposed ones ("trxem" -> "term"); optimal string alignment would call that
    distance 3. After the common prefix, the first differing letters must take part in one
    edit: a replace, an insert, a delete, a swap, or a swap with one letter between; the rest
    must then be at most one edit apart.
    """
    if abs(len(a) - len(b)) > 2:
        return False
    i = 0
    shortest = min(len(a), len(b))
    while i < shortest and a[i] == b[i]:
        i += 1
    a, b = a[i:], b[i:]
    if not a or not b:
        return len(a) + len(b) <= 2
    if _at_most_one(a[1:], b[1:]) or _at_most_one(a[1:], b) or _at_most_one(a, b[1:]):
        return True
    if len(a) > 1 and len(b) > 1 and a[0] == b[1] and a[1] == b[0] and _at_most_one(a[2:], b[2:]):
        return True
    if len(a) > 2 and len(b) > 1 and a[0] == b[1] and a[2] == b[0] and a[3:] == b[2:]:
        return True
    return len(b) > 2 and len(a) > 1 and b[0] == a[1] and b[2] == a[0] and b[3:] == a[2:]
