"""The quick "no" before Hunspell sv_SE (word_forms.py): never for a word Hunspell accepts,
and for most misspellings."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from wordfreq import get_frequency_dict

from services.spell_checker_service.dictionaries import ENGLISH_ALPHABET, SWEDISH_ALPHABET
from services.spell_checker_service.engine import SpellingEngine
from services.spell_checker_service.hunspell_forms import BEGIN, END, MIDDLE, rule_places
from services.spell_checker_service.lexicon import hunspell, load_word_forms
from services.spell_checker_service.word_forms import (
    WordForms,
    build_tables,
    tables_in,
    tables_to_bytes,
)

# A dictionary in sv_SE's shape: suffix groups whose forms may begin (X), stand in the middle
# of (U) or end (Y) a compound, and a verb prefix and verb for COMPOUNDRULE's `>j`.
AFF = """SET UTF-8
COMPOUNDBEGIN X
COMPOUNDMIDDLE U
COMPOUNDEND Y
COMPOUNDRULE 1
COMPOUNDRULE >j
SFX A Y 2
SFX A 0 en .
SFX A 0 s/X [^s]
SFX B Y 1
SFX B a or a
"""
DIC = """7
sommar/AXY
lov/AU
resa/BY
glass/XY
skål/Y
bort/>
springa/j
"""


@pytest.fixture()
def small(tmp_path: Path) -> WordForms:
    (tmp_path / "t.aff").write_text(AFF, encoding="utf-8")
    (tmp_path / "t.dic").write_text(DIC, encoding="utf-8")
    return WordForms(build_tables(tmp_path / "t.aff", tmp_path / "t.dic"))


@pytest.mark.parametrize(
    "word",
    [
        "sommar",  # a root
        "sommaren",  # a root with a suffix
        "resor",  # a suffix that strips (resa -> resor)
        "sommarresa",  # begin + end
        "sommarsresor",  # a suffixed form given X by its suffix, + end
        "sommarlovresa",  # begin + middle + end
        "glasskål",  # glass + skål, the third s dropped (SIMPLIFIEDTRIPLE)
        "bortspringa",  # COMPOUNDRULE >j
        "sommar's",  # not letters only: Hunspell decides
    ],
)
def test_forms_and_compounds_may_be_words(small: WordForms, word: str) -> None:
    assert small.may_accept(word)


@pytest.mark.parametrize(
    "word",
    [
        "somar",  # a misspelt root
        "resaen",  # a suffix the root does not take
        "resasommar",  # resa may only end a compound
        "sommarlov",  # lov may only stand in the middle (or alone)
        "sommarlovlov",  # nor end after a middle part
        "springabort",  # the rule's parts the wrong way round
        "glasskkål",  # not a dropped triple
    ],
)
def test_words_no_chain_of_parts_makes_are_rejected(small: WordForms, word: str) -> None:
    assert not small.may_accept(word)


def test_a_guarded_checker_is_asked_only_about_possible_words(small: WordForms) -> None:
    asked: list[str] = []

    def spell(word: str) -> bool:
        asked.append(word)
        return True

    guarded = small.guard(spell)
    assert guarded("sommarresa") and not guarded("somar")
    assert asked == ["sommarresa"]


def test_the_tables_survive_the_cache_file(small: WordForms, tmp_path: Path) -> None:
    tables = build_tables(tmp_path / "t.aff", tmp_path / "t.dic")
    data = tables_to_bytes(tables)
    stored = tables_in(memoryview(data))
    assert stored is not None and [list(t) for t in stored] == [list(t) for t in tables]
    assert tables_in(memoryview(data[:-4])) is None  # cut short: rebuilt, not misread
    assert tables_in(memoryview(b"HULEDI01" + data[8:])) is None


def _typo(rng: random.Random, word: str, alphabet: str = SWEDISH_ALPHABET) -> str:
    at = rng.randrange(len(word) + 1)
    letter = rng.choice(alphabet)
    return rng.choice(
        [
            word[:at] + word[at + 1 :],
            word[:at] + letter + word[at:],
            word[:at] + letter + word[at + 1 :],
            word[:at] + word[at + 1 : at + 2] + word[at : at + 1] + word[at + 2 :],
        ]
    )


def test_the_places_compound_rules_give_their_flags() -> None:
    assert rule_places(">j") == {">": {BEGIN}, "j": {END}}
    assert rule_places("1*-3U*Y") == {
        "1": {BEGIN, MIDDLE},  # repeated: 11-3Y
        "-": {BEGIN, MIDDLE},  # 1* may be none: -3Y
        "3": {MIDDLE},
        "U": {MIDDLE},
        "Y": {END},
    }
    assert rule_places("4?5?2") == {"4": {BEGIN}, "5": {BEGIN, MIDDLE}, "2": {BEGIN, END}}


@pytest.mark.parametrize(
    "line",
    ["FLAG long", "AF 2", "ICONV 1", "SFX A 0 s/B .\nSFX B Y 1\nSFX B 0 x ."],
)
def test_a_dictionary_read_only_in_part_is_refused(tmp_path: Path, line: str) -> None:
    (tmp_path / "t.aff").write_text(f"SET UTF-8\nSFX A Y 1\n{line}\n", encoding="utf-8")
    (tmp_path / "t.dic").write_text("1\nord/A\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not read here"):
        build_tables(tmp_path / "t.aff", tmp_path / "t.dic")


def test_no_word_en_us_accepts_is_rejected_and_most_misspellings_are(
    english_words: SpellingEngine,
) -> None:
    """English: wordfreq's words and typos of lexicon words; every one Hunspell accepts passes
    (en_US's prefixes and suffixes, across each other), and most typos it rejects are rejected
    here (not those that are a name's forms in lower case: `paris`, `april`)."""
    checker, forms = hunspell("en"), load_word_forms("en", ENGLISH_ALPHABET)
    rng = random.Random(12)
    letters = [w for w in get_frequency_dict("en") if w.isalpha() and len(w) > 1][:30_000]
    typos = [_typo(rng, w, "abcdefghijklmnopqrstuvwxyz") for w in letters[:10_000]]
    accepted = [w for w in [*letters, *typos] if checker.spell(w)]
    assert len(accepted) > 20_000
    assert [w for w in accepted if not forms.may_accept(w)] == []
    rejected = [w for w in typos if w.isalpha() and not checker.spell(w)]
    assert sum(forms.may_accept(w) for w in rejected) < 0.05 * len(rejected)


def test_no_word_sv_se_accepts_is_rejected_and_most_misspellings_are(
    swedish_words: SpellingEngine,
) -> None:
    """On the real dictionary: wordfreq's Swedish words, compounds of two and three lexicon
    words, and one- and two-edit typos of lexicon words; every one Hunspell accepts must pass
    (~20,000 of them), and most typos Hunspell rejects must be rejected here."""
    checker, forms = hunspell("sv"), load_word_forms("sv", SWEDISH_ALPHABET)
    rng = random.Random(3)
    lexicon = list(swedish_words.words)
    listed = [w for w in get_frequency_dict("sv") if w.isalpha() and len(w) > 1][:20_000]
    pairs = ["".join(rng.sample(lexicon, 2)) for _ in range(10_000)]
    triples = ["".join(rng.sample(lexicon, 3)) for _ in range(3_000)]
    typos = [_typo(rng, _typo(rng, w)) for w in rng.sample(lexicon, 10_000)]
    typos += [_typo(rng, w) for w in rng.sample(lexicon, 10_000)]
    accepted = [w for w in [*listed, *pairs, *triples, *typos] if checker.spell(w)]
    assert len(accepted) > 15_000
    assert [w for w in accepted if not forms.may_accept(w)] == []
    rejected = [w for w in typos if w.isalpha() and not checker.spell(w)]
    assert sum(forms.may_accept(w) for w in rejected) < 0.05 * len(rejected)


def test_words_with_capitals_are_left_to_hunspell(small: WordForms) -> None:
    # The forms are kept in lower case; Hunspell accepts a capitalised word by other rules.
    assert small.may_accept("Somar") and small.may_accept("SOMAR")
    assert not small.may_accept("somar")
