"""How likely a typist is to have written `typed` when they meant `intended`.

The frequency-only ranking (pyspellchecker's) treats every edit alike, so a rare word one plain
replace away beats a common word whose only fault is a doubled letter. People do not err
uniformly: they double or undouble consonants (`begining`, `tommorow`), hit a neighbouring key
(`problam`), swap two letters (`recieve`), and confuse letters that sound alike (vowels with
vowels; `c`/`k`/`s`). Swedish learners writing English add their own: `w` for `v` and back
(`wery`, `vater`), `j` for `y` (`jes`), `s` for `z`, `sh` for `ch`, `e` for `ä`.

`edit_cost` is a weighted Damerau-Levenshtein distance (optimal string alignment) with those
edits cheaper than 1; the ranking turns cost into a penalty in log-frequency units. It and
`single_edit_cost` run in compiled code (`_edit_costs.c`, built by build_native.py; the same
algorithm, the same doubles: the same costs to the bit, ~20x faster) wherever that module was
built, else as the Python below.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from services.spell_checker_service.build_native import load

_native = load("_edit_costs")  # None where not built: the Python below runs

# Rows of the keyboard; a replacement by a key next to the intended one is a slip of the finger.
# Swedish layout: å after p, ö and ä after l (the English rows are the same letters without them).
_ROWS = ("qwertyuiopå", "asdfghjklöä", "zxcvbnm")
_VOWELS = frozenset("aeiouyåäöé")
# Letters that stand for the same or a close sound, in English spelling or for Swedish learners.
_SOUND_ALIKE = (
    "ck",
    "cs",
    "sz",
    "kq",
    "vw",
    "jy",
    "jg",
    "fv",
    "dt",
    "bp",
    "mn",
    "xz",
    "éeä",
    "åo",
    "äe",
    "öø",
)

DOUBLING = 0.45  # a letter doubled or a double letter written once
APOSTROPHE = 0.3  # an apostrophe left out or put in (`dont`, `its'`)
TRANSPOSE = 0.65
SOUND_ALIKE = 0.65
VOWEL = 0.7
VOWEL_CLUSTER = 0.7  # a vowel added to or dropped from a pair of vowels
NEIGHBOUR_KEY = 0.75
DEFAULT = 1.0
# The cheapest single edit, with and without apostrophes: a candidate d edits away costs at
# least d times this, which bounds its score before the weighted alignment is computed.
CHEAPEST_EDIT = min(APOSTROPHE, DOUBLING, TRANSPOSE, SOUND_ALIKE, VOWEL, VOWEL_CLUSTER)
CHEAPEST_LETTER_EDIT = min(DOUBLING, TRANSPOSE, SOUND_ALIKE, VOWEL, VOWEL_CLUSTER, NEIGHBOUR_KEY)


def _neighbours() -> dict[str, frozenset[str]]:
    near: dict[str, set[str]] = {}
    for r, row in enumerate(_ROWS):
        for c, key in enumerate(row):
            around = {row[c - 1] if c else "", row[c + 1] if c + 1 < len(row) else ""}
            for other in (r - 1, r + 1):  # the keys above and below, shifted half a key
                if 0 <= other < len(_ROWS):
                    around.update(_ROWS[other][max(0, c - 1) : c + 2])
            near[key] = around - {"", key}
    return {key: frozenset(keys) for key, keys in near.items()}


_NEAR_KEYS = _neighbours()
_ALIKE = {(a, b) for group in _SOUND_ALIKE for a in group for b in group if a != b}


@lru_cache(maxsize=4096)
def replace_cost(typed: str, intended: str) -> float:
    """The cost of writing `typed` where `intended` belongs (a single letter each)."""
    if (typed, intended) in _ALIKE:
        return SOUND_ALIKE
    if typed in _VOWELS and intended in _VOWELS:
        return VOWEL
    if typed in _NEAR_KEYS.get(intended, ()):
        return NEIGHBOUR_KEY
    return DEFAULT


# replace_cost as a table of the pairs cheaper than DEFAULT (the alignment's inner loop).
_LETTERS = set("".join(_ROWS)) | _VOWELS | {c for group in _SOUND_ALIKE for c in group}
_REPLACE_COST = {
    (typed, intended): replace_cost(typed, intended)
    for typed in _LETTERS
    for intended in _LETTERS
    if typed != intended and replace_cost(typed, intended) < DEFAULT
}


def python_edit_cost(typed: str, intended: str) -> float:
    """The cheapest sequence of weighted edits turning `intended` into `typed`.

    Insertions that repeat a neighbouring letter and deletions of one letter of a pair cost
    DOUBLING; replacements cost by `replace_cost`; adjacent swaps TRANSPOSE; the rest 1.
    """
    if typed == intended:
        return 0.0
    # A common prefix and suffix never change the cost (and the table stays tiny); keep one
    # letter of context on each side so doubling next to the cut is still recognised.
    start = 0
    while start < len(typed) and start < len(intended) and typed[start] == intended[start]:
        start += 1
    start = max(0, start - 1)
    end = 0
    while (
        end < len(typed) - start
        and end < len(intended) - start
        and typed[-1 - end] == intended[-1 - end]
    ):
        end += 1
    end = max(0, end - 1)
    a = typed[start : len(typed) - end]
    b = intended[start : len(intended) - end]
    return _weighted_osa(a, b)


def python_single_edit_cost(typed: str, intended: str) -> float:
    """`edit_cost` for two words one edit apart, without the alignment table.

    The one edit is found at the first differing letter (for a doubled letter that is the
    end of the run, where the doubling is recognised). A path of two or more edits costs at
    least twice the cheapest edit, so when this edit costs no more than that it is the
    answer; otherwise the table decides (`aab` for `abb`: two doublings beat one replace).
    """
    i = 0
    shortest = min(len(typed), len(intended))
    while i < shortest and typed[i] == intended[i]:
        i += 1
    if len(typed) > len(intended):
        cost = _insert_cost(typed, i)
    elif len(typed) < len(intended):
        cost = _delete_cost(intended, i)
    elif typed[i + 1 :] == intended[i + 1 :]:
        cost = _REPLACE_COST.get((typed[i], intended[i]), DEFAULT)
    else:
        cost = TRANSPOSE
    cheapest = CHEAPEST_EDIT if "'" in typed or "'" in intended else CHEAPEST_LETTER_EDIT
    if cost <= 2 * cheapest:
        return cost
    if (
        cheapest == CHEAPEST_LETTER_EDIT
        and cost < _NOT_TWO_DOUBLINGS
        and not (len(typed) == len(intended) and _has_double(typed) and _has_double(intended))
    ):
        # Below _NOT_TWO_DOUBLINGS only a path of two doublings can be cheaper than the one
        # edit: a letter put in beside its twin and one of a double left out, so the words
        # have the same length and each has a double letter. Not so here: no table needed
        # (it was half of all tables computed on essays).
        return cost
    return python_edit_cost(typed, intended)


# Among letter edits only DOUBLING is cheaper than SECOND_CHEAPEST; a path of two edits that
# are not both doublings, or of three edits, costs at least this.
_SECOND_CHEAPEST = min(TRANSPOSE, SOUND_ALIKE, VOWEL, VOWEL_CLUSTER, NEIGHBOUR_KEY)
_NOT_TWO_DOUBLINGS = min(DOUBLING + _SECOND_CHEAPEST, 3 * DOUBLING)


def _has_double(word: str) -> bool:
    return any(word[i] == word[i + 1] for i in range(len(word) - 1))


def _weighted_osa(a: str, b: str) -> float:
    # The insert and delete costs depend on one string only: computed once per letter, not
    # once per cell (this table runs for every candidate the ranking scores).
    inserts = [_insert_cost(a, i) for i in range(len(a))]
    deletes = [_delete_cost(b, j) for j in range(len(b))]
    replace = _REPLACE_COST
    previous = [0.0]
    for cost in deletes:
        previous.append(previous[-1] + cost)
    before_previous: list[float] = []
    for i, letter in enumerate(a, 1):
        insert = inserts[i - 1]
        row = [previous[0] + insert]
        for j, intended in enumerate(b, 1):
            if letter == intended:
                best = previous[j - 1]
            else:
                best = previous[j - 1] + replace.get((letter, intended), DEFAULT)
            if previous[j] + insert < best:
                best = previous[j] + insert
            if row[j - 1] + deletes[j - 1] < best:
                best = row[j - 1] + deletes[j - 1]
            if (
                i > 1
                and j > 1
                and letter == b[j - 2]
                and a[i - 2] == intended
                and letter != intended
                and before_previous[j - 2] + TRANSPOSE < best
            ):
                best = before_previous[j - 2] + TRANSPOSE
            row.append(best)
        before_previous, previous = previous, row
    return previous[-1]


def _insert_cost(typed: str, i: int) -> float:
    """The typist added typed[i]: cheap when it repeats the letter before or after it, or is
    a vowel written beside another vowel (`recieve`, `beautyful`)."""
    letter = typed[i]
    if letter == "'":
        return APOSTROPHE
    before = typed[i - 1] if i > 0 else ""
    after = typed[i + 1] if i + 1 < len(typed) else ""
    if letter in (before, after):
        return DOUBLING
    if letter in _VOWELS and (before in _VOWELS or after in _VOWELS) and (before or after):
        return VOWEL_CLUSTER
    return DEFAULT


def _delete_cost(intended: str, j: int) -> float:
    """The typist left out intended[j]: cheap when it is one of a double letter, or a vowel of
    a vowel pair written as one (`juce` for juice, `ment` for meant)."""
    letter = intended[j]
    if letter == "'":
        return APOSTROPHE
    before = intended[j - 1] if j > 0 else ""
    after = intended[j + 1] if j + 1 < len(intended) else ""
    if letter in (before, after):
        return DOUBLING
    if letter in _VOWELS and (before in _VOWELS or after in _VOWELS) and (before or after):
        return VOWEL_CLUSTER
    return DEFAULT


edit_cost: Callable[[str, str], float] = python_edit_cost
single_edit_cost: Callable[[str, str], float] = python_single_edit_cost
if _native is not None:
    _native.configure(
        (
            DOUBLING,
            APOSTROPHE,
            TRANSPOSE,
            VOWEL_CLUSTER,
            DEFAULT,
            CHEAPEST_EDIT,
            CHEAPEST_LETTER_EDIT,
            _NOT_TWO_DOUBLINGS,
        ),
        "".join(sorted(_VOWELS)),
        _REPLACE_COST,
    )
    edit_cost, single_edit_cost = _native.edit_cost, _native.single_edit_cost
