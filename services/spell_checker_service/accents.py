"""Words that differ only in accents (`pere`, `père`): pyspellchecker lets the accented form
win, and so does the English engine (Swedish does not: å, ä and ö are letters there)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def without_accents(word: str) -> str:
    """The word with combining accents removed (`père` -> `pere`); å, ä, ö lose theirs too."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def accent_groups(words: Sequence[str]) -> dict[str, frozenset[int]]:
    """Word ids by their form without accents, for the forms some accented word shares."""
    groups: dict[str, set[int]] = {}
    for word_id, word in enumerate(words):
        if not word.isascii():
            groups.setdefault(without_accents(word), set()).add(word_id)
    ids = {word: word_id for word_id, word in enumerate(words) if word in groups}
    for plain, word_id in ids.items():
        groups[plain].add(word_id)
    return {plain: frozenset(members) for plain, members in groups.items()}
