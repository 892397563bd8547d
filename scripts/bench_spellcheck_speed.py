"""Speed figures of the spell-check benchmark, robust to a shared machine's load.

Speeds are CPU seconds of this process: the machine is shared with other sessions, whose load
stretches wall-clock time by a factor that changes between one measurement and the next. CPU
time alone is not enough either: on these virtual machines the same pass over the same words
took 29 to 50 ms minutes apart (cache and memory contention from the neighbours). So each
figure is the best of several turns, and the two sides of a ratio take their turns in
alternation: a burst of load then slows one turn of each, not all of one side.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from services.spell_checker_service.corrector import TextCorrector

TURNS = 5
cpu_clock = time.process_time

Step = Callable[[], object]


@dataclass
class Speed:
    """Words/s of pyspellchecker and of this engine on the same kind of input."""

    data: str
    pyspell: float
    ours: float
    note: str = ""


def best_of_turns(runs: Mapping[str, tuple[Step, Step]], turns: int = TURNS) -> dict[str, float]:
    """The least CPU seconds of each run over `turns` rounds in which every run takes one
    turn; each run is (untimed preparation, timed work)."""
    best = dict.fromkeys(runs, math.inf)
    for _ in range(turns):
        for name, (prepare, work) in runs.items():
            prepare()
            started = cpu_clock()
            work()
            best[name] = min(best[name], cpu_clock() - started)
    return best


def nothing() -> None:
    """No preparation (pyspellchecker's word checks cache nothing)."""


def correct_words(correct: Callable[[str], str | None], words: Sequence[str]) -> Step:
    def work() -> None:
        for word in words:
            correct(word)

    return work


def correct_texts(corrector: TextCorrector, texts: Sequence[str]) -> Step:
    def work() -> None:
        for text in texts:
            corrector.correct(text)

    return work


def text_words(texts: Sequence[str]) -> int:
    return sum(len(text.split()) for text in texts)


def essay_speeds(
    language: str,
    corrector: TextCorrector,
    reference: TextCorrector,
    words: Sequence[str],
    texts: Sequence[str],
    examples: Sequence[str],
) -> list[Speed]:
    """Words/s of both word engines on the essays' words, and of both correctors on whole
    texts (tokenizer, names, context: a cold process, caches emptied before each turn; warm:
    after one untimed pass). `reference` is pyspellchecker behind a TextCorrector."""
    engine = corrector.checker
    runs = {
        "ref words": (nothing, correct_words(reference.checker.correction, words)),
        "words": (
            getattr(engine, "clear_caches", nothing),
            correct_words(engine.correction, words),
        ),
        "ref texts": (reference.clear_caches, correct_texts(reference, texts)),
        "texts": (corrector.clear_caches, correct_texts(corrector, texts)),
        "ref examples": (reference.clear_caches, correct_texts(reference, examples)),
        "examples": (corrector.clear_caches, correct_texts(corrector, examples)),
    }
    best = best_of_turns(runs)
    warm = best_of_turns(
        {
            "words": (runs["words"][1], runs["words"][1]),
            "texts": (runs["texts"][1], runs["texts"][1]),
        }
    )
    n, t, e = len(words), text_words(texts), text_words(examples)
    print(
        f"  generated essays ({len(texts)}, the same for both; best of {TURNS} turns each): "
        f"word engine: pyspellchecker {n / best['ref words']:,.0f} words/s, ours "
        f"{n / best['words']:,.0f} cold, {n / warm['words']:,.0f} warm; whole texts: "
        f"pyspellchecker {t / best['ref texts']:,.0f}, ours {t / best['texts']:,.0f} cold, "
        f"{t / warm['texts']:,.0f} warm; examples/essays/{language}: pyspellchecker "
        f"{e / best['ref examples']:,.0f}, ours {e / best['examples']:,.0f} cold"
    )
    return [
        Speed(
            f"{language} generated essays, word engine",
            n / best["ref words"],
            n / best["words"],
            f"warm {n / warm['words']:,.0f}",
        ),
        Speed(
            f"{language} generated essays, whole texts",
            t / best["ref texts"],
            t / best["texts"],
            f"warm {t / warm['texts']:,.0f}",
        ),
        Speed(
            f"{language} examples/essays, whole texts",
            e / best["ref examples"],
            e / best["examples"],
        ),
    ]
