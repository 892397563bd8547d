"""Every metric against values computed by hand for small fixtures in English and Swedish.

The fixtures use the real language data: wordfreq's 5,000 most frequent words and textstat's
syllable count. test_language_data.py pins the memberships and syllable counts these sums use.
"""

from __future__ import annotations

import pytest

from common_core.enums import Language
from services.nlp_service.domain import (
    LanguageData,
    NoWordsError,
    compute_metrics,
    flesch_reading_ease,
    lix,
    mtld,
)
from services.nlp_service.language_data import LanguageTable

# Words (21): My Summer | We swam in the lake every morning | The water was cold but we
# didn't care | Anna's brother swam too. (didn't is written with U+2019.)
ENGLISH = (
    "My Summer\n\nWe swam in the lake every morning. The water was cold, but we didn\u2019t care!"
    "\nAnna's brother swam too."
)
# Words (19): Min sommar | Vi badade i sjön varje morgon | Vattnet var kallt men vi frös inte
# | Lisas lillebror badade också
SWEDISH = (
    "Min sommar\n\nVi badade i sjön varje morgon. Vattnet var kallt, men vi frös inte!"
    "\nLisas lillebror badade också."
)


def test_english_fixture_metrics_by_hand(language_data: LanguageTable) -> None:
    metrics = compute_metrics(ENGLISH, 1, language_data[Language.ENGLISH])

    assert metrics.word_count == 21  # 2 + 7 + 8 + 4
    # "My Summer" (a heading, then a blank line), "...morning.", "...care!", "...too."
    assert metrics.sentence_count == 4
    assert metrics.paragraph_count == 2  # the heading; the rest
    assert metrics.mean_sentence_length == pytest.approx(5.25)  # 21 / 4
    # Repeated (case-folded): the, we, swam -> 21 - 3 = 18 types; 18 / 21
    assert metrics.type_token_ratio == pytest.approx(18 / 21)  # 0.857143
    # Long (7+ letters): morning, brother -> 2 / 21 (Summer has 6, didn't 5 letters)
    assert metrics.long_word_share == pytest.approx(2 / 21)  # 0.095238
    # LIX = 21/4 + 100 x 2/21 = 5.25 + 9.523810 = 14.773810
    assert metrics.lix == pytest.approx(14.773810, abs=1e-6)
    # Outside the 5,000 most frequent: swam, anna's, swam -> 3 / 21
    assert metrics.rare_word_share == pytest.approx(3 / 21)  # 0.142857
    # The running type-token ratio never falls to 0.72 (its lowest is 17/20 = 0.85), so each
    # pass is one partial factor (1 - 18/21) / (1 - 0.72) = 0.510204 and MTLD = 21 / 0.510204
    # = 41.16 both ways.
    assert metrics.mtld == pytest.approx(41.16)
    # Syllables (textstat): my 1, summer 2, we 1, swam 1, in 1, the 1, lake 1, every 3,
    # morning 2, the 1, water 2, was 1, cold 1, but 1, we 1, didn't 2, care 1, anna's 2,
    # brother 2, swam 1, too 1 = 29.
    # Flesch = 206.835 - 1.015 x 21/4 - 84.6 x 29/21 = 206.835 - 5.32875 - 116.828571
    assert metrics.flesch_reading_ease == pytest.approx(84.677679, abs=1e-6)
    assert metrics.spelling_error_rate == pytest.approx(100 / 21)  # 1 correction: 4.761905


def test_swedish_fixture_metrics_by_hand(language_data: LanguageTable) -> None:
    metrics = compute_metrics(SWEDISH, 2, language_data[Language.SWEDISH])

    assert metrics.word_count == 19  # 2 + 6 + 7 + 4
    assert metrics.sentence_count == 4
    assert metrics.paragraph_count == 2
    assert metrics.mean_sentence_length == pytest.approx(4.75)  # 19 / 4
    # Repeated: vi, badade -> 17 types; 17 / 19
    assert metrics.type_token_ratio == pytest.approx(17 / 19)  # 0.894737
    # Long (7+ letters): vattnet (7), lillebror (9) -> 2 / 19; sommar, badade, morgon have 6
    assert metrics.long_word_share == pytest.approx(2 / 19)  # 0.105263
    # LIX = 19/4 + 100 x 2/19 = 4.75 + 10.526316 = 15.276316
    assert metrics.lix == pytest.approx(15.276316, abs=1e-6)
    # Outside the 5,000 most frequent: badade, frös, lisas, badade -> 4 / 19
    assert metrics.rare_word_share == pytest.approx(4 / 19)  # 0.210526
    # No full factor; partial (1 - 17/19) / 0.28 = 0.375940; MTLD = 19 / 0.375940 = 50.54
    assert metrics.mtld == pytest.approx(50.54)
    assert metrics.flesch_reading_ease is None  # English only
    assert metrics.spelling_error_rate == pytest.approx(200 / 19)  # 2 corrections: 10.526316


