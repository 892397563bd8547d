"""Find the words a spell checker may touch, with their exact positions in the text.

Everything else — whitespace, punctuation, numbers, URLs, e-mail addresses — is never a token,
so rebuilding the text from untouched tokens gives back the original bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Letters only (any script); an apostrophe inside keeps contractions (it's, don't) together.
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
# Spans no word inside may be corrected: links, addresses, handles.
_PROTECTED = re.compile(
    r"(?:https?://|www\.)\S+"  # URLs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|\b[\w-]+(?:\.[a-z]{2,})+(?:/\S*)?",  # bare domains like example.org/page
    re.IGNORECASE,
)
_SENTENCE_END = frozenset(".!?:")


@dataclass(frozen=True)
class WordToken:
    """A word and where it sits; `sentence_start` is True for the first word of a sentence."""

    text: str
    start: int
    end: int
    sentence_start: bool


def _protected_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _PROTECTED.finditer(text)]


def iter_words(text: str) -> Iterator[WordToken]:
    """Yield the candidate words of `text`, skipping protected spans and words glued to digits."""
    protected = _protected_spans(text)
    span_index = 0
    at_sentence_start = True
    last_end = 0
    for match in _WORD.finditer(text):
        start, end = match.span()
        between = text[last_end:start]
        if any(ch in _SENTENCE_END for ch in between) or "\n\n" in between:
            at_sentence_start = True
        last_end = end
        while span_index < len(protected) and protected[span_index][1] <= start:
            span_index += 1
        inside = span_index < len(protected) and protected[span_index][0] < end
        glued = (start > 0 and text[start - 1].isdigit()) or (
            end < len(text) and text[end].isdigit()
        )
        if not inside and not glued:
            yield WordToken(match.group(), start, end, at_sentence_start)
        at_sentence_start = False


def is_checkable(token: WordToken) -> bool:
    """Whether the checker may correct this word at all.

    Left alone: single letters, contractions, ALL-CAPS words (acronyms), very long strings, and
    capitalised words inside a sentence (names; "Becuase" at a sentence start is still checked).
    """
    word = token.text
    if len(word) < 2 or len(word) > 30 or "'" in word or "\u2019" in word:
        return False
    if word.isupper():
        return False
    return not (word[0].isupper() and not token.sentence_start)


def match_case(template: str, word: str) -> str:
    """Give `word` the capitalisation of `template` ("Becuase" -> "Because")."""
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
