"""The symmetric-deletes index (SymSpell's idea) in flat arrays, shareable between processes.

Two words are within two edits only if some string is reachable from both by at most two
letter deletions each. So every dictionary word is indexed under itself and its one- and
two-letter deletes; a misspelling probes with itself and its own deletes, and the words found
are the only ones that can be one or two edits away (each is then verified).

A Python dict of those ~3.8 million strings per language would take ~500 MB in every checker
process. Here each entry is two 32-bit integers: the CRC-32 of the delete (a false match on a
hash collision is harmless, every candidate is verified) and `word id << 2 | depth`, where word
ids are frequency ranks (0 = the most frequent word) and depth is how many letters the word
lost to give that string. Entries are sorted by (hash, id), so a probe's run lists the most
frequent words first and a search can stop at the rarest word that could still win. A table of
bucket starts by the hash's top bits narrows each probe to a handful of entries.

~30 MB per language, built in ~10 s; lexicon.py caches it as a file that checker processes
map read-only, so the two checker processes of a service share one copy in the page cache.

A word's lookups run in compiled code (`_deletes_probe.c`, built by build_native.py) wherever
that module was built, else in Python (`hits`), with the same results: the compiled code never
builds the deletes as strings (the 60 generated Swedish essays' unknown words: 53 -> 38 ms).
"""

from __future__ import annotations

import mmap
import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from services.spell_checker_service.build_native import load

_native = load("_deletes_probe")  # None where not built: the Python below runs

# Bucket table: 2^20 starts (4 MiB) for ~4 million entries, ~4 entries a bucket.
_BUCKET_BITS = 20
_SHIFT = 32 - _BUCKET_BITS
_MAGIC = b"HULEDI01"
# Linux only; elsewhere pages are mapped at first touch.
_POPULATE = getattr(mmap, "MAP_POPULATE", 0)
_HEADER = struct.Struct("<8sII")  # magic, entries, word-order checksum

Probes = Iterable[tuple[str, int]]


