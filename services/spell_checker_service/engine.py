"""The word engine: candidates from a symmetric-deletes index, ranked by a noisy channel.

For an unknown word the candidates are the dictionary words one edit away, and also those two
edits away that score at least the best one-edit word, unless a one-edit candidate already
scores TWO_EDITS_BELOW (pyspellchecker's candidate sets, with Lowrance-Wagner distance:
edits may touch letters between a transposed pair). They come from `deletes_index.py`: the
misspelling and its one- and two-letter deletes are looked up among every word's deletes, so a
search costs a few dozen probes instead of the ~10^5 edits of edits pyspellchecker generates.
Each candidate scores `log10(count) - error_weight * edit_cost` (`error_model.py`).

Why it is fast enough for every word of every essay:
- word ids are frequency ranks and each probe's entries list frequent words first, so the
  two-edit search skips every word too rare to reach the score the one-edit search already
  has (a two-edit candidate costs at least twice the cheapest edit);
- candidates are verified and scored most frequent first, and the weighted alignment (the
  costly part) is computed only for a candidate whose best possible score can still matter;
- the verdict per word form is cached for the process's life (lru_cache), so a typo repeated
  within or across essays costs one dictionary lookup.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType

from services.spell_checker_service.accents import accent_groups, without_accents
from services.spell_checker_service.deletes_index import DeletesIndex, Probed
from services.spell_checker_service.edit_distance import bounded_distance
from services.spell_checker_service.error_model import (
    APOSTROPHE,
    CHEAPEST_EDIT,
    CHEAPEST_LETTER_EDIT,
    edit_cost,
    single_edit_cost,
)
from services.spell_checker_service.ranking import SUGGESTIONS, Ranked, Ranker
from services.spell_checker_service.sound_spellings import SWAP_COST, SoundSpellings

# How much one unit of error cost weighs against a factor of ten in frequency (chosen on
# Norvig's development set, spell-testset1, and the Swedish tuning list; see docs/spellcheck.md).
ERROR_WEIGHT = 3.5
# Two-edit candidates are looked for only when no one-edit candidate scores this well (chosen
# on the same development sets; lower loses corrections there).
TWO_EDITS_BELOW = 2.0


def ranked_words(frequencies: Mapping[str, int]) -> list[str]:
    """The lexicon in word-id order: most frequent first, ties alphabetically."""
    return sorted(frequencies, key=lambda word: (-frequencies[word], word))


class SpellingEngine:
    """Known-word lookup and ranked corrections for single lowercase words of one language.

    `margin`: how far below the best score a candidate may be and still be returned by
    `suggestions` (a context model re-ranks those; 0 returns the best and its ties only, the
    cheapest search). `load_index`: the deletes index for the lexicon in id order (by default
    built in memory; the service maps a cached file, see lexicon.load_index).
    """

    def __init__(
        self,
        frequencies: Mapping[str, int],
        alphabet: str = "",
        *,
        extra_known: Callable[[str], bool] | None = None,
        override_frequency: int | None = None,
        prefer_accent_variants: bool = False,
        error_weight: float = ERROR_WEIGHT,
        margin: float = 0.0,
        sound_spellings: SoundSpellings | None = None,
        rare: SpellingEngine | None = None,
        max_edits: int = 2,
        load_index: Callable[[Sequence[str]], DeletesIndex] = DeletesIndex.build,
        cache_size: int = 200_000,
    ) -> None:
        # `alphabet` is kept for callers of the old signature: deletes need no alphabet.
        del alphabet
        self._freq = dict(frequencies)
        self._words = ranked_words(self._freq)
        self._log_freq = array("d", (math.log10(self._freq[w]) for w in self._words))
        # Log counts in id order, negated so bisect finds the last id at or above a level (a
        # list: bisect on an array boxes every probe).
        self._neg_log_freq = [-value for value in self._log_freq]
        self._ranker = Ranker(self._words, self._log_freq, error_weight)
        self._index = load_index(self._words)
        # Words no list holds but the language's spelling dictionary accepts (compounds,
        # rare inflections): known, never suggested. Its verdicts are memoised like the
        # corrections (and asked in batches by `prepare`).
        self._spelled = None if extra_known is None else lru_cache(cache_size)(extra_known)
        # A word known only that way yet one edit from a word this frequent is far more often
        # that word misspelled (`tilbaka` for tillbaka): the frequent word wins.
        self._override_frequency = override_frequency
        self._override_last = (
            -1 if override_frequency is None else self._last_id_with(override_frequency)
        )  # the rarest word id that common: found once, not per word
        # pyspellchecker lets a candidate that differs only in accents win ("pere" -> "père").
        # Right for English; wrong for Swedish, where å, ä and ö are letters, not accents.
        self._accent_groups = accent_groups(self._words) if prefer_accent_variants else {}
        self._error_weight = error_weight
        self._margin = margin
        # The language's spellings of one sound (`sound_spellings.py`): a swap is one edit.
        self._sounds = sound_spellings
        # Rarer words the spelling dictionary accepts, in their own engine: searched only when
        # one of them could beat the best candidate here (RARE_BOUND), so the common case pays
        # nothing for them.
        self._rare = rare
        # 1: one-edit candidates only (the rare tier: a rare word two edits away never wins).
        self._max_edits = max_edits
        self._apostrophes = any("'" in w for w in self._words)
        self._cheapest = CHEAPEST_EDIT if self._apostrophes else CHEAPEST_LETTER_EDIT
        # The most apostrophes in one word: for a word typed without any, each edit beyond
        # that many touches a letter (English has no word with two, so a two-edit candidate
        # costs at least an apostrophe and a letter edit, not two apostrophes).
        self._most_apostrophes = max((w.count("'") for w in self._words), default=0)
        self.suggestions = lru_cache(maxsize=cache_size)(self._suggestions)
        self.correction = lru_cache(maxsize=cache_size)(self._correction)

    def __len__(self) -> int:
        return len(self._freq)

    @property
    def index_size(self) -> int:
        """Entries in the deletes index (for start-up figures)."""
        return len(self._index)

    @property
    def words(self) -> Sequence[str]:
        """The lexicon, most frequent first."""
        return self._words

    def lexicon(self) -> Mapping[str, int]:
        """The ranked lexicon, word -> count, read-only: the words this engine never corrects
        (the corrector skips them on sight; a benchmark hands a reference checker the same
        words through it)."""
        return MappingProxyType(self._freq)

    def clear_caches(self) -> None:
        """Forget memoised corrections and suggestions, so the next calls pay the full cost."""
        self.correction.cache_clear()
        self.suggestions.cache_clear()
        if self._spelled is not None:
            self._spelled.cache_clear()

    def prepare(self, words: Iterable[str]) -> None:
        """Ask the spelling dictionary now, word after word, about the unknown `words`
        `correction` will ask it about anyway (not with the override): with its tables in the
        processor's caches Hunspell takes ~18 us a word, not ~29 us. No verdict changes."""
        spelled = self._spelled
        if spelled is None or self._override_frequency is not None:
            return
        frequencies = self._freq
        for word in words:
            if word not in frequencies:
                spelled(word)

    def frequency(self, word: str) -> int:
        """The word's count in the ranked lexicon (0 when it is not in it)."""
        return self._freq.get(word, 0)

    def known(self, word: str) -> bool:
        """In the ranked lexicon, or accepted by the language's spelling dictionary."""
        return word in self._freq or (self._spelled is not None and self._spelled(word))

    def cost(self, word: str, candidate: str) -> float:
        """The error model's cost of writing `word` for `candidate`."""
        cost = edit_cost(word, candidate)
        if (
            self._sounds is not None
            and cost > SWAP_COST
            and candidate in self._sounds.variants(word)
        ):
            return SWAP_COST
        return cost

    def candidates(self, word: str) -> set[str]:
        """The words pyspellchecker would choose from: itself if known, else the known words
        one edit away, else those within two edits (empty when there are none)."""
        if word in self._freq:
            return {word}
        probed = self._index.probe_one_edit(word)

        def within(limit: int) -> set[str]:
            found = ((self._words[i], bound) for i, bound in probed.found.items())
            return {w for w, bound in found if bounded_distance(word, w, bound) <= limit}

        near = within(1)
        if near:
            return near
        self._index.probe_two_edits(word, probed, -1)
        return within(2)

    def _correction(self, word: str) -> str | None:
        """The replacement for a lowercase word, or None when it is known or hopeless."""
        if word in self._freq:
            return None
        spelled = self._spelled
        if spelled is None:
            ranked = self.suggestions(word)
            return ranked[0][0] if ranked else None
        if self._override_frequency is None:
            if spelled(word):
                return None
            ranked = self.suggestions(word)
            return ranked[0][0] if ranked else None
        # With the override, Hunspell (~75 us a word in Swedish) is asked only when its answer
        # can change the result: not when the best suggestion is a one-edit word common
        # enough for the override, which the override would choose too.
        probed = self._index.probe_one_edit(word)
        last = self._override_last
        near = {i: d for i, d in probed.found.items() if i <= last}
        searched: Ranked | None = None
        if near:
            searched = self._search(word, probed)
            if searched and self._is_common_best(word, searched[0], near):
                return searched[0][0]
        if spelled(word):
            common = self._rank(word, near, 1, 0.0)
            return common[0][0] if common else None
        if searched is None:
            searched = self._search(word, probed)
        return searched[0][0] if searched else None

    def _is_common_best(self, word: str, best: tuple[str, float], near: Mapping[int, int]) -> bool:
        """Whether the search's `best` is also the best of the common one-edit words (`near`:
        their ids found), without ranking those again: it is one of them, one edit away, with
        its one-edit score (not a sound swap's). Best of all, it is their best, ties alike."""
        if self._accent_groups:  # `_rank` prefers accent variants: rank them to know
            common = self._rank(word, near, 1, 0.0)
            return bool(common) and best in common
        candidate, score = best
        for word_id, bound in near.items():
            if self._words[word_id] == candidate:
                if bounded_distance(word, candidate, bound) != 1:
                    return False
                cost = single_edit_cost(word, candidate)
                return self._log_freq[word_id] - self._error_weight * cost == score
        return False

    def _suggestions(self, word: str) -> Ranked:
        """Up to SUGGESTIONS dictionary words within two edits and within `margin` of the
        best score, best first, with their scores; empty for a known word."""
        if word in self._freq:
            return ()
        return self._search(word, self._index.probe_one_edit(word))

    def _search(self, word: str, probed: Probed) -> Ranked:
        """`_suggestions` once the word and its deletes have been looked up (`probed`; the
        two-edit search extends its `found`)."""
        found = probed.found
        margin = self._margin
        ranked = self._rank(word, found, 1, margin)
        if self._sounds is not None:
            ranked = self._with_sound_swaps(word, ranked, margin)
        best = ranked[0][1] if ranked else -math.inf
        if best >= TWO_EDITS_BELOW or self._max_edits < 2:
            return self._with_rare(word, ranked)
        # A two-edit word counts only if it scores at least `best` (not best - margin): so
        # log10(count) - weight * 2 * cheapest edit must reach `best`, and rarer words are not
        # even looked at (the few thousand most frequent remain; see docs/spellcheck.md).
        if ranked:
            last = self._last_id_above(best + self._error_weight * self._floor(word, 2))
            if last < 0:
                return self._with_rare(word, ranked)
        else:
            last = -1  # no bound
        self._index.probe_two_edits(word, probed, last)
        return self._with_rare(word, self._rank(word, found, 2, margin, ranked, admit=best))

    def _with_rare(self, word: str, ranked: Ranked) -> Ranked:
        """`ranked` merged with the rare tier's suggestions when one of them can win: a rare
        word scores at most log10(its count) - weight * cheapest edit."""
        rare = self._rare
        if rare is None or not len(rare):
            return ranked
        best = ranked[0][1] if ranked else -math.inf
        ceiling = rare._log_freq[0] - self._error_weight * rare._cheapest
        if best - self._margin > ceiling:
            return ranked
        extra = rare.suggestions(word)
        if not extra:
            return ranked
        items = sorted([*ranked, *extra], key=lambda pair: (pair[1], pair[0]), reverse=True)
        top = items[0][1]
        return tuple(pair for pair in items[:SUGGESTIONS] if pair[1] >= top - self._margin)

    def _with_sound_swaps(self, word: str, ranked: Ranked, margin: float) -> Ranked:
        """`ranked` with the dictionary words one sound-spelling swap away (`sjans` ->
        chans), each scored as one edit of SWAP_COST unless its own edits cost less."""
        assert self._sounds is not None
        scores = dict(ranked)
        penalty = self._error_weight * SWAP_COST
        changed = False
        # Most variants are no word: the set intersection drops them in C.
        for variant in self._sounds.variants(word) & self._freq.keys():
            score = math.log10(self._freq[variant]) - penalty
            if score > scores.get(variant, -math.inf):
                scores[variant] = score
                changed = True
        if not changed:
            return ranked
        items = sorted(scores.items(), key=lambda pair: (pair[1], pair[0]), reverse=True)
        best = items[0][1]
        return tuple(pair for pair in items[:SUGGESTIONS] if pair[1] >= best - margin)

    def _floor(self, word: str, distance: int) -> float:
        """The least error cost of any candidate `distance` edits from `word`."""
        if "'" in word:
            return distance * self._cheapest
        apostrophes = min(distance, self._most_apostrophes)
        return apostrophes * APOSTROPHE + (distance - apostrophes) * CHEAPEST_LETTER_EDIT

    def _last_id_with(self, count: float) -> int:
        """The largest word id whose count is at least `count` (-1 when none is)."""
        return self._last_id_above(math.log10(count))

    def _last_id_above(self, log_count: float) -> int:
        """The largest word id whose log10 count is at least `log_count` (-1 when none is)."""
        return bisect_right(self._neg_log_freq, -log_count) - 1

    def _rank(
        self,
        word: str,
        found: Mapping[int, int],
        limit: int,
        margin: float,
        seed: Ranked = (),
        *,
        admit: float = -math.inf,
    ) -> Ranked:
        """Score the found words within `limit` edits, most frequent first (`ranking.py`).
        `seed`: the one-edit search's result, when this is the two-edit search; `admit`: the
        least score a word not in `seed` needs (the best one-edit score, in the two-edit
        search)."""
        ids = sorted(found)
        rank, weight = self._ranker.rank, self._error_weight
        group = self._accent_groups.get(without_accents(word)) if self._accent_groups else None
        if group is not None:
            variants = [i for i in ids if i in group and self._words[i] != word]
            if variants:
                least = weight * self._floor(word, 1)
                variants_ranked = rank(word, variants, found, limit, margin, (), 1, least)
                if variants_ranked:
                    return variants_ranked
        # A candidate not in `seed` matters only `limit` edits away: in the two-edit search, a
        # one-edit word the first search did not score was already below its threshold, and
        # the threshold only rises.
        least = weight * self._floor(word, limit)
        return rank(word, ids, found, limit, margin, seed, limit, least, admit)
