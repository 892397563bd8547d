"""What counts as a word: a Hunspell dictionary decides, wordfreq ranks.

A frequency list counted from web and subtitle text holds people's commonest misspellings
(`mycke`, `tyvär`, `dont`) next to real words, and no frequency cut-off separates them. A
spelling dictionary is written by people to hold only correct forms, so it is the authority;
wordfreq only orders the words it accepts. Kept from wordfreq:

- every word of at least MIN_ZIPF that Hunspell accepts in lower case (the ranked lexicon,
  the words the engine may suggest);
- very common words (zipf >= TRUSTED_ZIPF) Hunspell lacks (`ok`, `facebook`, English words in
  Swedish text), unless one edit from a word at least TYPO_GAP zipf more frequent (what a
  common misspelling of a common word looks like) or a more frequent contraction without its
  apostrophe (`dont` for don't);
- for English, British spellings of words en_US accepts (`neighbours`, `realise`);
- words Hunspell accepts only capitalised (`anna` -> Anna, `stockholm`, but also `wednesday`,
  `english`) are kept, and listed as names for the name judge too.

Hunspell itself (libhunspell through chunspell) still answers for words outside the lexicon:
Swedish compounds (`skolgården`) and rare inflections are words although no list holds them.

Filtering ~200,000 words through Hunspell takes 5-30 s, so the result is cached in
~/.cache/huleedu/spellcheck (or $XDG_CACHE_HOME), keyed by everything it depends on.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from services.spell_checker_service import hunspell_forms, word_forms
from services.spell_checker_service.deletes_index import (
    DeletesIndex,
    deletes,
    map_read_only,
    word_order_checksum,
)
from services.spell_checker_service.edit_distance import one_edit_apart
from services.spell_checker_service.word_forms import (
    WordForms,
    build_tables,
    tables_in,
    tables_to_bytes,
)

# Swedish has far more word forms (compounds, inflections): a higher floor keeps its index
# (and each checker process) to a size like English's; rarer words are still known via
# Hunspell, only not suggested.
MIN_ZIPF = {"en": 1.0, "sv": 2.0}
# Rarer Swedish words (zipf 1.0-2.0) Hunspell accepts: a second, separately searched tier, so a
# misspelling of a rare word can still be corrected (`schampinjon` -> champinjon) without
# doubling the main index every search touches.
RARE_ZIPF = {"sv": 1.0}
TRUSTED_ZIPF = 4.0
TYPO_GAP = 1.5
COUNT_SCALE = 1e9  # wordfreq frequencies are fractions of all words; the engine ranks counts
DATA = Path(__file__).resolve().parent / "data"
# Bump when the filtering below changes, so cached lexicons are rebuilt.
_FORMAT = 4


@dataclass(frozen=True)
class Lexicon:
    """One language's ranked words (lowercase -> count) and its names (lowercase)."""

    frequencies: dict[str, int]
    names: frozenset[str]


class Dictionary:
    """A Hunspell dictionary (through chunspell) that says no to a word its encoding cannot
    hold: en_US is ISO-8859-1, and chunspell raised UnicodeEncodeError for a Greek or Cyrillic
    word (`Ωmega` in a Swedish or English essay), which failed that essay's whole check."""

    def __init__(self, checker: Any) -> None:
        self._checker = checker

    def spell(self, word: str) -> bool:
        try:
            return bool(self._checker.spell(word))
        except UnicodeEncodeError:
            return False  # not in the dictionary's alphabet, so not in the dictionary

    def suggest(self, word: str) -> list[str]:
        try:
            return list(self._checker.suggest(word))
        except UnicodeEncodeError:
            return []


def hunspell_files(language: str) -> tuple[Path, Path]:
    """The .aff and .dic `hunspell(language)` reads."""
    if language == "en":
        import hunspell as chunspell

        folder, name = Path(chunspell.__file__).parent / "dictionaries", "en_US"
    else:
        folder, name = DATA, "sv_SE"
    return folder / f"{name}.aff", folder / f"{name}.dic"


