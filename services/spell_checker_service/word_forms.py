"""A quick, safe "no" before asking Hunspell about an unknown word.

Most words the engines ask Hunspell about are misspellings it rejects, and a "no" is slow:
~55 us in Swedish, where sv_SE first tries every way of reading the word as a compound, ~8 us
in English. But Hunspell can only accept a form of its dictionary (a root, with the affixes
its flags allow: hunspell_forms.py) or a chain of forms allowed in a compound: one that may
begin it, any number that may stand in the middle, one that may end it. So a word that is no
form, and cannot be cut into such a chain, is rejected without asking. Of the 449 unknown
words of 60 generated Swedish essays, 3 are still asked about (146 were); of the English
essays' 485, none is. (en_US compounds only numbers: `21st`; a word of letters is one of its
forms or nothing.)

The test may only ever say "maybe" too often, never "no" to a word Hunspell accepts: its
other rules (CHECKCOMPOUNDREP, CHECKCOMPOUNDDUP, FORCEUCASE, the order in COMPOUNDRULE,
ONLYINCOMPOUND, NEEDAFFIX, forbidden words) only reject, so they are left to Hunspell. The one
rule that accepts more is SIMPLIFIEDTRIPLE: `glass` + `skål` is written `glasskål`, so after a
part ending in a doubled letter the next part may start on that letter. For the same reason
the forms are kept as CRC-32s of their UTF-8 in sorted tables (sv_SE: ~1.5 million, 6 MB,
built in ~2 s; en_US: ~0.2 million; cached as files the checker processes map and share, see
lexicon.load_word_forms): a false match on a collision only means Hunspell is asked.

A word's test takes ~1 us in compiled code (`_word_forms.c`, built by build_native.py), ~10 us
in Python (`python_may_accept`, which runs where the module was not built).
"""

from __future__ import annotations

import struct
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from itertools import accumulate, pairwise
from pathlib import Path

from services.spell_checker_service.build_native import load
from services.spell_checker_service.hunspell_forms import BEGIN, END, MIDDLE
from services.spell_checker_service.hunspell_forms import forms as hunspell_forms

_native = load("_word_forms")  # None where not built: `python_may_accept` runs

_HEADER = struct.Struct("<8sIIII")  # magic, then each table's length
_MAGIC = b"HULEWF01"
# The sorted CRCs of the forms, and of the forms that may begin, continue and end a compound
# (arrays when built, views of the mapped cache file when loaded).
Tables = tuple[Sequence[int], Sequence[int], Sequence[int], Sequence[int]]


def build_tables(aff: Path, dic: Path) -> Tables:
    """The four sorted CRC tables of a Hunspell dictionary (~2 s for sv_SE, ~1 s for en_US)."""
    forms: set[int] = set()
    parts: dict[str, set[int]] = {BEGIN: set(), MIDDLE: set(), END: set()}
    for form, places in hunspell_forms(aff, dic):
        key = zlib.crc32(form.encode())
        forms.add(key)
        for place in places:
            parts[place].add(key)

    def table(keys: set[int]) -> array[int]:
        return array("I", sorted(keys))

    return table(forms), table(parts[BEGIN]), table(parts[MIDDLE]), table(parts[END])


def tables_to_bytes(tables: Tables) -> bytes:
    """The tables as a cache file (native byte order; the cache key names the platform)."""
    parts = [array("I", table).tobytes() for table in tables]
    return b"".join([_HEADER.pack(_MAGIC, *map(len, tables)), *parts])


def tables_in(data: memoryview) -> Tables | None:
    """Views of the tables in a cache file's bytes, or None when it is not one (another
    format, cut short)."""
    if len(data) < _HEADER.size:
        return None
    magic, *lengths = _HEADER.unpack_from(data)
    if magic != _MAGIC or len(data) != _HEADER.size + 4 * sum(lengths):
        return None
    words = data[_HEADER.size :].cast("I")
    starts = [0, *accumulate(lengths)]
    forms, begin, middle, end = (words[a:b] for a, b in pairwise(starts))
    return forms, begin, middle, end


def _has(table: Sequence[int], key: int) -> bool:
    at = bisect_left(table, key)
    return at < len(table) and table[at] == key


class WordForms:
    """Whether Hunspell could accept a lowercase word (see the module docstring)."""

    def __init__(self, tables: Tables, *, compiled: bool = True) -> None:
        self._forms, self._begin, self._middle, self._end = tables
        # The compiled test (None: in Python; tests compare the two on the same tables).
        self._native = _native if compiled else None
        self._packed = None if self._native is None else self._native.tables(*tables)

    @property
    def compiled(self) -> bool:
        return self._native is not None

    def in_python(self) -> WordForms:
        """The same tables, tested in Python (to compare with the compiled test)."""
        return WordForms((self._forms, self._begin, self._middle, self._end), compiled=False)

    def may_accept(self, word: str) -> bool:
        """False only when Hunspell is sure to reject `word`; True means ask it."""
        if not (word.isalpha() and word.islower()):
            # Apostrophes, digits, hyphens: Hunspell's other paths; capitals: the forms are
            # kept in lower case, and Hunspell may accept `Paris` but not `paris`.
            return True
        if self._native is not None:
            return bool(self._native.may_accept(self._packed, word))
        return self.python_may_accept(word)

    def python_may_accept(self, word: str) -> bool:
        """`may_accept` for a word of letters only, in Python (as _word_forms.c does it)."""
        data = word.encode()
        if _has(self._forms, zlib.crc32(data)):
            return True
        # Byte offsets of the letters' starts and of the end (å, ä, ö take two bytes).
        cuts = [i for i in range(len(data)) if data[i] & 0xC0 != 0x80] + [len(data)]
        reachable = [False] * len(cuts)  # a part may start at that letter
        self._mark_after(data, cuts, 0, self._begin, reachable)
        # Parts only reach forwards, so one pass over the starts in order sees every one.
        for start in range(1, len(cuts) - 1):
            if reachable[start]:
                if _has(self._end, zlib.crc32(data[cuts[start] :])):
                    return True
                self._mark_after(data, cuts, start, self._middle, reachable)
        return False

    @staticmethod
    def _mark_after(
        data: bytes, cuts: list[int], start: int, table: Sequence[int], reachable: list[bool]
    ) -> None:
        """Mark where the next part may start after a part from `table` that begins at letter
        `start` and ends before the last letter: right after it, or on its last letter when
        that letter is doubled (SIMPLIFIEDTRIPLE)."""
        crc = 0
        for end in range(start + 1, len(cuts) - 1):
            crc = zlib.crc32(data[cuts[end - 1] : cuts[end]], crc)  # the part grows a letter
            if _has(table, crc):
                reachable[end] = True
                last, before = data[cuts[end - 1] : cuts[end]], data[cuts[end - 2] : cuts[end - 1]]
                if end - start >= 2 and last == before:
                    reachable[end - 1] = True

    def guard(self, spell: Callable[[str], bool]) -> Callable[[str], bool]:
        """`spell`, asked only about the words it may accept."""

        def spelled(word: str) -> bool:
            return self.may_accept(word) and spell(word)

        return spelled
