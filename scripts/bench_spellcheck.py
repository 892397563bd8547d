"""Spell-check benchmark: our deletes-index engine against pyspellchecker, on the same data.

    pdm run python -m scripts.bench_spellcheck            # everything (a few minutes)
    pdm run python -m scripts.bench_spellcheck --quick    # smaller samples of the slow parts

Prints figures only (no assertions):
- start-up: time and memory to build each language's engine, and a two-process pool's start;
- English, Norvig's spell-testset1+2 (scripts/data, source in its README): accuracy and
  words/s of pyspellchecker 0.9 (distance 2, its packaged `en` dictionary) and of our engine
  over that same dictionary, uncached, and the speed ratio;
- English generated essays (scripts/essay_generator.py): typos fixed, false positives, words/s
  through the same tokenizer for both engines (ours with and without its word cache);
- Swedish: the same on generated essays and scripts/data/swedish_misspellings.txt, with
  pyspellchecker over our pruned Swedish dictionary as the reference, and false positives on
  correct Swedish prose (scripts/data/swedish_prose.txt);
- throughput of the checker process pool with 1 and 2 workers.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from spellchecker import SpellChecker

from common_core.enums import Language
from scripts.essay_generator import GeneratedEssay, generate_essay
from services.spell_checker_service.checker_pool import CheckerPool
from services.spell_checker_service.corrector import TextCorrector
from services.spell_checker_service.dictionaries import (
    SWEDISH_ALPHABET,
    english_engine,
    swedish_engine,
    swedish_frequencies,
)
from services.spell_checker_service.engine import SpellingEngine
from services.spell_checker_service.tokenizer import is_checkable, iter_words

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
    started = time.perf_counter()
    for wrong, right in pairs:
        score.answers[wrong] = correct(wrong) or wrong
        score.right += score.answers[wrong] == right
    score.seconds = time.perf_counter() - started
    return score


@dataclass
class EssayScore(Score):
    false_positives: int = 0


def score_essays(corrector: TextCorrector, essays: Iterable[GeneratedEssay]) -> EssayScore:
    """Typos fixed to the intended word; corrections of words that were not typos."""
    score = EssayScore()
    for essay in essays:
        started = time.perf_counter()
        result = corrector.correct(essay.text)
        score.seconds += time.perf_counter() - started
        score.words += essay.words
        fixed = {c.original: c.corrected for c in result.corrections}
        typos = dict(essay.typos)
        score.total += len(essay.typos)
        score.right += sum(fixed.get(typo) == intended for typo, intended in essay.typos)
        score.false_positives += sum(original not in typos for original in fixed)
    return score


def timed_build(build: Callable[[], SpellingEngine]) -> tuple[SpellingEngine, float, float]:
    """Build an engine; returns it, seconds, and resident memory it added (MiB)."""
    gc.collect()
    before = psutil.Process().memory_info().rss
    started = time.perf_counter()
    engine = build()
    seconds = time.perf_counter() - started
    added = (psutil.Process().memory_info().rss - before) / 2**20
    return engine, seconds, added


def uncached(engine: SpellingEngine) -> Callable[[str], str | None]:
    """The engine's correction without its per-process cache (every word computed)."""
    return engine._correction  # the bench wants the raw cost; production uses the cache


def line(label: str, score: Score, extra: str = "") -> None:
    print(
        f"  {label:<34} accuracy {score.accuracy:6.1%} ({score.right}/{score.total})  "
        f"{score.words_per_second:>11,.0f} words/s  {extra}"
    )


def ratio(ours: Score, reference: Score) -> str:
    return f"x{ours.words_per_second / reference.words_per_second:,.0f} vs pyspellchecker"