def test_mtld_with_full_factors_and_different_passes() -> None:
    # Forward: a a -> 1/2 = 0.5 <= 0.72, one factor; b c d e f g -> ratio 1, partial 0.
    #   8 / 1 = 8.
    # Backward: g f e d c b a -> 7/7; a -> 7/8 = 0.875 at the end, partial
    #   (1 - 0.875) / 0.28 = 0.446429; 8 / 0.446429 = 17.92.
    # MTLD = (8 + 17.92) / 2 = 12.96
    assert mtld(list("aabcdefg")) == pytest.approx(12.96)


def test_mtld_factor_completes_when_the_ratio_reaches_the_threshold_exactly() -> None:
    tokens = [f"w{i}" for i in range(18)] + ["w0"] * 7
    # Forward: 18 types in 25 tokens is 0.72 exactly at the last token: one full factor, no
    #   rest; 25 / 1 = 25.
    # Backward: w0 w0 (1/2) three times -> 3 factors, then w0 w17 ... w1 w0: 18 types in 19
    #   tokens, partial (1 - 18/19) / 0.28 = 0.187970; 25 / 3.187970 = 7.841980.
    assert mtld(tokens) == pytest.approx((25 + 25 / (3 + (1 / 19) / 0.28)) / 2)


def test_mtld_is_undefined_when_no_word_repeats() -> None:
    assert mtld(["each", "word", "once"]) is None


def test_lix_and_flesch_formulas() -> None:
    # LIX: 100 words, 8 sentences, 25 long words: 12.5 + 25 = 37.5
    assert lix(100, 8, 25) == pytest.approx(37.5)
    # Flesch: 100 words, 5 sentences, 150 syllables: 206.835 - 20.3 - 126.9 = 59.635
    assert flesch_reading_ease(100, 5, 150) == pytest.approx(59.635)


def test_english_agrees_with_textstat_where_the_definitions_coincide(
    language_data: LanguageTable,
) -> None:
    """Every sentence here has 3+ words and no heading, so textstat counts the same words and
    sentences as we do (it drops sentences of 1-2 words and splits at any `.`)."""
    import textstat

    text = (
        "The cat sat on the warm mat. We like the big red ball very much. "
        "Students often write longer sentences than teachers expect."
    )
    metrics = compute_metrics(text, 0, language_data[Language.ENGLISH])

    assert (metrics.word_count, metrics.sentence_count) == (23, 3)
    assert textstat.lexicon_count(text) == 23 and textstat.sentence_count(text) == 3
    assert metrics.flesch_reading_ease == pytest.approx(textstat.flesch_reading_ease(text))
    # LIX = 23/3 + 100 x 3/23 (students, sentences, teachers) = 7.666667 + 13.043478
    assert metrics.lix == pytest.approx(20.710145, abs=1e-6)
    assert metrics.lix == pytest.approx(textstat.lix(text))


def test_swedish_lix_agrees_with_textstat(language_data: LanguageTable) -> None:
    import textstat

    text = "Vattnet var kallt men vi badade ändå. Lillebror tyckte att sjön var underbar."
    metrics = compute_metrics(text, 0, language_data[Language.SWEDISH])

    # 13 words, 2 sentences; long: Vattnet, Lillebror, underbar. 6.5 + 300/13 = 29.576923
    assert metrics.lix == pytest.approx(29.576923, abs=1e-6)
    assert metrics.lix == pytest.approx(textstat.lix(text))


@pytest.mark.parametrize("text", ["", "   \n\n ", "123 456.", "--- ... !!!"])
def test_text_without_words_is_refused(text: str) -> None:
    with pytest.raises(NoWordsError, match="no words"):
        compute_metrics(text, 0, LanguageData(frozenset()))


def test_flesch_is_null_without_a_syllable_counter() -> None:
    metrics = compute_metrics("One two three.", 0, LanguageData(frozenset()))
    assert metrics.flesch_reading_ease is None
    assert metrics.rare_word_share == 1.0  # an empty list makes every word rare
