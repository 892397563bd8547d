"""Spellings of one sound swapped as one cheap edit, and when Hunspell is asked."""

from __future__ import annotations

import random

from services.spell_checker_service.corrector import TextCorrector
from services.spell_checker_service.engine import SpellingEngine
from services.spell_checker_service.sound_spellings import (
    SWEDISH_DROPPED,
    SWEDISH_SOUNDS,
    SoundSpellings,
)

SWEDISH = SoundSpellings(SWEDISH_SOUNDS, SWEDISH_DROPPED)


def _every_swap(word: str) -> set[str]:
    """The slow reference: every ordered pair of every group tried at every position."""
    pairs = [(a, b) for group in SWEDISH_SOUNDS for a in group for b in group if a != b]
    found: set[str] = set()
    for written, intended in [*pairs, *SWEDISH_DROPPED]:
        plain, wanted = written.rstrip("$"), intended.rstrip("$")
        if written.endswith("$"):
            if word.endswith(plain):
                found.add(word[: len(word) - len(plain)] + wanted)
            continue
        start = word.find(plain)
        while start != -1:
            found.add(word[:start] + wanted + word[start + len(plain) :])
            start = word.find(plain, start + 1)
    found.discard(word)
    return found


def test_variants_are_every_single_swap() -> None:
    rng = random.Random(6)
    for _ in range(5_000):
        word = "".join(rng.choice("sjkchtgxndlaiäe") for _ in range(rng.randint(0, 9)))
        assert SWEDISH.variants(word) == _every_swap(word), word


def test_swedish_sounds_spelled_another_way() -> None:
    assert {"chans", "skans"} <= SWEDISH.variants("sjans")
    assert "gjort" in SWEDISH.variants("jort")
    assert "växa" in SWEDISH.variants("väksa")
    assert "vanligt" in SWEDISH.variants("vanlit")  # an ending speech drops
    assert "intressant" in SWEDISH.variants("intressan")
    assert "garage" in SWEDISH.variants("garasch")
    assert "garage" not in SWEDISH.variants("garaschen")  # endings hold at the end only


def test_a_sound_swap_beats_a_more_frequent_word_one_plain_edit_away() -> None:
    words = {"chans": 1_000, "stans": 3_000}
    plain = SpellingEngine(words)
    sounding = SpellingEngine(words, sound_spellings=SWEDISH)
    assert plain.correction("sjans") == "stans"
    assert sounding.correction("sjans") == "chans"
    assert sounding.cost("sjans", "chans") < sounding.cost("sjans", "stans")


def test_hunspell_is_asked_only_when_its_verdict_matters() -> None:
    asked: list[str] = []

    def accepts(word: str) -> bool:
        asked.append(word)
        return word in {"tilbaka", "sommarlovet"}

    words = {"tillbaka": 5_000, "till": 10_000, "sommar": 100}
    engine = SpellingEngine(words, extra_known=accepts, override_frequency=1_000)
    assert engine.correction("tillbakka") == "tillbaka"  # a common word one slip away: no need
    assert asked == []
    assert engine.correction("tilbaka") == "tillbaka"  # accepted, yet a common word's slip
    assert engine.correction("sommarlovet") is None  # accepted, no common word near
    assert engine.correction("sommmar") == "sommar"  # rejected: corrected as usual
    assert asked == ["sommarlovet", "sommmar"]


def test_swedish_essay_sounds_are_corrected(swedish: TextCorrector) -> None:
    text = "Han har jort läksan och tog en sjans med tjolen, det var vanlit."
    assert swedish.correct(text).text == (
        "Han har gjort läxan och tog en chans med kjolen, det var vanligt."
    )


def test_rare_words_are_searched_only_when_one_could_win() -> None:
    rare = SpellingEngine({"champinjon": 50, "kompisen": 60}, sound_spellings=SWEDISH, max_edits=1)
    engine = SpellingEngine(
        {"kompis": 100_000, "champagne": 3_000}, sound_spellings=SWEDISH, rare=rare
    )
    assert engine.correction("schampinjon") == "champinjon"  # a sound swap to a rare word
    assert engine.correction("kommpis") == "kompis"  # a common word one slip away
    searched = rare.suggestions.cache_info().misses
    assert engine.correction("kompiss") == "kompis"
    assert rare.suggestions.cache_info().misses == searched  # no rare word could have won
