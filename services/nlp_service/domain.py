"""The eleven metrics of one essay, as pure functions of its text (docs/nlp.md defines each).

No I/O: the language data (the most frequent words, the syllable counter) comes in as a
`LanguageData`, loaded once per process by language_data.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from common_core.nlp import NlpMetrics
from services.nlp_service.segmentation import APOSTROPHES, segment

MTLD_THRESHOLD = 0.72
LONG_WORD_LETTERS = 7
# Flesch (1948) reading ease for English: 206.835 - 1.015 ASL - 84.6 ASW.
FLESCH_BASE = 206.835
FLESCH_SENTENCE_LENGTH_WEIGHT = 1.015
FLESCH_SYLLABLES_PER_WORD_WEIGHT = 84.6

_CURLY_APOSTROPHE = APOSTROPHES[1]


class NoWordsError(ValueError):
    """The text holds no word, so no metric is defined: a failed result, not a retry."""


@dataclass(frozen=True)
class LanguageData:
    """What the metrics need to know about a language.

    `common_words`: its most frequent words, case-folded (rare_word_share counts the others).
    `syllables`: syllables of one word, where Flesch reading ease is defined (English only).
    """

    common_words: frozenset[str]
    syllables: Callable[[str], int] | None = None


def fold(word: str) -> str:
    """The form two spellings of one word share: case-folded, with one kind of apostrophe."""
    return word.casefold().replace(_CURLY_APOSTROPHE, "'")


def letter_count(word: str) -> int:
    """Letters of a word; its apostrophes (and combining accents) are not letters."""
    if word.isalpha():  # nearly every word: one C call instead of a loop over its characters
        return len(word)
    return sum(1 for char in word if char.isalpha())


def compute_metrics(text: str, spellcheck_corrections: int, data: LanguageData) -> NlpMetrics:
    """Every metric of `text`, in the language `data` describes; raises NoWordsError for a
    text without words."""
    segmented = segment(text)
    words = segmented.words
    if not words:
        raise NoWordsError("the text has no words")
    count = len(words)
    sentences = segmented.sentence_count
    # Each distinct written form is looked at once (an essay repeats most of its words).
    written = Counter(words)
    folded_of: dict[str, str] = {}
    common, syllables_of = data.common_words, data.syllables
    long_words = rare = syllables = 0
    for word, times in written.items():
        folded_of[word] = folded = fold(word)
        if letter_count(word) >= LONG_WORD_LETTERS:
            long_words += times
        if folded not in common:
            rare += times
        if syllables_of is not None:
            syllables += times * syllables_of(folded)
    folded_words = list(map(folded_of.__getitem__, words))
    return NlpMetrics(
        word_count=count,
        sentence_count=sentences,
        paragraph_count=segmented.paragraph_count,
        mean_sentence_length=count / sentences,
        type_token_ratio=len(set(folded_of.values())) / count,
        mtld=mtld(folded_words),
        lix=lix(count, sentences, long_words),
        flesch_reading_ease=(
            None if data.syllables is None else flesch_reading_ease(count, sentences, syllables)
        ),
        long_word_share=long_words / count,
        rare_word_share=rare / count,
        spelling_error_rate=100 * spellcheck_corrections / count,
    )


def lix(words: int, sentences: int, long_words: int) -> float:
    """Björnsson's LIX: words per sentence + percentage of words of 7 or more letters."""
    return words / sentences + 100 * long_words / words


def flesch_reading_ease(words: int, sentences: int, syllables: int) -> float:
    """Flesch (1948): 206.835 - 1.015 x words/sentences - 84.6 x syllables/words."""
    return (
        FLESCH_BASE
        - FLESCH_SENTENCE_LENGTH_WEIGHT * words / sentences
        - FLESCH_SYLLABLES_PER_WORD_WEIGHT * syllables / words
    )


def mtld(tokens: Sequence[str], threshold: float = MTLD_THRESHOLD) -> float | None:
    """McCarthy & Jarvis (2010) MTLD: the mean of a forward and a backward pass, each the
    number of tokens divided by the number of factors; None when no token repeats (no pass
    ever lowers the type-token ratio, so there is no factor to divide by)."""
    forward = _mtld_factors(tokens, threshold)
    backward = _mtld_factors(tokens[::-1], threshold)
    if forward == 0 or backward == 0:
        return None
    return (len(tokens) / forward + len(tokens) / backward) / 2


def _mtld_factors(tokens: Sequence[str], threshold: float) -> float:
    """Full factors (segments whose running type-token ratio fell to `threshold`), plus the
    partial factor of the rest: (1 - its ratio) / (1 - threshold)."""
    factors = 0
    types: set[str] = set()
    length = 0
    for token in tokens:
        length += 1
        if token not in types:
            types.add(token)
        # The ratio only falls when a token repeats: only then can a factor be complete.
        elif len(types) / length <= threshold:
            factors += 1
            types.clear()
            length = 0
    if not length:
        return float(factors)
    return factors + (1 - len(types) / length) / (1 - threshold)
