"""Letter groups that spell the same sound: a writer who spells by ear swaps one for another.

Edit distance sees `sjans` for chans, `jort` for gjort or `väksa` for växa as one or two
arbitrary edits, and a more frequent word one plain edit away wins (`stans`, `kort`, `väska`).
Swedish spells several sounds many ways: the sj-sound (sj, sk, skj, stj, sch, ch, sh), the
tj-sound (tj, kj, k, ch), the j-sound (j, g, gj, dj, hj, lj), x and ks, gt and kt (`sagt` is
said "sakt"), gn and ngn, and endings that speech drops (`vanlit` for vanligt, a final t).
Hunspell's sv_SE dictionary lists the same confusions in its REP table; here each swap is one
cheap edit (SWAP_COST), and the ranking weighs it against frequency like any other edit.
The variants are made in compiled code (`_sound_swaps.c`) wherever it was built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from services.spell_checker_service.build_native import load

_native = load("_sound_swaps")  # None where not built: the Python below runs

# Cheaper than an arbitrary edit (1.0) or a neighbouring key (0.75), dearer than a doubled
# letter (0.45): a sound spelled another way is a typical slip, not a free one.
SWAP_COST = 0.55

# Spellings a writer leaves out, as (written, intended): a final t speech drops (`intressan`).
SWEDISH_DROPPED: tuple[tuple[str, str], ...] = (("$", "t$"),)

# Groups of spellings of one sound; "$" marks a spelling that holds only at the end of a word.
SWEDISH_SOUNDS: tuple[tuple[str, ...], ...] = (
    ("sj", "sk", "skj", "stj", "sch", "ch", "sh"),  # sjuk, skön, skjorta, stjärna, schema, chans
    ("tion", "sion", "ssion", "tjon", "sjon", "schon", "shon"),  # station, version, passion
    ("sch$", "ge$", "sh$"),  # garage, dusch
    ("tj", "kj", "k", "ch"),  # tjej, kjol, kök, check
    ("j", "g", "gj", "dj", "hj", "lj"),  # jag, göra, gjort, djur, hjälp, ljus
    ("x", "ks", "cks", "gs"),  # växa, kex
    ("gt", "kt"),  # sagt, vikt
    ("gn", "ngn", "ng"),  # regn, lugn
    ("ck", "k"),  # musik, tack
    ("igt$", "it$", "ikt$"),  # viktigt, vanligt
    ("t$", "de$"),  # hänt / hände
    ("ej", "ai", "äj"),  # nej, tjej
)


class SoundSpellings:
    """Every string one sound-spelling swap from a word, for the engine to look up."""

    def __init__(
        self, groups: Iterable[Sequence[str]], dropped: Iterable[tuple[str, str]] = ()
    ) -> None:
        pairs = [(a, b) for group in groups for a in group for b in group if a != b]
        # written -> what it may stand for; endings apart (they hold only at a word's end).
        self._inside: dict[str, list[str]] = {}
        self._endings: dict[str, list[str]] = {}
        for written, intended in [*pairs, *dropped]:
            table = self._endings if written.endswith("$") else self._inside
            table.setdefault(written.rstrip("$"), []).append(intended.rstrip("$"))
        # The endings by length, longest first: a word's last letters are looked up once per
        # length instead of testing every ending (this runs for every unknown Swedish word).
        self._ending_lengths = sorted({len(e) for e in self._endings}, reverse=True)
        # One scan finds, at each position, the longest spelling that starts there; the
        # shorter ones starting there too are its prefixes (`skj` holds `sk`).
        spellings = sorted(self._inside, key=len, reverse=True)
        self._scan = re.compile("(?=(" + "|".join(map(re.escape, spellings)) + "))")
        self._prefixes = {
            longer: [s for s in spellings if longer.startswith(s)] for longer in spellings
        }
        # The same rules packed for `_sound_swaps.c` (the same variants, ~5x faster).
        self._table = None if _native is None else _native.table(self._inside, self._endings)

    @property
    def compiled(self) -> bool:
        """Whether `variants` runs in compiled code."""
        return self._table is not None

    def variants(self, word: str) -> set[str]:
        """The strings `word` becomes when one spelling of a sound is replaced by another."""
        if self._table is not None:
            assert _native is not None
            swapped: set[str] = _native.variants(self._table, word)
            return swapped
        return self.python_variants(word)

    def python_variants(self, word: str) -> set[str]:
        """`variants` in Python (where `_sound_swaps.c` was not built; tests compare)."""
        found: set[str] = set()
        endings = self._endings
        size = len(word)
        for length in self._ending_lengths:
            intended = endings.get(word[size - length :]) if length <= size else None
            if intended is not None:
                stem = word[: size - length]
                found.update([stem + ending for ending in intended])
        inside = self._inside
        for match in self._scan.finditer(word):
            start = match.start()
            before = word[:start]
            for written in self._prefixes[match[1]]:
                after = word[start + len(written) :]
                found.update([before + spelling + after for spelling in inside[written]])
        found.discard(word)
        return found
