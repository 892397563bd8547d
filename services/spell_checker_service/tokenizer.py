"""Find the words a spell checker may touch, with their exact positions in the text.

Whitespace, punctuation, numbers, URLs and e-mail addresses are never tokens, and a token is
only ever replaced as a whole, so a text with nothing to correct comes back byte-identical.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from dataclasses import dataclass

from services.spell_checker_service.build_native import load

_native = load("_word_scan")  # None where not built: `_words_to_check` runs

CURLY_APOSTROPHE = "\u2019"
_LETTER = r"(?:[^\W\d_][\u0300-\u036f]*)"  # a letter, with any combining accents (NFD text)
# Letters only (any script); an apostrophe inside keeps contractions (it's, don't) together.
_WORD = re.compile(rf"{_LETTER}+(?:['\u2019]{_LETTER}+)*")
# The same without the accent groups, for the usual (NFC) text: matches alike, much faster.
_PLAIN_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_COMBINING_ACCENT = re.compile(r"[\u0300-\u036f]")
# Spans no word inside may be corrected: links, addresses, file and domain names.
_PROTECTED = re.compile(
    r"(?:https?://|ftp://|www\.)\S+"  # URLs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    # Bare domains and file names (example.org/a, x.docx): the part after a dot is lowercase,
    # so a sentence glued to the next one ("the beach.Teh water") is still checked.
    r"|\b[\w-]+(?:\.(?-i:[a-z]{2,}))+(?:/\S*)?",
    re.IGNORECASE,
)
# Every _PROTECTED match contains "://", "www." (in any case), "@" or a dot before two
# lowercase letters, and none contains whitespace. So only the runs of non-space characters
# around those marks are searched (most essays have none, a few an address or `t.ex.`):
# searching a whole essay cost ~40 us, ~65 us with an e-mail address in it.
_DOT_LETTERS = re.compile(r"\.[a-z]{2}")
_WWW = re.compile(r"www\.", re.IGNORECASE)
_SPACE = re.compile(r"\s")
# A colon does not end a sentence: what follows it is a name or a title as often as not
# ("Name: Anna Lindqvist"), so a capitalised word after it is treated as a name.
_SENTENCE_END = frozenset(".!?\u2026")  # \u2026: ellipsis
_OPEN_QUOTES = frozenset("\"'\u201c\u201d\u00ab\u2018")  # straight, curly and guillemet
_HYPHENS = frozenset("-\u2010\u2011")  # hyphen-minus, hyphen, non-breaking hyphen
# A word joined to these is code, a handle or a tag (snake_case, @anna, #topic), not prose.
_GLUE = frozenset("_@#")


@dataclass(frozen=True)
class WordToken:
    """A word and where it sits in the text.

    `sentence_start` is True for the first word of a sentence, a paragraph or a line;
    `hyphenated` for a part of a hyphenated word ("well" and "known" in "well-known").
    """

    text: str
    start: int
    end: int
    sentence_start: bool
    hyphenated: bool


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """The spans of links, addresses and domains in `text`, in order: what _PROTECTED finds in
    the whole text, found in the runs of non-space characters around the marks."""
    spans: list[tuple[int, int]] = []
    run_end = -1
    for at in sorted(_marks(text)):
        if at < run_end:
            continue  # in the run just searched (each run is walked once: a long text
            # without spaces, full of dots, costs linear time)
        start, run_end = _run_around(text, at)
        spans += [match.span() for match in _PROTECTED.finditer(text, start, run_end)]
    return spans


def _marks(text: str) -> Iterator[int]:
    """Where "@", "://", "www." (any case) and a dot before two lowercase letters stand."""
    for mark in ("@", "://"):
        at = text.find(mark)
        while at >= 0:
            yield at
            at = text.find(mark, at + 1)
    yield from (match.start() for match in _DOT_LETTERS.finditer(text))
    if "www." in text.lower():
        yield from (match.start() for match in _WWW.finditer(text))


def _run_around(text: str, at: int) -> tuple[int, int]:
    """The run of non-space characters (re's \\S, str.isspace's complement) holding `at`."""
    start = at
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    space = _SPACE.search(text, at)
    return start, space.start() if space else len(text)


def iter_words(
    text: str,
    skip: Container[str] = frozenset(),
    known: Container[str] = frozenset(),
) -> Iterator[WordToken]:
    """Yield the candidate words of `text`, skipping protected spans and words glued to digits.

    Words whose text is in `skip`, or whose lowercase form is in `known`, are not yielded
    either: the caller already knows it leaves them alone wherever they stand (most words of
    an essay), so they cost no context work.
    """
    scan = _native.words_to_check if _native is not None else _words_to_check
    protected: list[tuple[int, int]] | None = None  # found when first needed
    span_index = 0
    for word, start, end, previous_end in scan(text, skip, known):
        if word in skip:  # the caller remembered it meanwhile (an earlier occurrence)
            continue
        if protected is None:
            protected = _protected_spans(text)
        # A sentence starts at the text's start, or after an end mark or a line break between
        # this word and the previous one.
        at_sentence_start = previous_end < 0
        between = text[max(previous_end, 0) : start]
        if "\n" in between or not _SENTENCE_END.isdisjoint(between):
            at_sentence_start = True
        elif ":" in between and any(q in between.rpartition(":")[2] for q in _OPEN_QUOTES):
            at_sentence_start = True  # a quotation after a colon starts a sentence
        while span_index < len(protected) and protected[span_index][1] <= start:
            span_index += 1
        inside = span_index < len(protected) and protected[span_index][0] < end
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        glued = before.isdigit() or after.isdigit() or before in _GLUE or after in _GLUE
        if not inside and not glued:
            hyphenated = before in _HYPHENS or after in _HYPHENS
            yield WordToken(word, start, end, at_sentence_start, hyphenated)


def _words_to_check(
    text: str, skip: Container[str], known: Container[str]
) -> list[tuple[str, int, int, int]]:
    """(word, start, end, the previous word's end or -1) of each word of `text` not in `skip`
    whose lowercase form is not in `known` (_word_scan.c does the same in one loop)."""
    pattern = _WORD if _COMBINING_ACCENT.search(text) else _PLAIN_WORD
    # One regex pass in C, then one comprehension picks the words to look at: most words of
    # an essay are skipped, and a loop over every match costs several times more per word.
    matches = list(pattern.finditer(text))
    return [
        (word, *match.span(), matches[i - 1].end() if i else -1)
        for i, match in enumerate(matches)
        if (word := match[0]) not in skip and word.lower() not in known
    ]


def is_checkable(token: WordToken, *, names_judged: bool = False) -> bool:
    """Whether the checker may correct this word at all.

    Left alone: single letters, very long strings, acronyms (ALL CAPS), words with capitals
    after the first letter (iPhone, McDonald), and parts of hyphenated words shorter than three
    letters (e-mail, x-ray), which are prefixes, not words. A capitalised word inside a sentence
    is checked only when a name judge will weigh the evidence (`names_judged`); without one it
    is taken for a name ("Becuase" at the start of a sentence is still checked).
    """
    word = token.text
    if len(word) < 2 or len(word) > 30:
        return False
    rest = word[1:]
    if not rest.islower() and any(ch.isupper() for ch in rest):  # islower: none is upper
        return False
    if token.hyphenated and len(word) < 3:
        return False
    return names_judged or not (word[0].isupper() and not token.sentence_start)


def match_case(template: str, word: str) -> str:
    """Give `word` the capitalisation and apostrophe style of `template` (Becuase -> Because)."""
    if CURLY_APOSTROPHE in template:
        word = word.replace("'", CURLY_APOSTROPHE)
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
