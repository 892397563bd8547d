"""The compact deletes index, the fast distance checks and the pruned ranking, each against
a slow, obviously right version."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from services.spell_checker_service.deletes_index import (
    DeletesIndex,
    deletes_by_depth,
    word_order_checksum,
)
from services.spell_checker_service.edit_distance import bounded_distance
from services.spell_checker_service.engine import SpellingEngine, ranked_words
from services.spell_checker_service.error_model import edit_cost, single_edit_cost

LETTERS = "aabcdeé'"


def _lowrance_wagner(a: str, b: str) -> int:
    """Unrestricted Damerau-Levenshtein distance, the textbook table."""
    beyond = len(a) + len(b)
    table = [[beyond] * (len(b) + 2)] + [[beyond, i] + [0] * len(b) for i in range(len(a) + 1)]
    table[1] = [beyond, *range(len(b) + 1)]
    last_row: dict[str, int] = {}
    for i in range(1, len(a) + 1):
        last_col = 0
        for j in range(1, len(b) + 1):
            k, col = last_row.get(b[j - 1], 0), last_col
            cost = 0 if a[i - 1] == b[j - 1] else 1
            if not cost:
                last_col = j
            table[i + 1][j + 1] = min(
                table[i][j] + cost,
                table[i + 1][j] + 1,
                table[i][j + 1] + 1,
                table[k][col] + (i - k - 1) + 1 + (j - col - 1),
            )
        last_row[a[i - 1]] = i
    return table[-1][-1]


def _random_word(rng: random.Random, longest: int = 7, letters: str = LETTERS) -> str:
    return "".join(rng.choice(letters) for _ in range(rng.randint(0, longest)))


def test_bounded_distance_is_the_lowrance_wagner_distance_up_to_two() -> None:
    rng = random.Random(1)
    for _ in range(20_000):
        a, b = _random_word(rng), _random_word(rng)
        if a == b:
            continue
        assert bounded_distance(a, b, 4) == min(_lowrance_wagner(a, b), 3), (a, b)
    assert bounded_distance("trxem", "term", 4) == 2  # a letter between a transposed pair


@pytest.mark.parametrize("letters", [LETTERS, "aabbcdeio"])  # with and without apostrophes
def test_single_edit_cost_is_the_alignment_cost_for_one_edit_words(letters: str) -> None:
    rng = random.Random(2)
    checked = 0
    for _ in range(30_000):
        a = _random_word(rng, letters=letters) or "a"
        i = rng.randrange(len(a) + 1)
        b = rng.choice(
            [
                a[:i] + rng.choice(letters) + a[i:],
                a[:i] + a[i + 1 :],
                a[:i] + rng.choice(letters) + a[i + 1 :],
                a[:i] + a[i + 1 : i + 2] + a[i : i + 1] + a[i + 2 :],
            ]
        )
        if _lowrance_wagner(a, b) != 1:
            continue
        checked += 1
        assert math.isclose(single_edit_cost(a, b), edit_cost(a, b)), (a, b)
    assert checked > 10_000


def test_every_word_within_two_edits_is_found() -> None:
    rng = random.Random(3)
    words = sorted({_random_word(rng, 6) for _ in range(800)} - {""})
    index = DeletesIndex.build(words)
    for _ in range(300):
        probe = _random_word(rng, 7)
        first, second = deletes_by_depth(probe)
        found: dict[int, int] = {}
        probes = [(probe, 0), *((d, 1) for d in first), *((d, 2) for d in second)]
        index.hits(probes, found)
        near = {i for i, word in enumerate(words) if _lowrance_wagner(probe, word) <= 2}
        assert near <= set(found), probe
        # the bound stored with each hit really bounds the distance
        assert all(_lowrance_wagner(probe, words[i]) <= bound for i, bound in found.items())


def test_one_then_two_edit_lookups_find_what_one_lookup_of_every_probe_finds() -> None:
    """probe_one_edit sets deeper entries aside so probe_two_edits need not look the word and
    its deletes up again: together they must give what the plain lookup of the word, its
    deletes and its double deletes gives, for any bound on the ids."""
    rng = random.Random(4)
    words = sorted({_random_word(rng, 6) for _ in range(800)} - {""})
    index = DeletesIndex.build(words)
    for _ in range(300):
        probe = _random_word(rng, 8)
        first, second = deletes_by_depth(probe)
        assert second == {d[:i] + d[i + 1 :] for d in first for i in range(len(d))} - first - {
            probe
        }
        max_id = rng.choice([-1, 0, rng.randrange(len(words))])
        probed = index.probe_one_edit(probe)
        one_edit: dict[int, int] = {}
        index.hits([(probe, 0), *((d, 1) for d in first)], one_edit, max_depth=1)
        assert probed.found == one_edit, probe
        expected = dict(one_edit)
        probes = [(probe, 0), *((d, 1) for d in first), *((d, 2) for d in second)]
        index.hits(probes, expected, max_id=max_id)
        index.probe_two_edits(probe, probed, max_id)
        assert probed.found == expected, (probe, max_id)


def test_the_index_file_is_mapped_back_and_refused_for_another_word_order(tmp_path: Path) -> None:
    words = ["och", "att", "det", "tillsammans", "mycket"]
    built = DeletesIndex.build(words)
    path = tmp_path / "index.bin"
    path.write_bytes(built.to_bytes(word_order_checksum(words)))
    mapped = DeletesIndex.map_file(path, word_order_checksum(words))
    assert mapped is not None and len(mapped) == len(built)
    found: dict[int, int] = {}
    mapped.hits([("tillsammas", 0)], found)
    assert found == {3: 1}  # "tillsammas" is "tillsammans" less one letter
    assert DeletesIndex.map_file(path, word_order_checksum(sorted(words))) is None
    assert DeletesIndex.map_file(tmp_path / "missing.bin", 0) is None


def _exhaustive(
    engine: SpellingEngine, words: dict[str, int], typo: str, margin: float
) -> list[str]:
    """Every word within two edits scored, the engine's rules applied without pruning."""
    one = [w for w in words if _lowrance_wagner(typo, w) == 1]

    def scored(pool: list[str]) -> list[tuple[float, str]]:
        return sorted(
            ((math.log10(words[w]) - 3.5 * edit_cost(typo, w), w) for w in pool), reverse=True
        )

    ranked = scored(one)
    if not ranked or ranked[0][0] < 2.0:
        # two-edit words enter only by scoring at least the best one-edit word
        admit = ranked[0][0] if ranked else -math.inf
        two = scored([w for w in words if _lowrance_wagner(typo, w) == 2])
        ranked = sorted([*ranked, *((s, w) for s, w in two if s >= admit)], reverse=True)
    return [w for s, w in ranked[:8] if s >= ranked[0][0] - margin]


def test_pruned_ranking_equals_scoring_every_candidate() -> None:
    rng = random.Random(4)
    words = {
        w: rng.choice((1, 10, 100, 10_000, 1_000_000))
        for w in (_random_word(rng) for _ in range(700))
        if w
    }
    for margin in (0.0, 2.5):
        engine = SpellingEngine(words, margin=margin)
        assert engine.words == ranked_words(words)
        for _ in range(200):
            typo = _random_word(rng)
            if typo in words:
                continue
            assert [w for w, _ in engine.suggestions(typo)] == _exhaustive(
                engine, words, typo, margin
            )
