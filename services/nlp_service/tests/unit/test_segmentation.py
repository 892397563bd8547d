"""Words, sentences and paragraphs by the rules of docs/nlp.md, one rule per test."""

from __future__ import annotations

import random

import pytest

from services.nlp_service.segmentation import WORD, normalise, segment, word_pattern, words_of


def counts(text: str) -> tuple[int, int, int]:
    """(words, sentences, paragraphs) of a text."""
    segmented = segment(text)
    return len(segmented.words), segmented.sentence_count, segmented.paragraph_count


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("We didn't go", ["We", "didn't", "go"]),
        ("Anna\u2019s dog", ["Anna\u2019s", "dog"]),  # a curly apostrophe inside, too
        ("'Hello,' she said.", ["Hello", "she", "said"]),  # quotes around are not inside
        ("the students' books", ["the", "students", "books"]),
        ("a well-known fact", ["a", "well", "known", "fact"]),
        ("Version 3.5 has 12 fixes", ["Version", "has", "fixes"]),
        ("Vi åt smörgåsar på ön", ["Vi", "åt", "smörgåsar", "på", "ön"]),
        ("cafe\u0301 au lait", ["caf\u00e9", "au", "lait"]),  # NFD accent composed
        ("anna.l@example.org", ["anna", "l", "example", "org"]),
    ],
)
def test_words_are_letter_runs_with_inner_apostrophes(text: str, words: list[str]) -> None:
    assert segment(text).words == words


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("It rained. We stayed in.", 2),
        ("It rained.We stayed in.", 1),  # no white space after the full stop
        ("Really? Yes! Fine.", 3),
        ("Wait\u2026 what", 2),  # the ellipsis character
        ("Wait... what", 2),  # a run of full stops
        ("Is it?! Yes", 2),
        ("Version 3.5 is out now", 1),
        ("He said \u201cStop.\u201d Then he left.", 2),  # closing quote after the stop
        ("(It was late.) We left.", 2),  # closing bracket after the stop
        ("Mail anna.l@example.org today", 1),
        ("No end punctuation at all", 1),
        ("Hello. ... !", 1),  # pieces without a word are no sentences
        ("", 0),
    ],
)
def test_sentence_ends_at_end_punctuation_before_white_space(text: str, sentences: int) -> None:
    assert segment(text).sentence_count == sentences


def test_blank_line_ends_sentence_and_paragraph() -> None:
    # "First part" ends at the blank line although it has no full stop.
    assert counts("First part\n\nSecond part.") == (4, 2, 2)


def test_white_space_only_line_is_a_blank_line() -> None:
    assert counts("One line\n \t \nAnother line") == (4, 2, 2)


def test_several_blank_lines_are_one_break() -> None:
    assert counts("One\n\n\n\nTwo") == (2, 2, 2)


def test_heading_line_is_a_sentence_of_its_own() -> None:
    # "My Summer" ends at its line end: the next line begins with a capital letter.
    assert counts("My Summer\nWe swam in the lake.") == (7, 2, 1)


def test_wrapped_line_runs_on_into_a_lower_case_next_line() -> None:
    # PDF text keeps the page's line breaks: "the" / "lake" is one sentence.
    assert counts("We swam in the\nlake every day. It was\ncold.") == (10, 2, 1)


def test_line_with_end_punctuation_ends_its_sentence_whatever_follows() -> None:
    assert counts("We swam.\nthen we ate.") == (5, 2, 1)


def test_windows_and_old_mac_newlines_are_newlines() -> None:
    assert counts("Title\r\n\r\nText here.\rMore text.") == (5, 3, 2)


def test_paragraph_without_words_is_not_counted() -> None:
    assert counts("Text here.\n\n* * *\n\n123\n\nMore text.") == (4, 2, 2)


def test_fast_word_split_matches_the_word_pattern_on_random_text() -> None:
    """words_of's shortcuts (white-space tokens, edge punctuation) give exactly re's words."""
    alphabet = list("abcÅäöé'\u2019-.,;:!?\"()[]«»\u201c\u201d\u2026_1²½ \n\t\u0301x")
    rng = random.Random(20)
    for _ in range(3000):
        text = normalise("".join(rng.choices(alphabet, k=rng.randrange(0, 40))))
        pattern = word_pattern(text)
        assert words_of(text, pattern) == pattern.findall(text) == WORD.findall(text), text
