# The compiled scoring loop of ranking.py (_ranking.c).
from collections.abc import Callable, Mapping, Sequence
from typing import Any

def ranker(
    words: list[str],
    log_freq: Any,  # a buffer of doubles, one per word
    weight: float,
    letter_step: float,
    any_step: float,
    distance: Callable[..., int],
    single_edit_cost: Callable[[str, str], float],
    edit_cost: Callable[[str, str], float],
) -> Any: ...
def scored(
    ranker: Any,
    word: str,
    ids: Sequence[int],
    found: Mapping[int, int],
    limit: int,
    margin: float,
    seed: tuple[tuple[str, float], ...],
    nearest: int,
    least: float,
    admit: float,
) -> tuple[list[tuple[str, float]], float]: ...