def deletes(word: str) -> set[str]:
    """The strings one deletion from `word`."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def second_deletes(word: str, first: set[str]) -> set[str]:
    """The strings two deletions from `word` and no fewer (`first`: its one-deletion ones)."""
    # Each pair of positions once (deleting from each one-deletion string would make every
    # string twice).
    n = len(word)
    second = {word[:i] + word[i + 1 : j] + word[j + 1 :] for i in range(n) for j in range(i + 1, n)}
    second -= first
    second.discard(word)
    return second


def deletes_by_depth(word: str) -> tuple[set[str], set[str]]:
    """The strings one and two deletions from `word` (each at its smallest depth)."""
    first = deletes(word)
    first.discard(word)
    return first, second_deletes(word, first)


def map_read_only(path: Path) -> mmap.mmap | None:
    """A cache file mapped read-only and shared between processes (None when absent or
    empty). MAP_POPULATE maps every page now (~30 MB for an index, from the page cache: a few
    ms at start-up) instead of taking a page fault at each first touch during the first essays
    (~5 ms more on the first 60 essays in Swedish)."""
    try:
        with path.open("rb") as handle:
            return mmap.mmap(
                handle.fileno(), 0, flags=mmap.MAP_SHARED | _POPULATE, prot=mmap.PROT_READ
            )
    except (OSError, ValueError):
        return None


def word_order_checksum(words: Sequence[str]) -> int:
    """Ties a stored index to the word order it was built for."""
    return zlib.crc32("\n".join(words).encode())


@dataclass
class Probed:
    """One word's lookups so far: its deletes (`first`; only the Python lookups keep them),
    the word ids found within the depth searched (id -> bound on the distance) and the deeper
    ids those lookups set aside."""

    first: set[str] = field(default_factory=set)
    found: dict[int, int] = field(default_factory=dict)
    deeper: dict[int, int] = field(default_factory=dict)


class DeletesIndex:
    """Word ids (frequency ranks) reachable from a probe string, with their delete depth."""

    def __init__(
        self,
        starts: Sequence[int],
        keys: Sequence[int],
        values: Sequence[int],
        *,
        compiled: bool = True,
    ) -> None:
        self._starts = starts
        self._keys = keys
        self._values = values
        self._keep_alive: object = None  # the mmap behind the views, when loaded from a file
        # The compiled lookups (None: in Python; tests compare the two on one index).
        self._native = _native if compiled else None

    def __len__(self) -> int:
        return len(self._keys)

    @classmethod
    def build(cls, words: Sequence[str], depth: int = 2) -> DeletesIndex:
        """Index `words` (in id order: most frequent first) under deletes up to `depth`."""
        crc = zlib.crc32
        packed: list[int] = []
        for word_id, word in enumerate(words):
            value = word_id << 2
            first, second = deletes_by_depth(word)
            packed.append(crc(word.encode()) << 32 | value)
            packed.extend(crc(d.encode()) << 32 | value | 1 for d in first)
            if depth > 1:
                packed.extend(crc(d.encode()) << 32 | value | 2 for d in second)
        packed.sort()
        keys = array("I", (p >> 32 for p in packed))
        values = array("I", (p & 0xFFFFFFFF for p in packed))
        del packed
        starts = array("I", [0]) * ((1 << _BUCKET_BITS) + 1)
        bucket = 0
        for position, key in enumerate(keys):
            top = key >> _SHIFT
            while bucket < top:
                bucket += 1
                starts[bucket] = position
        for rest in range(bucket + 1, len(starts)):
            starts[rest] = len(keys)
        return cls(starts, keys, values)

    def to_bytes(self, checksum: int) -> bytes:
        """The index as a file (native byte order; the cache key names the platform)."""
        parts = [_HEADER.pack(_MAGIC, len(self._keys), checksum)]
        parts += [array("I", part).tobytes() for part in (self._starts, self._keys, self._values)]
        return b"".join(parts)

    @classmethod
    def map_file(cls, path: Path, checksum: int) -> DeletesIndex | None:
        """The index stored at `path`, mapped read-only (None when absent or not matching)."""
        mapped = map_read_only(path)
        if mapped is None or len(mapped) < _HEADER.size:
            return None
        magic, entries, stored = _HEADER.unpack_from(mapped)
        buckets = (1 << _BUCKET_BITS) + 1
        if magic != _MAGIC or stored != checksum:
            return None
        if len(mapped) != _HEADER.size + 4 * (buckets + 2 * entries):
            return None
        view = memoryview(mapped)[_HEADER.size :].cast("I")
        index = cls(view[:buckets], view[buckets : buckets + entries], view[buckets + entries :])
        index._keep_alive = mapped
        return index

    def hits(
        self,
        probes: Probes,
        found: dict[int, int],
        *,
        max_depth: int = 2,
        max_id: int = -1,
        deeper: dict[int, int] | None = None,
    ) -> None:
        """Add to `found` every word id indexed under a probe: id -> the smallest
        probe depth + entry depth (an upper bound on the edit distance). Ids above `max_id`
        (when >= 0) are skipped; so are entries deeper than `max_depth`, unless `deeper` is
        given: they are added there instead (a later, deeper search then need not look these
        probes up again: each lookup costs a few random memory reads, ~1 us)."""
        crc = zlib.crc32
        starts, keys, values = self._starts, self._keys, self._values
        limit = max_id if max_id >= 0 else sys.maxsize
        for probe, depth in probes:
            key = crc(probe.encode())
            bucket = key >> _SHIFT
            position, end = starts[bucket], starts[bucket + 1]
            if position == end:
                continue
            position = bisect_left(keys, key, position, end)
            while position < end and keys[position] == key:
                value = values[position]
                position += 1
                word_id = value >> 2
                if word_id > limit:
                    break
                entry_depth = value & 3
                total = depth + entry_depth
                if entry_depth <= max_depth:
                    if found.get(word_id, 9) > total:
                        found[word_id] = total
                elif deeper is not None and deeper.get(word_id, 9) > total:
                    deeper[word_id] = total

    def in_python(self) -> DeletesIndex:
        """The same index, looked up in Python (to compare the two)."""
        twin = DeletesIndex(self._starts, self._keys, self._values, compiled=False)
        twin._keep_alive = self._keep_alive
        return twin

    @property
    def compiled(self) -> bool:
        """Whether the lookups run in compiled code."""
        return self._native is not None

    def probe_one_edit(self, word: str) -> Probed:
        """Look the word and its deletes up: the words that may be one edit away, and those
        the same lookups show may be two (set aside for `probe_two_edits`)."""
        if self._native is not None:
            probed = Probed()
            self._native.one_edit(
                self._starts, self._keys, self._values, word, probed.found, probed.deeper
            )
            return probed
        probed = Probed(deletes(word))
        probes = [(word, 0), *((d, 1) for d in probed.first)]
        self.hits(probes, probed.found, max_depth=1, deeper=probed.deeper)
        return probed

    def probe_two_edits(self, word: str, probed: Probed, max_id: int = -1) -> None:
        """Extend `probed.found` with the words up to id `max_id` (-1: all) that may be two
        edits away: the entries `probe_one_edit` set aside, and those under double deletes."""
        found = probed.found
        if self._native is not None:
            self._native.two_deletes(self._starts, self._keys, self._values, word, found, max_id)
        else:
            first = probed.first or deletes(word)
            self.hits(((d, 2) for d in second_deletes(word, first)), found, max_id=max_id)
        limit = max_id if max_id >= 0 else sys.maxsize
        for word_id, total in probed.deeper.items():
            if word_id <= limit and found.get(word_id, 9) > total:
                found[word_id] = total
