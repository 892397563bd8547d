"""Choosing among a misspelling's candidates with the words around it (a bigram model).

The noisy channel ranks a misspelling's candidates on their own: `ther` -> the (most frequent).
Next to its neighbours the choice is often plain: "over ther by" wants `there`. For English we
use the bigram counts symspellpy ships (243,342 pairs counted from Google Books n-grams, MIT
licence). Swedish has no bigram list we can ship: no package on the registries we may use
carries Swedish running text or n-gram counts under a licence we can redistribute, and counts
from our own few hundred words of prose would only echo that prose; Swedish ranking is
therefore context-free (see docs/spellcheck.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from importlib import resources

# How much one factor of ten in "this pair is seen together" weighs against the channel score.
CONTEXT_WEIGHT = 1.0
# Only candidates this close to the best channel score compete on context: the context never
# picks a far-fetched word just because it often follows the previous one.
CONTEXT_MARGIN = 1.5
# The list holds pairs seen at least 6.4 million times; a pair not in it counts half that.
UNSEEN_PAIR = 3_200_000


class BigramModel:
    """Counts of word pairs; scores a candidate by how often it stands between its neighbours."""

    def __init__(self, counts: dict[str, int]) -> None:
        self._counts = counts

    @classmethod
    def english(cls) -> BigramModel:
        """symspellpy's packaged English bigram list ("w1 w2 count" lines)."""
        text = (
            resources.files("symspellpy")
            .joinpath("frequency_bigramdictionary_en_243_342.txt")
            .read_text(encoding="utf-8")
        )
        counts: dict[str, int] = {}
        for line in text.splitlines():
            first, second, count = line.split(" ")
            counts[f"{first} {second}"] = int(count)
        return cls(counts)

    def __len__(self) -> int:
        return len(self._counts)

    def choose(
        self,
        ranked: Sequence[tuple[str, float]],
        previous: str | None,
        following: str | None,
        frequency: Callable[[str], int],
    ) -> str:
        """The best of `ranked` (channel-scored, best first) once its neighbours are counted.

        Bayes with the neighbours: P(c | prev, next) ~ P(c) P(prev, c)/P(c) P(c, next)/P(c),
        so each neighbour adds log10 count(pair) - log10 frequency(c) to the channel score
        (which holds log10 frequency(c) once). A pair missing from the list counts as
        UNSEEN_PAIR; a neighbour no candidate was ever seen with says nothing and is skipped.
        """
        best, best_score = ranked[0]
        close = [(c, s) for c, s in ranked if s >= best_score - CONTEXT_MARGIN]
        if len(close) < 2 or any("'" in c for c, _ in close):
            return best  # the bigram list splits contractions: no counts to compare
        counts = self._counts
        pairs: list[list[int]] = []
        if previous is not None:
            pairs.append([counts.get(f"{previous} {c}", 0) for c, _ in close])
        if following is not None:
            pairs.append([counts.get(f"{c} {following}", 0) for c, _ in close])
        pairs = [seen for seen in pairs if any(seen)]
        if not pairs:
            return best
        chosen, chosen_score = best, -math.inf
        for i, (candidate, score) in enumerate(close):
            own = math.log10(max(1, frequency(candidate)))
            total = score + CONTEXT_WEIGHT * sum(
                math.log10(max(seen[i], UNSEEN_PAIR)) - own for seen in pairs
            )
            if total > chosen_score:
                chosen, chosen_score = candidate, total
        return chosen
