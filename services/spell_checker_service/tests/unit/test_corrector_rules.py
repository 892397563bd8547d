"""Corrector rules with a tiny fake word checker: what is touched, what is kept byte for byte."""

from __future__ import annotations

import unicodedata

import pytest

from services.spell_checker_service.corrector import TextCorrector, _neighbours
from services.spell_checker_service.tokenizer import iter_words

_KNOWN = {"because", "the", "end", "it", "we", "don't", "doesn't", "well", "known", "said",
          "dont", "mail", "ray", "it's", "café", "teh", "visit", "or", "was", "and"}  # fmt: skip
_FIXES = {"becuase": "because", "teh": "the", "knwon": "known", "dont": "don't",
          "does'nt": "doesn't", "smiht": "smith", "stockhlm": "stockholm", "exampel": "example",
          "iphone": "phone", "caffe": "café", "wiht": "with"}  # fmt: skip


class FakeChecker:
    """Knows a handful of words and corrects a handful of misspellings; records lookups."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def known(self, word: str) -> bool:
        return word in _KNOWN

    def correction(self, word: str) -> str | None:
        self.asked.append(word)
        return None if word in _KNOWN - {"teh", "dont"} else _FIXES.get(word)


def correct(text: str) -> tuple[str, list[tuple[str, str, int, int]]]:
    result = TextCorrector(FakeChecker()).correct(text)
    return result.text, [(c.original, c.corrected, c.start, c.end) for c in result.corrections]


def test_text_with_nothing_to_correct_is_returned_byte_identical() -> None:
    text = '  It was 3 pm.\r\n\r\nWe said: "the end" —\tand\u00a0it\'s well-known!\n\n\n'
    corrected, corrections = correct(text)
    assert corrections == []
    assert corrected.encode() == text.encode()


def test_case_punctuation_and_spacing_survive_a_correction() -> None:
    text = "Becuase teh END,\n  becuase...\tTeh end!"
    corrected, corrections = correct(text)
    assert corrected == "Because the END,\n  because...\tThe end!"
    assert corrections == [
        ("Becuase", "Because", 0, 7),
        ("teh", "the", 8, 11),
        ("becuase", "because", 19, 26),
        ("Teh", "The", 30, 33),
    ]


def test_offsets_point_at_the_original_words() -> None:
    text = "Wiht love, becuase we care."
    _, corrections = correct(text)
    assert [text[start:end] for _, _, start, end in corrections] == ["Wiht", "becuase"]


def test_names_numbers_urls_and_addresses_are_left_alone() -> None:
    text = (
        "We met Anna Smiht in Stockhlm at 10am. Visit https://exampel.com/teh or "
        "www.exampel.org, mail teh@exampel.org or see notes_teh.txt, @teh and #teh."
    )
    corrected, corrections = correct(text)
    assert corrections == [] and corrected == text


def test_capitalised_word_starting_a_sentence_line_or_quotation_is_checked() -> None:
    corrected, _ = correct('Teh end. Becuase\nTeh end: "Teh end"')
    assert corrected == 'The end. Because\nThe end: "The end"'


def test_name_after_a_colon_is_not_a_sentence_start() -> None:
    corrected, corrections = correct("Name: Smiht Becuase")
    assert corrections == [] and corrected == "Name: Smiht Becuase"


def test_acronyms_and_inner_capitals_are_left_alone() -> None:
    corrected, corrections = correct("TEH iPhone and teh")
    assert corrected == "TEH iPhone and the"
    assert len(corrections) == 1


def test_contractions_kept_when_known_and_corrected_when_clearly_misspelled() -> None:
    corrected, _ = correct("it's we'll don't dont does'nt")
    assert corrected == "it's we'll don't don't doesn't"


def test_curly_apostrophes_are_kept_in_the_correction() -> None:
    corrected, _ = correct("It does\u2019nt matter, it\u2019s fine")
    assert corrected == "It doesn\u2019t matter, it\u2019s fine"


def test_hyphenated_parts_corrected_only_when_misspelled_and_long_enough() -> None:
    corrected, _ = correct("well-knwon e-mail x-ray teh-end")
    assert corrected == "well-known e-mail x-ray the-end"


def test_decomposed_accents_stay_one_word() -> None:
    text = unicodedata.normalize("NFD", "the caffe café")
    assert [t.text for t in iter_words(text)] == text.split(" ")
    corrected, corrections = correct(text)
    assert [c[0] for c in corrections] == [unicodedata.normalize("NFD", "caffe")]
    assert corrected.endswith(unicodedata.normalize("NFD", " café"))


@pytest.mark.parametrize("text", ["", "   \n\t", "123 456, 7.5%", "—!?"])
def test_texts_without_words(text: str) -> None:
    assert correct(text) == (text, [])


@pytest.mark.parametrize(
    ("text", "previous", "following"),
    [
        ("we rock'n' X roll", "rock'n", "roll"),  # an apostrophe inside a word, then one after
        ('she said, "X" and', "said", "and"),  # commas, quotes and spaces between
        ("It Is. X is", None, "is"),  # not across a sentence end
        ("fifty 12 X 3 more", None, None),  # numbers are not words, nor separators
        ("well-X-known", "well", "known"),  # hyphens join neighbours
        ("far" + " " * 40 + "X" + " " * 40 + "away", None, None),  # out of reach
        ("sjo\u0308n X", "n", None),  # as before: a combining accent is no letter here
    ],
)
def test_the_neighbours_are_the_words_just_before_and_after(
    text: str, previous: str | None, following: str | None
) -> None:
    token = next(token for token in iter_words(text) if token.text == "X")
    assert _neighbours(text, token) == (previous, following)
