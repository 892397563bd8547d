"""Cut a text into words, sentences and paragraphs, by the rules docs/nlp.md states.

- A word is a run of letters (any script); an apostrophe (' or U+2019) between letters keeps
  a contraction or a possessive together ("don't", "Anna's"); digits, hyphens and every other
  character separate words ("well-known" is two words).
- A paragraph is a block of text between blank lines (a line holding only white space).
- A sentence ends at `.`, `!`, `?` or `…` (runs of them, and closing quotes or brackets right
  after them, included) followed by white space or the end of the text; at a paragraph break;
  and at the end of a line without end punctuation, such as a heading. One exception keeps
  hard-wrapped text (PDF extraction keeps the page's line breaks) from being cut mid-sentence:
  a line whose next line begins with a lower-case letter runs on into it.
- Only sentences and paragraphs holding at least one word are counted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

APOSTROPHES = "'\u2019"
# A letter with any combining accents that NFC could not compose onto it.
_LETTER = r"(?:[^\W\d_][\u0300-\u036f]*)"
WORD = re.compile(rf"{_LETTER}+(?:[{APOSTROPHES}]{_LETTER}+)*")
# The same without the accent groups: matches alike on text without combining accents (nearly
# every text, once NFC), several times faster.
_PLAIN_WORD = re.compile(rf"[^\W\d_]+(?:[{APOSTROPHES}][^\W\d_]+)*")
_COMBINING_ACCENT = re.compile(r"[\u0300-\u036f]")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
_END = ".!?\u2026"
_CLOSING = "\"'\u201d\u2019\u00bb)\\]"
# Cut at the first end mark of a run that white space (or the end) follows, closing quotes and
# brackets allowed in between: what is left of the run has no word, so where in it the cut
# falls does not change the count. One character, then a look-ahead: re finds it fast.
_SENTENCE_END = re.compile(rf"[{_END}](?=[{_END}{_CLOSING}]*(?:\s|$))")
_ENDS_WITH_END_PUNCTUATION = re.compile(rf"[{_END}][{_CLOSING}]*\s*$")
# Stripped from a white-space token before asking whether it is one plain word (the fast path).
_EDGE_PUNCTUATION = ".,;:!?\"'()[]{}<>\u201c\u201d\u2018\u2019\u00ab\u00bb\u2026-"


@dataclass(frozen=True)
class Segmented:
    """A text's words in order, and how many sentences and paragraphs hold them."""

    words: list[str]
    sentence_count: int
    paragraph_count: int


def normalise(text: str) -> str:
    """NFC (an accented letter is one character) and newlines as `\\n`."""
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")


def word_pattern(text: str) -> re.Pattern[str]:
    """WORD, or its faster equivalent where the text has no combining accent."""
    return WORD if _COMBINING_ACCENT.search(text) else _PLAIN_WORD


def words_of(text: str, word: re.Pattern[str]) -> list[str]:
    """`word.findall(text)`, about twice as fast: no word spans white space, and most
    white-space tokens are one word, perhaps with punctuation at its edges (which no word
    includes: an apostrophe at a word's edge is a quote), so only the rest goes through re."""
    words: list[str] = []
    append, extend, find = words.append, words.extend, word.findall
    for token in text.split():
        if token.isalpha():
            append(token)
            continue
        stripped = token.strip(_EDGE_PUNCTUATION)
        if stripped.isalpha():
            append(stripped)
        else:
            extend(find(token))
    return words


def segment(text: str) -> Segmented:
    """Words, sentences and paragraphs of `text`."""
    text = normalise(text)
    word = word_pattern(text)
    sentence_count = 0
    paragraph_count = 0
    for paragraph in _BLANK_LINE.split(text):
        sentences = sum(map(bool, map(word.search, sentences_of(paragraph))))
        sentence_count += sentences
        paragraph_count += sentences > 0
    return Segmented(words_of(text, word), sentence_count, paragraph_count)


def sentences_of(paragraph: str) -> list[str]:
    """The sentences of one paragraph (no blank lines inside), cut at their end marks; pieces
    without a word (a run of end marks, the end of the paragraph) included."""
    if "\n" not in paragraph:  # one line: the usual paragraph of a typed essay
        return _SENTENCE_END.split(paragraph)
    return [piece for block in _line_blocks(paragraph) for piece in _SENTENCE_END.split(block)]


def _line_blocks(paragraph: str) -> list[str]:
    """Lines joined into runs that no line end splits: a line ends its run unless it ends
    with end punctuation (the in-line rule cuts there anyway) or the next line begins with a
    lower-case letter (a wrapped sentence). A line without end punctuation ends a sentence."""
    lines = paragraph.split("\n")
    blocks: list[str] = []
    current: list[str] = []
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        current.append(line)
        following = following.lstrip()
        runs_on = following[:1].islower() and not _ENDS_WITH_END_PUNCTUATION.search(line)
        if not runs_on:
            blocks.append(" ".join(current))
            current = []
    return blocks
