"""A quick, safe "no" before asking Hunspell sv_SE about an unknown Swedish word.

Hunspell takes ~55 us to reject a Swedish word, because it first tries every way of reading it
as a compound, and most words the engine asks it about are misspellings it rejects. But every
word sv_SE accepts is either one of its forms (a root as listed, or a root with one of its
suffixes: the .aff has no prefixes and no suffix on a suffix) or a chain of forms allowed in a
compound: one that may begin it, any number that may stand in the middle, one that may end it
(the COMPOUNDBEGIN, COMPOUNDMIDDLE and COMPOUNDEND flags, on the root or given by the suffix;
the COMPOUNDRULE flags count for every place). So a word that is no form, and cannot be cut
into such a chain, is rejected without asking: of the 941 unknown words in 200 generated
essays, 9 are still asked about.

The test may only ever say "maybe" too often, never "no" to a word Hunspell accepts: its
other rules (CHECKCOMPOUNDREP, CHECKCOMPOUNDDUP, FORCEUCASE, the order in COMPOUNDRULE,
ONLYINCOMPOUND, forbidden words) only reject, so they are left to Hunspell. The one rule that
accepts more is SIMPLIFIEDTRIPLE: `glass` + `skål` is written `glasskål`, so after a part
ending in a doubled letter the next part may start on that letter. For the same reason the
forms are kept as CRC-32s of their UTF-8 in sorted tables (~1.5 million, 6 MB, built in ~2 s
and cached as a file the checker processes map and share, see lexicon.load_word_forms): a
false match on a collision only means Hunspell is asked.

A word's test takes ~1 us in compiled code (`_word_forms.c`, built by build_native.py), ~10 us
in Python (`python_may_accept`, which runs where the module was not built).
"""

from __future__ import annotations

import re
import struct
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate, pairwise
from pathlib import Path

from services.spell_checker_service.build_native import load

_native = load("_word_forms")  # None where not built: `python_may_accept` runs

# Flags of the sv_SE .aff (see its header): where a form may stand in a compound.
_BEGIN = frozenset("X>)")  # COMPOUNDBEGIN; COMPOUNDRULE's verb and adjective prefixes
_MIDDLE = frozenset("U")  # COMPOUNDMIDDLE
_END = frozenset("Yjk")  # COMPOUNDEND; COMPOUNDRULE's verb and adjective ends
_ANYWHERE = frozenset("012345678-")  # COMPOUNDRULE's number parts, in rules of every shape

_HEADER = struct.Struct("<8sIIII")  # magic, then each table's length
_MAGIC = b"HULEWF01"
# The sorted CRCs of the forms, and of the forms that may begin, continue and end a compound
# (arrays when built, views of the mapped cache file when loaded).
Tables = tuple[Sequence[int], Sequence[int], Sequence[int], Sequence[int]]
Suffix = tuple[str, str, "re.Pattern[str] | None", str]  # strip, add, condition, its flags


def _suffixes(aff: Path) -> dict[str, list[Suffix]]:
    """The .aff's suffixes by flag."""
    rules: dict[str, list[Suffix]] = {}
    for line in aff.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if len(fields) < 5 or fields[0] != "SFX":
            continue  # comments, options and each suffix group's header line
        flag, strip, add, condition = fields[1:5]
        add, _, flags = add.partition("/")
        pattern = None if condition == "." else re.compile(f"(?:{condition})$")
        rules.setdefault(flag, []).append(
            ("" if strip == "0" else strip, "" if add == "0" else add, pattern, flags)
        )
    return rules


def _forms(aff: Path, dic: Path) -> Iterator[tuple[str, set[str]]]:
    """Every form of every root, lowercase, with the flags that say where it may stand."""
    suffixes = _suffixes(aff)
    for line in dic.read_text(encoding="utf-8").splitlines()[1:]:  # the first line: a count
        root, _, flags = line.partition("/")
        root, flags = root.strip(), flags.split()[0] if flags.strip() else ""
        if not root:
            continue
        yield root.lower(), set(flags)
        for flag in flags:
            for strip, add, condition, given in suffixes.get(flag, ()):
                if not root.endswith(strip) or (condition and not condition.search(root)):
                    continue
                yield (root[: len(root) - len(strip)] + add).lower(), set(flags) | set(given)


def build_tables(aff: Path, dic: Path) -> Tables:
    """The four sorted CRC tables of a Hunspell dictionary (~2 s for sv_SE)."""
    forms: set[int] = set()
    begin: set[int] = set()
    middle: set[int] = set()
    end: set[int] = set()
    for form, flags in _forms(aff, dic):
        key = zlib.crc32(form.encode())
        forms.add(key)
        anywhere = not flags.isdisjoint(_ANYWHERE)
        for part, allowed in ((begin, _BEGIN), (middle, _MIDDLE), (end, _END)):
            if anywhere or not flags.isdisjoint(allowed):
                part.add(key)

    def table(keys: set[int]) -> array[int]:
        return array("I", sorted(keys))

    return table(forms), table(begin), table(middle), table(end)


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
        if not word.isalpha():
            return True  # apostrophes, digits, hyphens: Hunspell's other paths
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