def hunspell(language: str) -> Dictionary:
    """The language's Hunspell dictionary: en_US as chunspell ships it; Debian's sv_SE
    (Göran Andersson's dictionary, LGPL-3, in data/)."""
    import hunspell as chunspell  # chunspell's module name

    # The files word_forms.py reads too: its quick "no" is only safe for this dictionary.
    aff, _ = hunspell_files(language)
    return Dictionary(chunspell.Hunspell(aff.stem, hunspell_data_dir=str(aff.parent)))


def load_lexicon(language: str, alphabet: str, checker: Any) -> Lexicon:
    """The language's lexicon, from the cache when one was built from the same inputs."""
    key = _cache_key(language, alphabet)
    path = _cache_dir() / f"lexicon-{language}-{key}.marshal"
    try:
        frequencies, names = marshal.loads(path.read_bytes())
        return Lexicon(frequencies, frozenset(names))
    except (OSError, ValueError, EOFError, TypeError):
        pass
    lexicon = build_lexicon(language, alphabet, checker)
    _write_atomically(path, marshal.dumps((lexicon.frequencies, sorted(lexicon.names))))
    return lexicon


def load_index(
    language: str, alphabet: str, words: Sequence[str], tier: str = "deletes", depth: int = 2
) -> DeletesIndex:
    """The deletes index over `words` (the lexicon in id order), mapped from the cache file
    (built and written there first when absent), so checker processes share its pages."""
    checksum = word_order_checksum(words)
    key = _cache_key(language, alphabet)
    path = _cache_dir() / f"{tier}{depth}-{language}-{key}-{sys.byteorder}.bin"
    index = DeletesIndex.map_file(path, checksum)
    if index is not None:
        return index
    built = DeletesIndex.build(words, depth)
    _write_atomically(path, built.to_bytes(checksum))
    return DeletesIndex.map_file(path, checksum) or built


def load_word_forms(language: str, alphabet: str) -> WordForms:
    """The language's Hunspell forms and compound parts (word_forms.py), from the cache when
    built from the same dictionary."""
    # The code that expands the dictionary is part of the key: forms read another way must
    # never be taken from an older file (a missing form would be a wrong "no").
    digest = hashlib.sha256(_cache_key(language, alphabet).encode())
    for module in (hunspell_forms, word_forms):
        digest.update(Path(module.__file__ or "").read_bytes())
    path = _cache_dir() / f"forms-{language}-{digest.hexdigest()[:16]}-{sys.byteorder}.bin"
    mapped = map_read_only(path)
    tables = None if mapped is None else tables_in(memoryview(mapped))
    if tables is None:
        tables = build_tables(*hunspell_files(language))
        _write_atomically(path, tables_to_bytes(tables))
    return WordForms(tables)


def load_rare_words(language: str, alphabet: str, checker: Any) -> dict[str, int]:
    """Words of zipf RARE_ZIPF..MIN_ZIPF that Hunspell accepts in lower case (cached), for
    languages with a rare tier; empty otherwise."""
    if language not in RARE_ZIPF:
        return {}
    key = _cache_key(language, alphabet)
    path = _cache_dir() / f"rare-{language}-{key}-{RARE_ZIPF[language]}.marshal"
    try:
        cached: dict[str, int] = marshal.loads(path.read_bytes())
        return cached
    except (OSError, ValueError, EOFError, TypeError):
        pass
    from wordfreq import get_frequency_dict

    allowed = set(alphabet)
    low, high = 10 ** (RARE_ZIPF[language] - 9), 10 ** (MIN_ZIPF[language] - 9)
    rare = {
        word: max(1, round(frequency * COUNT_SCALE))
        for word, frequency in get_frequency_dict(language).items()
        if low <= frequency < high
        and len(word) > 1
        and set(word) <= allowed
        and checker.spell(word)
    }
    _write_atomically(path, marshal.dumps(rare))
    return rare


