"""Scoring an unknown word's candidates: log10(count) - weight * error cost, best first.

The engine hands over the candidates the deletes index found, as word ids (frequency ranks,
most frequent first) with a bound on each one's edit distance. Most of them cannot matter:
a candidate's best possible score is log10(count) - weight * distance * cheapest edit, and
once that falls below the best score so far minus the margin, so does every rarer word's.
So candidates are scored most frequent first, and the weighted alignment (the costly part) is
computed only where it still can.

The loop runs in compiled code (`_ranking.c`, built by build_native.py: ~6 us a call in
Python, most of it the interpreter's) wherever it was built, else in Python
(`Ranker.python_scored`); both do the same arithmetic on doubles in the same order, so the
scores are the same to the bit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from services.spell_checker_service.build_native import load
from services.spell_checker_service.edit_distance import bounded_distance, damerau_distance
from services.spell_checker_service.error_model import (
    CHEAPEST_EDIT,
    CHEAPEST_LETTER_EDIT,
    edit_cost,
    single_edit_cost,
)

_native = load("_ranking")  # None where not built: `python_scored` runs

# At most this many ranked candidates are returned for the context model to choose from.
SUGGESTIONS = 8

Ranked = tuple[tuple[str, float], ...]


class Ranker:
    """Scores candidates of one lexicon (`words` in id order, `log_freq` their log10 counts)."""

    def __init__(
        self,
        words: Sequence[str],
        log_freq: Sequence[float],
        weight: float,
        *,
        compiled: bool = True,
    ) -> None:
        self._words, self._log_freq, self._weight = words, log_freq, weight
        # The least a letter edit, and any edit (an apostrophe's too), costs a score.
        self._letter_step = weight * CHEAPEST_LETTER_EDIT
        self._any_step = weight * CHEAPEST_EDIT
        self._native = _native if compiled else None
        self._packed = None
        if self._native is not None:
            self._packed = self._native.ranker(
                words,
                log_freq,
                weight,
                self._letter_step,
                self._any_step,
                damerau_distance,
                single_edit_cost,
                edit_cost,
            )

    @property
    def compiled(self) -> bool:
        return self._native is not None

    def in_python(self) -> Ranker:
        """The same lexicon, scored in Python (to compare with the compiled loop)."""
        return Ranker(self._words, self._log_freq, self._weight, compiled=False)

    def rank(
        self,
        word: str,
        ids: Sequence[int],
        found: Mapping[int, int],
        limit: int,
        margin: float,
        seed: Ranked,
        nearest: int,
        least: float,
        admit: float = -math.inf,
    ) -> Ranked:
        """Up to SUGGESTIONS candidates of `ids` (in id order) within `limit` edits and within
        `margin` of the best score, best first (ties: the alphabetically last), merged with
        `seed` (already scored).

        `nearest`: the smallest distance a candidate not in `seed` can have and still matter;
        `least`: weight times the cheapest error cost at that distance; `admit`: the least
        score a candidate not in `seed` needs.
        """
        args = (word, ids, found, limit, margin, seed, nearest, least, admit)
        if self._native is not None:
            scored, top = self._native.scored(self._packed, *args)
        else:
            scored, top = self.python_scored(*args)
        scored.sort(key=lambda pair: (pair[1], pair[0]), reverse=True)
        return tuple(pair for pair in scored[:SUGGESTIONS] if pair[1] >= top - margin)

    def python_scored(
        self,
        word: str,
        ids: Sequence[int],
        found: Mapping[int, int],
        limit: int,
        margin: float,
        seed: Ranked,
        nearest: int,
        least: float,
        admit: float,
    ) -> tuple[list[tuple[str, float]], float]:
        """The candidates that reach the threshold, unsorted, and the best score (as
        _ranking.c computes them)."""
        words, log_freq, weight = self._words, self._log_freq, self._weight
        apostrophe = "'" in word
        letter_step, any_step = self._letter_step, self._any_step
        known = dict(seed)
        scored = list(seed)
        top = seed[0][1] if seed else -math.inf
        # The least score a new candidate needs: within the margin of the best so far, and
        # at least `admit`.
        threshold = max(top - margin, admit)
        for word_id in ids:
            frequency = log_freq[word_id]
            if frequency - least < threshold:
                break  # every later id is rarer: none can reach the threshold
            candidate = words[word_id]
            if candidate in known:
                continue
            step = any_step if apostrophe or "'" in candidate else letter_step
            if frequency - step * nearest < threshold:
                continue
            distance = bounded_distance(word, candidate, found[word_id])
            if distance > limit or frequency - step * distance < threshold:
                continue
            cost = (
                single_edit_cost(word, candidate) if distance == 1 else edit_cost(word, candidate)
            )
            score = frequency - weight * cost
            if score >= threshold:
                scored.append((candidate, score))
                top = max(top, score)
                threshold = max(threshold, score - margin)
        return scored, top
