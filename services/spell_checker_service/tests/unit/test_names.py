"""Names vs misspellings: the name judge's evidence, and the names fixtures end to end."""

from __future__ import annotations

from pathlib import Path

from services.spell_checker_service.corrector import TextCorrector
from services.spell_checker_service.names import NameJudge, in_title_line

DATA = Path(__file__).resolve().parents[4] / "scripts" / "data"


class FakeDictionary:
    def __init__(self, *accepted: str) -> None:
        self._accepted = set(accepted)

    def spell(self, word: str) -> bool:
        return word in self._accepted


class FakeRanker:
    def __init__(self, frequencies: dict[str, int], costs: dict[tuple[str, str], float]) -> None:
        self._frequencies = frequencies
        self._costs = costs

    def frequency(self, word: str) -> int:
        return self._frequencies.get(word, 0)

    def cost(self, word: str, candidate: str) -> float:
        return self._costs[(word, candidate)]


JUDGE = NameJudge([FakeDictionary("Lindqvist")], {"anna"})
RANKER = FakeRanker(
    {"library": 50_000, "linden": 5_000, "bergen": 400},
    {("libary", "library"): 1.0, ("lindgvist", "linden"): 2.0, ("bergan", "bergen"): 0.7},
)


def _keep(word: str, correction: str, text: str, *, free: bool = False) -> bool:
    return JUDGE.keep_as_name(word, correction, RANKER, text=text, free_capital=free)


def test_listed_names_are_kept() -> None:
    assert JUDGE.listed("Lindqvist") and JUDGE.listed("Anna")
    assert not JUDGE.listed("Libary")


def test_one_slip_from_a_very_common_word_is_a_misspelling_even_when_it_recurs() -> None:
    assert not _keep("Libary", "library", "the Libary and the Libary")


def test_far_from_any_frequent_word_is_a_name() -> None:
    assert _keep("Lindgvist", "linden", "we met Lindgvist")


def test_a_recurring_word_is_a_name_unless_the_slip_is_clear() -> None:
    assert _keep("Bergan", "bergen", "Bergan said hi to Bergan.", free=True)
    assert not _keep("Bergan", "bergen", "Bergan said hi.", free=True)  # sentence start
    assert _keep("Bergan", "bergen", "we met Bergan")  # mid-sentence: too rare to overrule


def test_title_case_lines_are_headings() -> None:
    text = "My Summer At The Libary\n\nWe went to the library. It Was Fine."
    assert in_title_line(text, text.index("Libary"))
    assert not in_title_line(text, text.index("went"))


def test_names_fixtures_come_back_unchanged(english: TextCorrector, swedish: TextCorrector) -> None:
    for corrector, name in ((english, "names_en.txt"), (swedish, "names_sv.txt")):
        text = (DATA / name).read_text(encoding="utf-8")
        result = corrector.correct(text)
        assert [c.original for c in result.corrections] == [], name
        assert result.text == text


def test_capitalised_misspellings_in_a_sentence_and_a_heading_are_corrected(
    english: TextCorrector,
) -> None:
    text = "My Summer At The Libary\n\nAnna Lindqvist and I went to the Libary on Friday."
    result = english.correct(text)
    assert [(c.original, c.corrected) for c in result.corrections] == [
        ("Libary", "Library"),
        ("Libary", "Library"),
    ]


def test_the_issues_swedish_misspellings_are_corrected(swedish: TextCorrector) -> None:
    result = swedish.correct("Vi var tillsammas hela dagen och det var mycke roligt.")
    assert [(c.original, c.corrected) for c in result.corrections] == [
        ("tillsammas", "tillsammans"),
        ("mycke", "mycket"),
    ]