def build_lexicon(language: str, alphabet: str, checker: Any) -> Lexicon:
    """Filter wordfreq's list for `language` through Hunspell (see the module docstring)."""
    from wordfreq import get_frequency_dict

    allowed = set(alphabet) | {"'"}
    floor = 10 ** (MIN_ZIPF[language] - 9)
    words = {
        word: frequency
        for word, frequency in get_frequency_dict(language).items()
        if frequency >= floor
        and len(word) > 1
        and set(word) <= allowed
        and word[0] != "'"
        and word[-1] != "'"
    }
    accepted: dict[str, float] = {}
    names: set[str] = set()
    unaccepted: dict[str, float] = {}
    for word, frequency in words.items():
        if checker.spell(word) or (language == "en" and _british(word, checker)):
            accepted[word] = frequency
        elif checker.spell(word[0].upper() + word[1:]):
            names.add(word)
            accepted[word] = frequency  # also a word: `wednesday`, `english`, `anna`
        else:
            unaccepted[word] = frequency
    trusted = 10 ** (TRUSTED_ZIPF - 9)
    common = {w: f for w, f in unaccepted.items() if f >= trusted}
    # A contraction written without its apostrophe (`dont`, `im`) is a slip, however common.
    unapostrophed = {w.replace("'", ""): f for w, f in accepted.items() if "'" in w}
    for word in common.keys() - _likely_typos(common, accepted, 10**TYPO_GAP):
        if unapostrophed.get(word, 0.0) <= common[word]:
            accepted[word] = common[word]
    return Lexicon(
        {word: max(1, round(f * COUNT_SCALE)) for word, f in accepted.items()},
        frozenset(names),
    )


# British spellings en_US lacks, as (British ending, American ending): Swedish schools teach
# British English as often as American, so `neighbours` and `realise` are words.
_BRITISH_ENDINGS = (
    ("our", "or"),
    ("ours", "ors"),
    ("oured", "ored"),
    ("ouring", "oring"),
    ("ise", "ize"),
    ("ised", "ized"),
    ("ises", "izes"),
    ("ising", "izing"),
    ("isation", "ization"),
    ("isations", "izations"),
    ("yse", "yze"),
    ("ysed", "yzed"),
    ("tre", "ter"),
    ("tres", "ters"),
    ("ogue", "og"),
    ("ogues", "ogs"),
    ("ence", "ense"),
    ("lled", "led"),
    ("lling", "ling"),
    ("ller", "ler"),
)


def _british(word: str, checker: Any) -> bool:
    """A British spelling of a word en_US accepts (`colour`, `organised`, `travelled`)."""
    for british, american in _BRITISH_ENDINGS:
        if word.endswith(british) and checker.spell(word[: -len(british)] + american):
            return True
    return False


def _likely_typos(candidates: dict[str, float], words: dict[str, float], ratio: float) -> set[str]:
    """Candidates with a word one edit away at least `ratio` times as frequent."""
    ordered = list(words)
    index = DeletesIndex.build(ordered, depth=1)
    typos: set[str] = set()
    for word, frequency in candidates.items():
        found: dict[int, int] = {}
        index.hits([(word, 0), *((d, 1) for d in deletes(word))], found, max_depth=1)
        near = (ordered[i] for i in found)
        if any(words[n] >= frequency * ratio for n in near if one_edit_apart(word, n)):
            typos.add(word)
    return typos


def _cache_key(language: str, alphabet: str) -> str:
    digest = hashlib.sha256()
    for part in (
        str(_FORMAT),
        language,
        alphabet,
        f"{MIN_ZIPF[language]} {TRUSTED_ZIPF} {TYPO_GAP}",
        metadata.version("wordfreq"),
        metadata.version("chunspell"),
    ):
        digest.update(part.encode() + b"\0")
    if language == "sv":
        for name in ("sv_SE.aff", "sv_SE.dic"):
            digest.update((DATA / name).read_bytes())
    return digest.hexdigest()[:16]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "huleedu" / "spellcheck"


def _write_atomically(path: Path, payload: bytes) -> None:
    """Write via a temporary file and rename: checker processes start in parallel and may
    build the same lexicon at once; a reader never sees a half-written file. A read-only home
    only costs the rebuild next time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(payload)
        os.replace(handle.name, path)
    except OSError:
        return


if __name__ == "__main__":  # `make install` warms the cache: python -m ...lexicon
    from services.spell_checker_service.dictionaries import load_all

    load_all()