def bench_english(args: argparse.Namespace) -> None:
    print("\nEnglish")
    started = time.perf_counter()
    reference = SpellChecker(language="en", distance=2)
    print(f"  pyspellchecker load: {time.perf_counter() - started:.2f} s")
    engine, seconds, mib = timed_build(english_engine)
    print(
        f"  engine build: {seconds:.2f} s, +{mib:.0f} MiB RSS, {len(engine):,} words, "
        f"{engine.index_size:,} index keys"
    )
    pairs = load_pairs("spell-testset1.txt", "spell-testset2.txt")
    sample = pairs if not args.quick else pairs[:: max(1, len(pairs) // 120)]
    print(f"  Norvig spell-testset1+2: {len(sample)} misspellings")
    ref = score_words(reference.correction, sample)
    ours = score_words(uncached(engine), sample)
    line("pyspellchecker", ref)
    line("engine (uncached)", ours, ratio(ours, ref))
    disagreements = [
        (word, answer, ours.answers[word])
        for word, answer in ref.answers.items()
        if answer != ours.answers[word]
    ]
    print(f"  answers differing from pyspellchecker: {len(disagreements)} {disagreements[:5]}")

    essays = [generate_essay(seed, "en") for seed in range(args.essays)]
    bench_essays(args, essays, engine, PyspellWords(reference))


def bench_essays(
    args: argparse.Namespace,
    essays: list[GeneratedEssay],
    engine: SpellingEngine,
    reference: PyspellWords,
) -> None:
    """Word-level and whole-text figures on generated essays, both engines on the same data."""
    ref_essays = essays[: args.reference_essays]
    print(f"  generated essays: {len(essays)}, pyspellchecker on the first {len(ref_essays)}")
    words = essay_words(essays)
    ref_words = essay_words(ref_essays)
    engine.correction.cache_clear()
    ours = words_per_second(engine.correction, words)
    warm = words_per_second(engine.correction, words)
    ref = words_per_second(reference.correction, ref_words)
    print(
        f"  word engine alone ({len(words):,} words): pyspellchecker {ref:,.0f} words/s; "
        f"ours {ours:,.0f} words/s from a cold cache (x{ours / ref:,.0f}), "
        f"{warm:,.0f} words/s warm (x{warm / ref:,.0f})"
    )
    engine.correction.cache_clear()
    ref_score = score_essays(TextCorrector(reference), ref_essays)
    same_score = score_essays(TextCorrector(engine), ref_essays)
    all_score = score_essays(TextCorrector(engine), essays)
    print("  whole texts (tokenizer + engine):")
    line("pyspellchecker", ref_score, f"FP {ref_score.false_positives}")
    line(
        "engine, same essays",
        same_score,
        f"FP {same_score.false_positives}  {ratio(same_score, ref_score)}",
    )
    line(f"engine, all {len(essays)} essays", all_score, f"FP {all_score.false_positives}")


def essay_words(essays: Iterable[GeneratedEssay]) -> list[str]:
    """The lowercased words the corrector would hand to an engine, in text order."""
    return [
        token.text.lower()
        for essay in essays
        for token in iter_words(essay.text)
        if is_checkable(token)
    ]


def words_per_second(correct: Callable[[str], str | None], words: list[str]) -> float:
    started = time.perf_counter()
    for word in words:
        correct(word)
    return len(words) / (time.perf_counter() - started)


def bench_swedish(args: argparse.Namespace) -> None:
    print("\nSwedish")
    engine, seconds, mib = timed_build(swedish_engine)
    print(
        f"  engine build: {seconds:.2f} s, +{mib:.0f} MiB RSS, {len(engine):,} words, "
        f"{engine.index_size:,} index keys"
    )
    reference = SpellChecker(language=None, distance=2)
    reference.word_frequency.load_json(swedish_frequencies())
    corrector = TextCorrector(engine)
    prose = (DATA / "swedish_prose.txt").read_text(encoding="utf-8")
    result = corrector.correct(prose)
    flagged = [(c.original, c.corrected) for c in result.corrections]
    print(
        f"  correct prose ({len(prose.split())} words): {len(flagged)} false positives "
        f"{flagged}; byte-identical otherwise: {_identical_outside(prose, result)}"
    )
    pairs = load_pairs("swedish_misspellings.txt")
    ref = score_words(reference.correction, pairs)
    ours = score_words(uncached(engine), pairs)
    print(f"  swedish_misspellings.txt: {len(pairs)} misspellings")
    line("pyspellchecker (same dictionary)", ref)
    line("engine (uncached, + compounds)", ours, ratio(ours, ref))

    essays = [generate_essay(seed, "sv") for seed in range(args.essays)]
    bench_essays(args, essays, engine, PyspellWords(reference))


def _identical_outside(text: str, result: object) -> bool:
    from services.spell_checker_service.corrector import CheckResult

    assert isinstance(result, CheckResult)
    rebuilt, cursor = [], 0
    for c in result.corrections:
        rebuilt.append(text[cursor : c.start] + c.corrected)
        cursor = c.end
    return "".join(rebuilt) + text[cursor:] == result.text


async def bench_pool(args: argparse.Namespace) -> None:
    print("\nChecker process pool (both languages loaded per worker)")
    light = [generate_essay(10_000 + seed, "en").text for seed in range(args.pool_essays)]
    # CPU-heavy: essays that also carry 20 fresh two-edit typos each, which no cache has seen.
    rng = random.Random(5)
    heavy = [text + " " + " ".join(_two_edit_typos(text, rng, 20)) for text in light[:100]]
    for label, essays in (("typical essays", light), ("+20 fresh 2-edit typos", heavy)):
        words = sum(len(text.split()) for text in essays)
        for workers in (1, 2):
            async with CheckerPool(workers) as pool:
                started = time.perf_counter()
                await asyncio.gather(*(pool.check(text, Language.ENGLISH) for text in essays))
                seconds = time.perf_counter() - started
                print(
                    f"  {label:<24} {workers} worker(s): start-up {pool.startup_seconds:.1f} s; "
                    f"{len(essays)} essays in {seconds:.2f} s = {len(essays) / seconds:,.0f} "
                    f"essays/s, {words / seconds:,.0f} words/s"
                )


def _two_edit_typos(text: str, rng: random.Random, count: int) -> list[str]:
    """Lowercase words of `text` (5+ letters) with two random letter replacements."""
    words = [w for w in text.lower().split() if w.isalpha() and len(w) >= 5]
    typos = []
    for word in rng.choices(words, k=count):
        letters = list(word)
        for i in rng.sample(range(1, len(word)), 2):
            letters[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
        typos.append("".join(letters))
    return typos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--essays", type=int, default=200, help="generated essays per language")
    parser.add_argument("--reference-essays", type=int, default=20, help="of those, for pyspell")
    parser.add_argument("--pool-essays", type=int, default=400, help="essays through the pool")
    parser.add_argument("--quick", action="store_true", help="sample the slow reference runs")
    parser.add_argument("--no-pool", action="store_true", help="skip the process pool figures")
    args = parser.parse_args()
    if args.quick:
        args.essays, args.reference_essays, args.pool_essays = 60, 6, 100
    print(f"CPU cores: {psutil.cpu_count()}; alphabet sv: {SWEDISH_ALPHABET}")
    bench_english(args)
    bench_swedish(args)
    if not args.no_pool:
        asyncio.run(bench_pool(args))


if __name__ == "__main__":
    main()
