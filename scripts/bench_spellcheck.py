"""Spell-check benchmark: this engine against pyspellchecker and Hunspell, on the same data.

    pdm run python -m scripts.bench_spellcheck            # everything (several minutes)
    pdm run python -m scripts.bench_spellcheck --quick    # smaller samples of the slow parts
    pdm run python -m scripts.bench_spellcheck --pool     # also the checker process pool

The process-level figures (start-up, memory, the pool) are in bench_spellcheck_processes.py.

Prints figures only (no assertions), and ends with one table:
- start-up: time and memory to build each language's engine (lexicon cache warm);
- accuracy on each word list (Norvig's spell-testset1 and spell-testset2; the two Swedish tuning
  lists; the Swedish held-out list collected from public style-guide lists and never tuned on):
  pyspellchecker 0.9 (English: its `en` dictionary; Swedish: over our Swedish lexicon), this
  engine, and Hunspell's first suggestion (en_US as chunspell ships it; sv_SE from data/);
- words/s of the word engines on those lists and on generated essays, of whole texts through
  the corrector (generated essays and examples/essays, cold and warm caches), and the ratios;
- memory of this process at the end (the deletes index files are mapped, so shared);
- false corrections: on generated essays (every correction of a word that was not a typo),
  on correct Swedish prose, and names changed on the two names fixtures.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from spellchecker import SpellChecker

from common_core.enums import Language
from scripts.bench_spellcheck_processes import bench_pool, checker_processes, timed
from scripts.bench_spellcheck_speed import (
    TURNS,
    Speed,
    best_of_turns,
    correct_words,
    cpu_clock,
    essay_speeds,
    nothing,
)
from services.spell_checker_service.build_native import SOURCES, load
from services.spell_checker_service.corrector import TextCorrector
from services.spell_checker_service.dictionaries import load_all
from services.spell_checker_service.engine import SpellingEngine
from services.spell_checker_service.lexicon import hunspell
from services.spell_checker_service.tokenizer import is_checkable, iter_words
from tests.support.essays import GeneratedEssay, generate_essay

DATA = Path(__file__).resolve().parent / "data"


class PyspellWords:
    """pyspellchecker behind the corrector's word-checker seam (no cache: its default)."""

    def __init__(self, checker: SpellChecker) -> None:
        self._checker = checker

    def known(self, word: str) -> bool:
        return word in self._checker

    def correction(self, word: str) -> str | None:
        if word in self._checker:
            return None
        best = self._checker.correction(word)
        return best if best and best != word else None


@dataclass
class Score:
    right: int = 0
    total: int = 0
    seconds: float = 0.0
    words: int = 0

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0


def load_pairs(*names: str) -> list[tuple[str, str]]:
    """(misspelling, intended) pairs from `right: wrong1 wrong2` files."""
    pairs: list[tuple[str, str]] = []
    for name in names:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            right, _, wrongs = line.partition(":")
            pairs.extend((wrong, right.strip()) for wrong in wrongs.split())
    return pairs


@dataclass
class WordScore(Score):
    answers: dict[str, str] = field(default_factory=dict)


def score_words(correct: Callable[[str], str | None], pairs: list[tuple[str, str]]) -> WordScore:
    """Norvig's measure: the word after correction (itself when none) equals the intended."""
    score = WordScore(total=len(pairs), words=len(pairs))
    started = cpu_clock()
    for wrong, right in pairs:
        score.answers[wrong] = correct(wrong) or wrong
        score.right += score.answers[wrong] == right
    score.seconds = cpu_clock() - started
    return score


def hunspell_first(checker: Any) -> Callable[[str], str | None]:
    """Hunspell's answer: the word itself when it accepts it, else its first suggestion."""

    def correct(word: str) -> str | None:
        if checker.spell(word):
            return None
        suggestions = checker.suggest(word)
        return suggestions[0] if suggestions else None

    return correct


@dataclass
class EssayScore(Score):
    false_positives: int = 0


def score_essays(corrector: TextCorrector, essays: Iterable[GeneratedEssay]) -> EssayScore:
    """Typos fixed to the intended word; corrections of words that were not typos."""
    score = EssayScore()
    for essay in essays:
        started = cpu_clock()
        result = corrector.correct(essay.text)
        score.seconds += cpu_clock() - started
        score.words += essay.words
        fixed = {c.original: c.corrected for c in result.corrections}
        typos = dict(essay.typos)
        score.total += len(essay.typos)
        score.right += sum(fixed.get(typo) == intended for typo, intended in essay.typos)
        score.false_positives += sum(original not in typos for original in fixed)
    return score


