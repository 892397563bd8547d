"""Whole-text correction with the real dictionaries: what changes, what never does, offsets."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

from services.spell_checker_service.corrector import CheckResult, TextCorrector
from tests.support.essays import generate_essay

CORRECT_ENGLISH = [
    "The teacher explained the difference between science and history.",
    "My friend believes that tomorrow will be a better day!",
    "Did you read the article about climate change?",
    "It's raining, so we don't want to walk to school; we'll take the bus.",
    "Anna and Erik visited London with their parents in 2019.",
    "She scored 97 points (out of 100) on the final exam.",
    "According to the report, 3.5 million people live in the region.",
    "NASA launched a new satellite, and the BBC reported it at 10:30.",
    "Send your questions to teacher@school.example.org before Friday.",
    "More information is available at https://www.example.com/essay-guide.",
    "The well-known author wrote a thought-provoking novel about self-esteem.",
    '"Why not?" she asked, smiling at her younger brother.',
    "Our class discovered an interesting story about the mountains.",
    "Although nobody expected it, everybody was surprised by the result.",
    "I have lived here for twelve years — since I was four years old.",
    "The experiment was important because it tested a new hypothesis.",
    "Students should write at least three paragraphs: introduction, body and conclusion.",
    "My grandmother's garden is full of roses, tulips and apple trees.",
]
SEPARATORS = [" ", "  ", "\n", "\r\n", "\t", "\n\n", "\r\n\r\n", " \n"]


def assert_offsets_point_into_original(original: str, result: CheckResult) -> None:
    """Every correction names the original word at its offsets; applying them gives the text."""
    rebuilt, cursor = [], 0
    for correction in result.corrections:
        assert original[correction.start : correction.end] == correction.original
        assert correction.start >= cursor  # in text order, not overlapping
        rebuilt += [original[cursor : correction.start], correction.corrected]
        cursor = correction.end
    rebuilt.append(original[cursor:])
    assert "".join(rebuilt) == result.text


def test_misspelling_is_fixed_with_its_capitalisation(english: TextCorrector) -> None:
    result = english.correct("Becuase it rained, becuase of the wind.")
    assert result.text == "Because it rained, because of the wind."
    assert [(c.original, c.corrected) for c in result.corrections] == [
        ("Becuase", "Because"),
        ("becuase", "because"),
    ]


def test_whitespace_line_breaks_and_punctuation_are_kept_exactly(english: TextCorrector) -> None:
    text = '  Teh end,\r\n\tI recieve (and beleive)!\n\n"Definately"…  wierd?\r\n'
    result = english.correct(text)
    assert result.text == '  The end,\r\n\tI receive (and believe)!\n\n"Definitely"…  weird?\r\n'
    assert_offsets_point_into_original(text, result)


def test_what_must_be_left_alone_is_left_alone(english: TextCorrector) -> None:
    text = (
        "We met Okonkwo and Anderssen at 10:30 on 2024-05-01, room 12b. "
        "Write to anna.svenssonn@skolan.example.se or see https://exmaple.org/essayy "
        "and www.speling.com. NASAA and the UNESKO flag. It's what they're doing, "
        "don't you think? Our school's rules."
    )
    result = english.correct(text)
    assert result.corrections == ()
    assert result.text == text


def test_hyphenated_words_are_checked_part_by_part(english: TextCorrector) -> None:
    assert english.correct("A well-known and self-aware girl.").corrections == ()
    result = english.correct("A well-knwon and slef-aware girl.")
    assert result.text == "A well-known and self-aware girl."
    assert [(c.original, c.start) for c in result.corrections] == [("knwon", 7), ("slef", 17)]


def test_misspelled_contraction_is_fixed_but_real_ones_are_kept(english: TextCorrector) -> None:
    result = english.correct("I dont think it's true, we'll see.")
    assert result.text == "I don't think it's true, we'll see."
    assert [c.original for c in result.corrections] == ["dont"]


def test_correct_text_comes_back_byte_identical(english: TextCorrector) -> None:
    rng = random.Random(2024)
    for _ in range(200):
        sentences = rng.sample(CORRECT_ENGLISH, rng.randint(1, 6))
        text = rng.choice(["", " ", "\n"])
        for sentence in sentences:
            text += sentence + rng.choice(SEPARATORS)
        result = english.correct(text)
        assert result.corrections == (), text
        assert result.text == text
        assert result.text.encode("utf-8") == text.encode("utf-8")


def test_generated_essays_without_typos_are_untouched(
    english: TextCorrector, swedish: TextCorrector
) -> None:
    for language, corrector in (("en", english), ("sv", swedish)):
        for seed in range(8):
            essay = generate_essay(seed, language)
            text = essay.text
            for wrong, right in essay.typos:
                text = re.sub(rf"\b{re.escape(wrong)}\b", right, text)
            result = corrector.correct(text)
            assert result.corrections == (), (language, seed)
            assert result.text == text


def test_generated_typos_are_fixed_at_the_right_offsets(
    english: TextCorrector, swedish: TextCorrector
) -> None:
    for language, corrector in (("en", english), ("sv", swedish)):
        typos = fixed = 0
        for seed in range(100, 110):
            essay = generate_essay(seed, language)
            intended = dict(essay.typos)
            result = corrector.correct(essay.text)
            assert_offsets_point_into_original(essay.text, result)
            # Never a false positive: every corrected word is one of the typos put in.
            assert {c.original for c in result.corrections} <= set(intended), language
            typos += len(essay.typos)
            fixed += sum(intended[c.original] == c.corrected for c in result.corrections)
        # Some typos are real words (stry -> stay, not story); most are fixed.
        assert fixed / typos >= 0.85, (language, fixed, typos)


def test_swedish_offsets_count_characters_not_bytes(swedish: TextCorrector) -> None:
    text = "Åsa och Östen åt räkor på söndagen.\nDet var rolight, efersom vädret var fint."
    result = swedish.correct(text)
    assert result.text == (
        "Åsa och Östen åt räkor på söndagen.\nDet var roligt, eftersom vädret var fint."
    )
    assert [(c.original, c.start, c.end) for c in result.corrections] == [
        ("rolight", 44, 51),
        ("efersom", 53, 60),
    ]
    assert_offsets_point_into_original(text, result)


def test_decomposed_accents_keep_offsets_in_the_original(swedish: TextCorrector) -> None:
    # "sät" written with a combining diaeresis: the word is 4 code points long.
    text = "På ett sa\u0308t och vis."
    result = swedish.correct(text)
    assert [(c.original, c.corrected, c.start, c.end) for c in result.corrections] == [
        ("sa\u0308t", "sätt", 7, 11)
    ]
    assert result.text == "På ett sätt och vis."


def test_a_word_left_alone_in_one_text_is_still_corrected_in_another(
    english: TextCorrector,
) -> None:
    # The corrector remembers words it leaves unchanged; a word kept only because of its
    # surroundings (a name recurring in that text, a URL) must not be remembered as fine.
    assert english.correct("Ms Cotage met Mr Cotage.").corrections == ()
    result = english.correct("We rented the Cotage again.")
    assert [c.corrected for c in result.corrections] == ["Cottage"]
    assert english.correct("Read www.recieve.org today.").corrections == ()
    assert [c.corrected for c in english.correct("I recieve it.").corrections] == ["receive"]


class _PreparedWords:
    """A word checker that records what the corrector tells it before asking word by word."""

    def __init__(self) -> None:
        self.prepared: list[list[str]] = []
        self.asked: list[str] = []

    def prepare(self, words: Iterable[str]) -> None:
        self.prepared.append(list(words))

    def known(self, word: str) -> bool:
        return word in {"the", "cat", "sat", "don't"}

    def correction(self, word: str) -> str | None:
        self.asked.append(word)
        return None if self.known(word) else "cat"


def test_the_checker_is_told_a_texts_checkable_words_before_it_is_asked_about_them() -> None:
    checker = _PreparedWords()
    result = TextCorrector(checker).correct("The Kat sat, x w\u2019ont 3rd kat. Kat kat!")
    # lowercase NFC keys with straight apostrophes, in text order; single letters, words glued
    # to digits and (without a name judge) capitalised words inside a sentence left out
    assert checker.prepared == [["the", "sat", "w'ont", "kat", "kat", "kat"]]
    assert checker.asked == ["the", "sat", "w'ont", "kat", "kat", "kat"]
    assert result.text == "The Kat sat, x cat 3rd cat. Cat cat!"
