"""Each language's engine, names judge and context model, built once per checker process.

English: wordfreq's English list filtered by Hunspell en_US (as chunspell ships it), ranked
by wordfreq, with symspellpy's English bigrams for context. Swedish: wordfreq's Swedish list
filtered by Debian's sv_SE Hunspell dictionary (data/), no context model. Hunspell also
answers for words outside the lists (compounds, rare inflections) and, in both languages, for
names. See lexicon.py for the filtering and docs/spellcheck.md for the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from common_core.enums import Language
from services.spell_checker_service.context import CONTEXT_MARGIN, BigramModel
from services.spell_checker_service.corrector import TextCorrector
from services.spell_checker_service.deletes_index import DeletesIndex
from services.spell_checker_service.engine import SpellingEngine
from services.spell_checker_service.lexicon import (
    COUNT_SCALE,
    hunspell,
    load_index,
    load_lexicon,
    load_rare_words,
    load_word_forms,
)
from services.spell_checker_service.names import NameJudge
from services.spell_checker_service.sound_spellings import (
    SWEDISH_DROPPED,
    SWEDISH_SOUNDS,
    SoundSpellings,
)

ENGLISH_ALPHABET = "'abcdefghijklmnopqrstuvwxyzàâçèéêëïîñôöüû"
SWEDISH_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäöé"
# A Swedish word only Hunspell accepts (a compound, a rare form) one edit from a word this
# common is taken for that word misspelled: `tilbaka` -> tillbaka.
SWEDISH_OVERRIDE_ZIPF = 4.5

_CODES = {Language.ENGLISH: "en", Language.SWEDISH: "sv"}
_ALPHABETS = {Language.ENGLISH: ENGLISH_ALPHABET, Language.SWEDISH: SWEDISH_ALPHABET}


def _spell_checker(language: Language) -> Any:
    return hunspell(_CODES[language])


def build_engine(language: Language, checker: Any) -> tuple[SpellingEngine, frozenset[str]]:
    """The language's word engine over its Hunspell-filtered lexicon, and its names."""
    code, alphabet = _CODES[language], _ALPHABETS[language]
    lexicon = load_lexicon(code, alphabet, checker)

    def mapped_index(words: Sequence[str]) -> DeletesIndex:
        return load_index(code, alphabet, words)

    # Hunspell is asked only about words that may be its forms or compounds: most
    # misspellings are rejected in ~1 us, not ~8 (English) or ~55 (Swedish): word_forms.py.
    spelled = load_word_forms(code, alphabet).guard(checker.spell)
    if language is Language.ENGLISH:
        engine = SpellingEngine(
            lexicon.frequencies,
            extra_known=spelled,
            prefer_accent_variants=True,
            # The bigram model chooses among the candidates this close to the best.
            margin=CONTEXT_MARGIN,
            load_index=mapped_index,
        )
    else:
        sounds = SoundSpellings(SWEDISH_SOUNDS, SWEDISH_DROPPED)
        engine = SpellingEngine(
            lexicon.frequencies,
            extra_known=spelled,
            override_frequency=round(10 ** (SWEDISH_OVERRIDE_ZIPF - 9) * COUNT_SCALE),
            sound_spellings=sounds,
            rare=SpellingEngine(
                load_rare_words(code, alphabet, checker),
                sound_spellings=sounds,
                max_edits=1,
                load_index=lambda words: load_index(code, alphabet, words, "rare", depth=1),
            ),
            load_index=mapped_index,
        )
    return engine, lexicon.names


def english_engine() -> SpellingEngine:
    """The English word engine alone (tests and the benchmark)."""
    return build_engine(Language.ENGLISH, _spell_checker(Language.ENGLISH))[0]


def swedish_engine() -> SpellingEngine:
    """The Swedish word engine alone (tests and the benchmark)."""
    return build_engine(Language.SWEDISH, _spell_checker(Language.SWEDISH))[0]


def load_all() -> dict[Language, TextCorrector]:
    """Every supported language's corrector, built once when a process starts.

    Both languages' Hunspell dictionaries judge names in every text (a Swedish essay names
    English speakers and the other way round).
    """
    checkers = {language: _spell_checker(language) for language in _CODES}
    built = {language: build_engine(language, checkers[language]) for language in _CODES}
    names = frozenset().union(*(names for _, names in built.values()))
    judge = NameJudge(tuple(checkers.values()), names)
    contexts = {Language.ENGLISH: BigramModel.english()}
    return {
        language: TextCorrector(engine, names=judge, context=contexts.get(language))
        for language, (engine, _) in built.items()
    }


def load_corrector(language: Language | str) -> TextCorrector:
    """One language's corrector (tests); a process builds all of them with load_all()."""
    return load_all()[Language(language)]
