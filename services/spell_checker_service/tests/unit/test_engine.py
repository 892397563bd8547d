"""The deletes-index engine finds exactly pyspellchecker's candidates and ranks them alike."""

from __future__ import annotations

import random

from spellchecker import SpellChecker

from services.spell_checker_service.edit_distance import edits1
from services.spell_checker_service.engine import SpellingEngine

ALPHABET = "abcde"


def _random_dictionary(rng: random.Random, size: int) -> dict[str, int]:
    words: dict[str, int] = {}
    while len(words) < size:
        word = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(2, 7)))
        words[word] = rng.randint(1, 1000)
    return words


def _misspell(word: str, rng: random.Random, edits: int) -> str:
    for _ in range(edits):
        word = rng.choice(sorted(edits1(word, ALPHABET))) or word
    return word


def _reference(words: dict[str, int]) -> SpellChecker:
    checker = SpellChecker(language=None, distance=2)
    checker.word_frequency.load_json(words)
    return checker


def test_candidates_equal_pyspellcheckers_on_random_two_edit_misspellings() -> None:
    # A dense little dictionary over five letters makes every kind of two-edit path common,
    # including the ones between a transposed pair that a restricted distance misses.
    rng = random.Random(7)
    words = _random_dictionary(rng, 600)
    engine = SpellingEngine(words, ALPHABET)
    reference = _reference(words)
    targets = rng.sample(sorted(words), 150)
    probes = [_misspell(word, rng, rng.choice((1, 2, 2))) for word in targets]
    mismatches = [
        (probe, engine.candidates(probe), reference.candidates(probe))
        for probe in probes
        if engine.candidates(probe) != (reference.candidates(probe) or set())
    ]
    assert mismatches == []
    needed_distance2 = [
        p for p in probes if p not in words and not any(w in words for w in edits1(p, ALPHABET))
    ]
    assert len(needed_distance2) > 10  # the distance-2 path really was exercised


def test_correction_is_pyspellcheckers_choice_when_frequencies_differ() -> None:
    words = {"spelling": 50, "spewing": 10, "selling": 80, "smelling": 30, "fish": 5}
    engine = SpellingEngine(words, "abcdefghijklmnopqrstuvwxyz")
    reference = _reference(words)
    for typo in ("speling", "spellling", "sellingg", "fsih", "smeling", "spewling"):
        assert engine.correction(typo) == reference.correction(typo), typo


def test_known_words_and_hopeless_words_give_no_correction() -> None:
    engine = SpellingEngine({"house": 10, "mouse": 5}, "abcdefghijklmnopqrstuvwxyz")
    assert engine.correction("house") is None
    assert engine.correction("xyzzyq") is None
    assert engine.correction("hous") == "house"
    assert engine.correction("hoouse") == "house"


def test_distance_one_beats_a_more_frequent_word_at_distance_two() -> None:
    engine = SpellingEngine({"cart": 1, "cards": 1000}, "abcdefghijklmnopqrstuvwxyz")
    assert engine.correction("carr") == "cart"


def test_accent_variant_preferred_when_asked() -> None:
    words = {"père": 5, "pare": 50}
    plain = SpellingEngine(words, "aeèpr")
    accented = SpellingEngine(words, "aeèpr", prefer_accent_variants=True)
    assert plain.correction("pere") == "pare"
    assert accented.correction("pere") == "père"


def test_words_only_the_spelling_dictionary_knows_are_kept_unless_one_edit_from_a_common_word() -> (
    None
):
    words = {"till": 10_000, "tillbaka": 5_000, "sommar": 100}
    accepted = {"sommarlovet", "tilbaka"}.__contains__  # as a dictionary accepting compounds
    engine = SpellingEngine(
        words, "abcdefghijklmnopqrstuvwxyzåäö", extra_known=accepted, override_frequency=1_000
    )
    assert engine.known("sommarlovet")
    assert engine.correction("sommarlovet") is None
    assert engine.correction("tilbaka") == "tillbaka"  # "til" + "baka" would hide it


def test_two_cheap_slips_beat_one_arbitrary_edit_to_a_rarer_word() -> None:
    engine = SpellingEngine({"accommodate": 1_000, "accumulate": 1_000}, "acdemotu")
    # two doubled letters written once vs. one replacement and more: the doubling wins
    assert engine.suggestions("acomodate")[0][0] == "accommodate"


def test_repeated_words_are_answered_from_the_cache() -> None:
    engine = SpellingEngine({"because": 10}, "abcdefghijklmnopqrstuvwxyz", cache_size=10)
    for _ in range(5):
        assert engine.correction("becuase") == "because"
    info = engine.correction.cache_info()
    assert (info.hits, info.misses) == (4, 1)


def test_prepare_asks_the_spelling_dictionary_once_per_unknown_word_and_changes_no_answer() -> None:
    words = {"because": 10, "house": 8, "horse": 3}
    asked: list[str] = []

    def spell(word: str) -> bool:
        asked.append(word)
        return word == "housework"

    plain = SpellingEngine(words, extra_known=lambda word: word == "housework")
    prepared = SpellingEngine(words, extra_known=spell)
    text = ["becuase", "house", "housework", "hosue", "becuase"]
    prepared.prepare(text)
    # each unknown word once; lexicon words never
    assert asked == ["becuase", "housework", "hosue"]
    assert [prepared.correction(w) for w in text] == [plain.correction(w) for w in text]
    assert [prepared.known(w) for w in text] == [plain.known(w) for w in text]
    assert len(asked) == 3  # every verdict came from the batch
    prepared.clear_caches()
    prepared.correction("hosue")
    assert asked[-1] == "hosue" and len(asked) == 4  # a cold engine asks again


def test_prepare_asks_nothing_where_the_override_decides_when_to_ask() -> None:
    asked: list[str] = []

    def spell(word: str) -> bool:
        asked.append(word)
        return False

    engine = SpellingEngine({"tillbaka": 5_000}, extra_known=spell, override_frequency=1_000)
    engine.prepare(["tilbaka", "sommarlovet"])
    assert asked == []
    assert engine.correction("tilbaka") == "tillbaka"
    assert asked == []  # one edit from a common word: Hunspell's verdict cannot change it
