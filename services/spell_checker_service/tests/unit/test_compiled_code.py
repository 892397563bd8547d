"""The spell checker's compiled code against the Python it replaces, and the build that makes
it: the deletes index's lookups (_deletes_probe.c), the error model's costs (_edit_costs.c),
the sound-spelling swaps (_sound_swaps.c), the tokenizer's scan (_word_scan.c), the quick
"no" before Hunspell sv_SE (_word_forms.c) and the candidates' scoring loop (_ranking.c)."""

from __future__ import annotations

import importlib.util
import math
import os
import random
import shutil
from array import array
from pathlib import Path

import pytest

from services.spell_checker_service import build_native, error_model, tokenizer
from services.spell_checker_service.deletes_index import DeletesIndex
from services.spell_checker_service.dictionaries import SWEDISH_ALPHABET
from services.spell_checker_service.engine import SpellingEngine
from services.spell_checker_service.lexicon import load_word_forms
from services.spell_checker_service.ranking import Ranker
from services.spell_checker_service.sound_spellings import (
    SWEDISH_DROPPED,
    SWEDISH_SOUNDS,
    SoundSpellings,
)

# Multi-byte letters (å, ä, ö, é: two bytes in UTF-8), doubled letters and apostrophes: the
# compiled code hashes deletes from byte offsets and merges equal deletes by their hash.
LETTERS = "aaåäöébcdd'"


def _word(rng: random.Random, longest: int) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(0, longest)))


def _indexes() -> tuple[DeletesIndex, DeletesIndex, list[str]]:
    rng = random.Random(5)
    words = sorted({_word(rng, 7) for _ in range(1_500)} - {""})
    compiled = DeletesIndex.build(words)
    return compiled, compiled.in_python(), words


def test_the_compiled_code_is_built_and_used_where_there_is_a_compiler() -> None:
    if build_native.compiler() is None:
        pytest.skip("no C compiler on this machine: the Python code is the one in use")
    assert DeletesIndex.build(["och"]).compiled, "run `make native` (make test runs it)"
    assert error_model.edit_cost is not error_model.python_edit_cost, "run `make native`"
    assert error_model.single_edit_cost is not error_model.python_single_edit_cost
    assert SoundSpellings(SWEDISH_SOUNDS, SWEDISH_DROPPED).compiled
    assert tokenizer._native is not None
    assert load_word_forms("sv", SWEDISH_ALPHABET).compiled
    assert Ranker(["och"], array("d", [1.0]), 3.5).compiled


def test_compiled_and_python_lookups_find_the_same_words_at_the_same_bounds() -> None:
    compiled, python, words = _indexes()
    if not compiled.compiled:
        pytest.skip("the compiled lookups are not built here")
    assert not python.compiled
    rng = random.Random(6)
    probes = [_word(rng, 10) for _ in range(1_500)] + ["", "d", "dddd", "åäöåäö", "a" * 40]
    for probe in probes:
        fast, slow = compiled.probe_one_edit(probe), python.probe_one_edit(probe)
        assert (fast.found, fast.deeper) == (slow.found, slow.deeper), probe
        max_id = rng.choice([-1, 0, rng.randrange(len(words))])
        compiled.probe_two_edits(probe, fast, max_id)
        python.probe_two_edits(probe, slow, max_id)
        assert fast.found == slow.found, (probe, max_id)
    # Some probes found words two edits away (the comparison was not of empty results).
    assert sum(bool(compiled.probe_one_edit(p).deeper) for p in probes) > 500


def test_a_word_python_cannot_encode_is_refused_alike() -> None:
    compiled, python, _ = _indexes()
    for index in (compiled, python):
        with pytest.raises(UnicodeEncodeError):
            index.probe_one_edit("a\ud800b")


def _edited(rng: random.Random, word: str, letters: str) -> str:
    """`word` with one random insert, delete, replace or swap."""
    i = rng.randrange(len(word) + 1)
    return rng.choice(
        [
            word[:i] + rng.choice(letters) + word[i:],
            word[:i] + word[i + 1 :],
            word[:i] + rng.choice(letters) + word[i + 1 :],
            word[:i] + word[i + 1 : i + 2] + word[i : i + 1] + word[i + 2 :],
        ]
    )


def test_compiled_and_python_costs_are_the_same_to_the_bit() -> None:
    if error_model.edit_cost is error_model.python_edit_cost:
        pytest.skip("the compiled costs are not built here")
    # Doubles, vowels (å, ä, ö, é, ø), sound-alike and neighbouring keys, apostrophes, and
    # letters the tables do not hold (x, h, ß).
    letters = "aabeéiouyåäöøcksztdbpmnvwjgfq'xhß"
    rng = random.Random(7)
    one_edit = 0
    for _ in range(60_000):
        typed = "".join(rng.choice(letters) for _ in range(rng.randint(0, 9)))
        intended = _edited(rng, typed, letters) if rng.random() < 0.6 else _word(rng, 9)
        pair = (typed, intended)
        assert error_model.edit_cost(*pair) == error_model.python_edit_cost(*pair), pair
        if typed != intended and len(typed) + len(intended) > 0:
            fast, slow = (
                error_model.single_edit_cost(*pair),
                error_model.python_single_edit_cost(*pair),
            )
            assert fast == slow, pair
            one_edit += fast < error_model.DEFAULT
    assert one_edit > 10_000  # many pairs took the cheap edits' paths, not only the default


