"""Frequency dictionaries, built from data packaged with installed libraries (no download).

English: pyspellchecker's own packaged word-frequency list and letter set, unchanged, so the
engine's accuracy can be compared with pyspellchecker's word for word.

Swedish: wordfreq's packaged Swedish list. It is counted from web and subtitle text, so next to
real words it holds the misspellings people make most ("mycke" for mycket, "nåra" for några,
"tyvär" for tyvärr) — as "known" words they would never be corrected. Two prunes:
- words rarer than SWEDISH_MIN_ZIPF are dropped (mostly typos, names and foreign words);
- a word rarer than SWEDISH_TRUSTED_ZIPF is dropped when a word one edit away is at least
  SWEDISH_TYPO_GAP zipf units (x10 per unit) more frequent: that is what a common misspelling
  of a common word looks like. See docs/spellcheck.md for the figures behind the choice.
"""

from __future__ import annotations

from collections.abc import Mapping

from common_core.enums import Language
from services.spell_checker_service.corrector import TextCorrector
from services.spell_checker_service.engine import (
    SpellingEngine,
    build_deletes_index,
    one_edit_apart,
)

SWEDISH_MIN_ZIPF = 2.0
SWEDISH_TRUSTED_ZIPF = 4.0
SWEDISH_TYPO_GAP = 1.5
# A two-part "compound" one edit from a word at least this common is corrected to that word.
SWEDISH_COMPOUND_OVERRIDE_ZIPF = 4.0
SWEDISH_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäöé"
# wordfreq frequencies are fractions of all words; the engine ranks integer counts.
_COUNT_SCALE = 1e9


def english_frequencies() -> tuple[dict[str, int], str]:
    """pyspellchecker's English word counts and the letters its edits use."""
    from spellchecker import SpellChecker

    frequency = SpellChecker(language="en").word_frequency
    return dict(frequency.dictionary), "".join(sorted(frequency.letters))


def swedish_frequencies(
    min_zipf: float = SWEDISH_MIN_ZIPF,
    trusted_zipf: float = SWEDISH_TRUSTED_ZIPF,
    typo_gap: float = SWEDISH_TYPO_GAP,
) -> dict[str, int]:
    """wordfreq's Swedish words (2+ Swedish letters, at least `min_zipf`), typos pruned."""
    words = _swedish_words(min_zipf)
    typos = likely_typos(words, _zipf_to_frequency(trusted_zipf), 10**typo_gap)
    return {word: round(f * _COUNT_SCALE) for word, f in words.items() if word not in typos}


def _swedish_words(min_zipf: float) -> dict[str, float]:
    from wordfreq import get_frequency_dict

    allowed = set(SWEDISH_ALPHABET)
    floor = _zipf_to_frequency(min_zipf)
    return {
        word: frequency
        for word, frequency in get_frequency_dict("sv").items()
        if frequency >= floor and len(word) > 1 and set(word) <= allowed
    }


def likely_typos(frequencies: Mapping[str, float], trusted: float, ratio: float) -> set[str]:
    """Words below `trusted` with a word one edit away at least `ratio` times as frequent."""
    common = [word for word, f in frequencies.items() if f >= trusted]
    common_set = set(common)
    index = build_deletes_index(common)
    typos: set[str] = set()
    for word, frequency in frequencies.items():
        if frequency >= trusted:
            continue
        threshold = frequency * ratio
        deletes = {word[:i] + word[i + 1 :] for i in range(len(word))}
        # A common word one edit away is a delete of `word`, or shares `word` or one of its
        # deletes as its own delete (an insert, a replace or a transpose).
        neighbours = {d for d in deletes if d in common_set}
        for probe in (word, *deletes):
            held = index.get(probe, ())
            neighbours.update((held,) if isinstance(held, str) else held)
        neighbours.discard(word)
        if any(frequencies[n] >= threshold for n in neighbours if one_edit_apart(word, n)):
            typos.add(word)
    return typos


def _zipf_to_frequency(zipf: float) -> float:
    return float(10 ** (zipf - 9))


def english_engine() -> SpellingEngine:
    """The English engine over pyspellchecker's dictionary (accent variants preferred, too)."""
    frequencies, letters = english_frequencies()
    return SpellingEngine(frequencies, letters, prefer_accent_variants=True)


def swedish_engine() -> SpellingEngine:
    """The Swedish engine over the pruned wordfreq list, accepting two-part compounds."""
    return SpellingEngine(
        swedish_frequencies(),
        SWEDISH_ALPHABET,
        compounds=True,
        # Stems pruned as words of their own ("skol", a typo of skola) still begin compounds.
        compound_heads=_swedish_words(SWEDISH_MIN_ZIPF).keys(),
        compound_override=round(_zipf_to_frequency(SWEDISH_COMPOUND_OVERRIDE_ZIPF) * _COUNT_SCALE),
    )


_BUILDERS = {Language.ENGLISH: english_engine, Language.SWEDISH: swedish_engine}


def load_corrector(language: Language | str) -> TextCorrector:
    """A text corrector for a language; build it once per process and reuse it."""
    return TextCorrector(_BUILDERS[Language(language)]())


def load_all() -> dict[Language, TextCorrector]:
    """Every supported language's corrector, built once when a process starts."""
    return {language: load_corrector(language) for language in _BUILDERS}
