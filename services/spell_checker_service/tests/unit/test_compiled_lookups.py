"""The deletes index's compiled lookups (_deletes_probe.c) against its Python ones, and the
build that makes them."""

from __future__ import annotations

import importlib.util
import random
import shutil
from pathlib import Path

import pytest

from services.spell_checker_service import build_native
from services.spell_checker_service.deletes_index import DeletesIndex

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


def test_the_compiled_lookups_are_built_where_there_is_a_compiler() -> None:
    if build_native.compiler() is None:
        pytest.skip("no C compiler on this machine: the Python lookups are the ones in use")
    assert DeletesIndex.build(["och"]).compiled, "run `make native` (or `make install`)"


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


def test_the_build_compiles_a_fresh_copy_and_then_leaves_it(tmp_path: Path) -> None:
    if build_native.compiler() is None:
        pytest.skip("no C compiler on this machine")
    source = tmp_path / build_native.SOURCE.name
    shutil.copy(build_native.SOURCE, source)
    built = build_native.build(source)
    assert built is not None and built == build_native.target(source) and built.exists()
    spec = importlib.util.spec_from_file_location("_deletes_probe", built)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.one_edit) and callable(module.two_deletes)
    stamp = built.stat().st_mtime_ns
    assert build_native.build(source) == built
    assert built.stat().st_mtime_ns == stamp, "an up-to-date module is not compiled again"