def uncached(engine: SpellingEngine) -> Callable[[str], str | None]:
    """The engine's correction with its per-process caches emptied first (every word of a
    list is then computed; the lists hold no repeats that matter)."""
    engine.clear_caches()
    return engine.correction


def line(label: str, score: Score, extra: str = "") -> None:
    print(
        f"  {label:<36} accuracy {score.accuracy:6.1%} ({score.right}/{score.total})  "
        f"{score.words_per_second:>11,.0f} words/s  {extra}"
    )


@dataclass
class Row:
    """One line of the final table."""

    data: str
    pyspell: WordScore
    ours: WordScore
    hunspell: WordScore


def compare_list(
    label: str,
    pairs: list[tuple[str, str]],
    reference: SpellChecker,
    engine: SpellingEngine,
    checker: Any,
) -> Row:
    ref = score_words(reference.correction, pairs)
    ours = score_words(uncached(engine), pairs)
    hun = score_words(hunspell_first(checker), pairs)
    timing = ""
    if ref.seconds < 1.0:  # fast enough to time again, in turns (bench_spellcheck_speed.py)
        wrong = [wrong for wrong, _ in pairs]
        best = best_of_turns(
            {
                "ref": (nothing, correct_words(reference.correction, wrong)),
                "ours": (engine.clear_caches, correct_words(engine.correction, wrong)),
            }
        )
        ref.seconds, ours.seconds = best["ref"], best["ours"]
        timing = f" (speeds: best of {TURNS} turns)"
    print(f"  {label}: {len(pairs)} misspellings{timing}")
    line("pyspellchecker", ref)
    line("this engine (uncached)", ours, f"x{ours.words_per_second / ref.words_per_second:,.0f}")
    line("Hunspell, first suggestion", hun)
    return Row(label, ref, ours, hun)


def essay_words(essays: Iterable[GeneratedEssay]) -> list[str]:
    """The lowercased words the corrector would hand to an engine, in text order."""
    return [
        token.text.lower()
        for essay in essays
        for token in iter_words(essay.text)
        if is_checkable(token)
    ]


@dataclass
class Clean:
    """False corrections on text with nothing (or only known typos) to correct."""

    label: str
    false: int
    words: int
    detail: str = ""