def test_compiled_and_python_sound_swaps_give_the_same_variants() -> None:
    sounds = SoundSpellings(SWEDISH_SOUNDS, SWEDISH_DROPPED)
    if not sounds.compiled:
        pytest.skip("the compiled sound swaps are not built here")
    # Runs of the spellings (sch, skj, tion, gn, ck ...), endings, and letters of no rule.
    pieces = ["s", "k", "j", "sch", "tion", "g", "n", "t", "de", "x", "ck", "ej", "ä", "ö", "a"]
    rng = random.Random(8)
    words = ["", "t", "sjuk", "skjorta", "station", "dusch", "vanligt", "regn", "tjej", "kex"]
    words += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(5_000)]
    total = 0
    for word in words:
        fast = sounds.variants(word)
        assert fast == sounds.python_variants(word), word
        total += len(fast)
    assert total > 50_000  # the words had many swaps to make
    # Two tables of different rules stay apart.
    other = SoundSpellings([("ph", "f")])
    assert other.variants("phil") == {"fil"} and "fil" not in sounds.variants("phil")


def test_compiled_and_python_scans_keep_the_same_words() -> None:
    native = tokenizer._native
    if native is None:
        pytest.skip("the compiled scan is not built here")
    # What decides a word's edges: letters of every kind (capital, titlecase ǅ, dotted İ, ß),
    # what `re` counts as letters though they are not (², ½) and not (_, a decimal ٣),
    # combining accents, both apostrophes, and the separators around them.
    pieces = [*"aAbzåÅéÉßİǅ²½_٣1'\u2019-.: \n", "\u0301", "\u0308", "ab", "Ab"]
    known = {"ab", "a", "åa", "ss", "i", "i\u0307"}
    rng = random.Random(9)
    total = 0
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        skip = {piece for piece in text.split() if rng.random() < 0.3}
        fast = native.words_to_check(text, skip, known)
        assert fast == tokenizer._words_to_check(text, skip, known), text
        total += len(fast)
    assert total > 40_000  # the texts had many words to check


def test_compiled_and_python_word_forms_give_the_same_answers(
    swedish_words: SpellingEngine,
) -> None:
    compiled = load_word_forms("sv", SWEDISH_ALPHABET)
    if not compiled.compiled:
        pytest.skip("the compiled word forms test is not built here")
    python = compiled.in_python()
    assert not python.compiled
    # Compounds of lexicon words, some after a word ending in a doubled letter (where a part
    # may also start on that letter), and their misspellings.
    rng = random.Random(10)
    lexicon = list(swedish_words.words[:20_000])
    doubled = [word for word in lexicon if len(word) > 2 and word[-1] == word[-2]]
    words = ["".join(rng.sample(lexicon, rng.randint(1, 3))) for _ in range(6_000)]
    words += [word + rng.choice(lexicon) for word in doubled[:2_000]]
    words += [_edited(rng, word, SWEDISH_ALPHABET) for word in words]
    answers = [compiled.may_accept(word) for word in words]
    assert answers == [python.may_accept(word) for word in words]
    assert 2_000 < sum(answers) < len(words) - 2_000  # many of each answer


@pytest.mark.parametrize("language", ["english", "swedish"])
def test_compiled_and_python_scoring_rank_alike(
    language: str, request: pytest.FixtureRequest
) -> None:
    engine: SpellingEngine = request.getfixturevalue(f"{language}_words")
    compiled = engine._ranker
    if not compiled.compiled:
        pytest.skip("the compiled scoring loop is not built here")
    python = compiled.in_python()
    rng = random.Random(11)
    words = list(engine.words[:30_000])
    letters = "abcdefghijklmnopqrstuvwxyzåäö'"
    typos = [_edited(rng, rng.choice(words), letters) for _ in range(1_500)]
    typos += [_edited(rng, word, letters) for word in typos[:700]]  # two edits
    typos = [typo for typo in typos if engine.frequency(typo) == 0]  # known words: no ranking
    ranked = 0
    for typo in typos:
        probed = engine._index.probe_one_edit(typo)
        engine._index.probe_two_edits(typo, probed)
        ids = sorted(probed.found)
        for limit, margin, nearest in ((1, 0.0, 1), (2, 1.5, 1), (2, 0.0, 2)):
            least = rng.choice([0.0, 1.5, 3.5 * nearest])
            seed = python.rank(typo, ids[:3], probed.found, 1, margin, (), 1, 0.0)
            seed = rng.choice([(), seed])
            admit = rng.choice([-math.inf, 3.0])
            args = (typo, ids, probed.found, limit, margin, seed, nearest, least, admit)
            fast = compiled.rank(*args)
            assert fast == python.rank(*args), args
            ranked += len(fast)
    assert ranked > 3_000  # most typos had candidates to rank


def test_the_build_compiles_a_fresh_copy_and_then_leaves_it(tmp_path: Path) -> None:
    if build_native.compiler() is None:
        pytest.skip("no C compiler on this machine")
    assert {source.name for source in build_native.SOURCES} == {
        "_deletes_probe.c",
        "_edit_costs.c",
        "_ranking.c",
        "_sound_swaps.c",
        "_word_forms.c",
        "_word_scan.c",
    }
    for header in build_native.HEADERS:
        shutil.copy(header, tmp_path / header.name)
    for original in build_native.SOURCES:
        source = tmp_path / original.name
        shutil.copy(original, source)
        built = build_native.build(source)
        assert built is not None and built == build_native.target(source) and built.exists()
        spec = importlib.util.spec_from_file_location(source.stem, built)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert module.__doc__ and "compiled code" in module.__doc__
        stamp = built.stat().st_mtime_ns
        assert build_native.build(source) == built
        assert built.stat().st_mtime_ns == stamp, "an up-to-date module is not compiled again"
    # A header changed since: the modules are compiled again.
    assert built is not None
    header = tmp_path / build_native.HEADERS[0].name
    later = built.stat().st_mtime + 10
    os.utime(header, (later, later))
    assert build_native.build(source) == built
    assert built.stat().st_mtime_ns != stamp, "a module older than its header is compiled again"
