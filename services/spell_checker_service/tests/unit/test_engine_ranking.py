"""The deletes index against pyspellchecker itself, on real misspellings.

The ranking differs on purpose (the error model, `error_model.py`), but the candidates the
index finds must be exactly pyspellchecker's: over pyspellchecker's own dictionary, the words
one edit away, else two edits away.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from spellchecker import SpellChecker

from services.spell_checker_service.engine import SpellingEngine
from tests.support.essays import generate_essay

DATA = Path(__file__).resolve().parents[4] / "scripts" / "data"


def _norvig_misspellings() -> list[str]:
    wrong: list[str] = []
    for name in ("spell-testset1.txt", "spell-testset2.txt"):
        for line in (DATA / name).read_text().splitlines():
            wrong += line.partition(":")[2].split()
    return sorted(set(wrong))


@pytest.fixture(scope="module")
def reference() -> SpellChecker:
    return SpellChecker()


@pytest.fixture(scope="module")
def same_dictionary(reference: SpellChecker) -> SpellingEngine:
    frequency = reference.word_frequency
    words = dict(frequency.dictionary)
    # Indexing all 160,572 words costs ~20 s CPU; only words that could be within two edits of
    # a sampled word can be candidates, so the rest are left out (the ranking among the rest,
    # by their frequencies, is unchanged).
    near = _within_reach(words, _sample())
    return SpellingEngine({w: words[w] for w in near}, "".join(sorted(frequency.letters)))


def _within_reach(words: Iterable[str], targets: Iterable[str]) -> set[str]:
    """The words that can be two edits or fewer from some target: at most two letters longer
    or shorter, and at most two letters not among the target's (an insert or a replace brings
    in one letter each, a delete or a swap none). A superset of the candidates, whatever the
    engine does."""
    text = "\n".join(words)
    reach: set[str] = set()
    for target in targets:
        letters = "".join(re.escape(letter) for letter in sorted(set(target)))
        pattern = rf"^[{letters}]*(?:[^{letters}\n][{letters}]*){{0,2}}$"
        reach.update(
            word
            for word in re.findall(pattern, text, re.MULTILINE)
            if abs(len(word) - len(target)) <= 2
        )
    return reach


def _sample() -> list[str]:
    # pyspellchecker needs seconds for a long word two edits from any other; short ones keep
    # this test quick while still reaching distance 2 often.
    rng = random.Random(10)
    norvig = [w for w in _norvig_misspellings() if len(w) <= 8]
    essay_typos = sorted({wrong for seed in range(5) for wrong, _ in generate_essay(seed).typos})
    return rng.sample(norvig, 25) + rng.sample([w for w in essay_typos if len(w) <= 8], 10)


def test_same_candidates_as_pyspellchecker(
    same_dictionary: SpellingEngine, reference: SpellChecker
) -> None:
    for word in _sample():
        expected = reference.candidates(word) or set()
        assert same_dictionary.candidates(word) == expected, word


def test_known_words_are_never_corrected(english_words: SpellingEngine) -> None:
    for word in ("the", "because", "receive", "it's", "café", "neighbours", "wednesday"):
        assert english_words.known(word), word
        assert english_words.correction(word) is None, word


def test_typical_slips_beat_a_more_frequent_arbitrary_edit(
    english_words: SpellingEngine,
) -> None:
    # pyspellchecker's frequency-only choice for these is a different, more frequent word.
    assert english_words.correction("centraly") == "centrally"  # a letter undoubled
    assert english_words.correction("dont") == "don't"  # the apostrophe left out