def example_texts(language: str) -> list[str]:
    """The project's example essays that are plain text (examples/essays/<language>/*.txt)."""
    folder = DATA.parent.parent / "examples" / "essays" / language
    return [path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.txt"))]


def bench_essays(
    args: argparse.Namespace,
    language: str,
    corrector: TextCorrector,
    reference: PyspellWords,
) -> tuple[Clean, list[Speed]]:
    """Generated essays: typos fixed, false corrections, word-engine and whole-text speed."""
    essays = [generate_essay(seed, language) for seed in range(args.essays)]
    # pyspellchecker gets the very same essays: it caches nothing, so a typo repeated across
    # essays costs it each time, while ours costs once per process (as in the service).
    ref_essays = essays
    words = essay_words(essays)
    texts = [essay.text for essay in essays]
    speeds = essay_speeds(
        language, corrector, TextCorrector(reference), words, texts, example_texts(language)
    )
    corrector.clear_caches()
    ref_score = score_essays(TextCorrector(reference), ref_essays)
    all_score = score_essays(corrector, essays)
    line("pyspellchecker, whole texts", ref_score, f"false corrections {ref_score.false_positives}")
    line(f"this engine, all {len(essays)} essays", all_score, f"false {all_score.false_positives}")
    clean = Clean(f"{language} generated essays", all_score.false_positives, all_score.words)
    return clean, speeds


def fixture_changes(corrector: TextCorrector, name: str) -> Clean:
    """Corrections made on a fixture in which every word is correct."""
    text = (DATA / name).read_text(encoding="utf-8")
    changed = [(c.original, c.corrected) for c in corrector.correct(text).corrections]
    print(f"  {name}: {len(changed)} changed {changed}")
    return Clean(name, len(changed), len(text.split()), str(changed) if changed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--essays", type=int, default=200, help="generated essays per language")
    parser.add_argument("--pool-essays", type=int, default=400, help="essays through the pool")
    parser.add_argument("--quick", action="store_true", help="smaller samples")
    parser.add_argument("--pool", action="store_true", help="also time the checker pool")
    args = parser.parse_args()
    if args.quick:
        args.essays, args.pool_essays = 60, 100
    print(f"CPU cores: {psutil.cpu_count()}")
    processes = checker_processes(args.essays)
    print(f"two checker processes (both languages, {args.essays} essays each): {processes}")
    correctors, seconds, mib = timed(load_all)
    english, swedish = correctors[Language.ENGLISH], correctors[Language.SWEDISH]
    en_engine, sv_engine = english.checker, swedish.checker
    assert isinstance(en_engine, SpellingEngine) and isinstance(sv_engine, SpellingEngine)
    print(
        f"start-up (both languages, names, bigrams; lexicon cache warm): {seconds:.1f} s CPU, "
        f"+{mib:.0f} MiB RSS; English {len(en_engine):,} words / {en_engine.index_size:,} "
        f"index keys, Swedish {len(sv_engine):,} / {sv_engine.index_size:,}"
    )
    compiled = {source.stem: load(source.stem) is not None for source in SOURCES}
    print(f"compiled code in use: {compiled}")
    rows: list[Row] = []
    clean: list[Clean] = []
    print("\nEnglish")
    en_ref = SpellChecker(language="en", distance=2)
    en_hun = hunspell("en")
    for name in ("spell-testset1.txt", "spell-testset2.txt"):
        rows.append(compare_list(name, load_pairs(name), en_ref, en_engine, en_hun))
    en_clean, en_speeds = bench_essays(args, "en", english, PyspellWords(en_ref))
    clean += [en_clean, fixture_changes(english, "names_en.txt")]

    print("\nSwedish")
    sv_ref = SpellChecker(language=None, distance=2)
    sv_ref.word_frequency.load_json(dict(sv_engine.lexicon()))  # the same lexicon as ours
    sv_hun = hunspell("sv")
    swedish_lists = (
        "swedish_misspellings.txt",
        "swedish_misspellings_patterns.txt",
        "swedish_misspellings_heldout.txt",
    )
    for name in swedish_lists:
        rows.append(compare_list(name, load_pairs(name), sv_ref, sv_engine, sv_hun))
    sv_clean, sv_speeds = bench_essays(args, "sv", swedish, PyspellWords(sv_ref))
    clean += [
        sv_clean,
        fixture_changes(swedish, "swedish_prose.txt"),
        fixture_changes(swedish, "names_sv.txt"),
    ]
    memory = psutil.Process().memory_full_info()
    print_table(rows, clean, en_speeds + sv_speeds)
    print(
        f"\nstart-up (both languages, lexicon cache warm): {seconds:.1f} s CPU, "
        f"+{mib:.0f} MiB RSS; this process at the end: RSS {memory.rss / 2**20:.0f} MiB, USS "
        f"{memory.uss / 2**20:.0f} MiB (the deletes index files are mapped: shared)"
    )
    print(f"two checker processes (both languages, {args.essays} essays each): {processes}")
    if args.pool:
        asyncio.run(bench_pool(args))


def print_table(rows: list[Row], clean: list[Clean], speeds: list[Speed]) -> None:
    print("\n| word list | n | pyspellchecker | this engine | Hunspell (1st) |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row.data} | {row.ours.total} | {row.pyspell.accuracy:.1%} | "
            f"{row.ours.accuracy:.1%} | {row.hunspell.accuracy:.1%} |"
        )
    print("\n| clean text | words | false corrections |")
    print("|---|---|---|")
    for item in clean:
        print(f"| {item.label} | {item.words:,} | {item.false} {item.detail} |")
    print("\n| speed (cold caches) | pyspellchecker words/s | this engine words/s | ratio | |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row.data} | {row.pyspell.words_per_second:,.1f} | "
            f"{row.ours.words_per_second:,.0f} | "
            f"x{row.ours.words_per_second / row.pyspell.words_per_second:,.0f} | |"
        )
    for speed in speeds:
        print(
            f"| {speed.data} | {speed.pyspell:,.0f} | {speed.ours:,.0f} | "
            f"x{speed.ours / speed.pyspell:,.0f} | {speed.note} |"
        )


if __name__ == "__main__":
    main()
