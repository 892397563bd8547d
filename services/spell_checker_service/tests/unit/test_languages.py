"""English and Swedish fixtures on the real dictionaries: known misspellings are corrected,
correct words are kept, and correct text comes back byte-identical."""

from __future__ import annotations

from services.spell_checker_service.corrector import TextCorrector
from services.spell_checker_service.engine import SpellingEngine

ENGLISH = (
    "Name: Anna Lindqvist\nanna.lindqvist@example.org\n\n"
    "My Summer Holiday\n\n"
    "This summer I went to the mountains with my familly. Becuase the birds were so loud, "
    "I woke up early. We dont always agree, but we allways respect each other; it's a "
    "well-known fact that my brother doesn't like swiming in 12-degree water.\n"
    "Visit https://www.example.com/summer-2024 or read the 3rd chapter of Omar's book!\n"
)
ENGLISH_EXPECTED = {
    "familly": "family",
    "Becuase": "Because",
    "dont": "don't",
    "allways": "always",
    "swiming": "swimming",
}
SWEDISH = (
    "Namn: Lina Karlsson\nlina.karlsson@example.se\n\n"
    "Mitt sommarlov\n\n"
    "I somras åkte jag och min familj till Gotland. Vattnet var kallt men det var ändå "
    "rolight att simma. Jag tyckte att det var intresant att höra om historien, "
    "efersom ringmuren i Visby är väldigt gammal. Vi kom tilbaka hem i augusti, "
    "och det var mycke roligt att träffa kompisarna igen.\n"
)
SWEDISH_EXPECTED = {
    "rolight": "roligt",
    "intresant": "intressant",
    "efersom": "eftersom",
    "tilbaka": "tillbaka",
    "mycke": "mycket",
}


def _expected_text(text: str, fixes: dict[str, str]) -> str:
    for wrong, right in fixes.items():
        text = text.replace(wrong, right, 1)
    return text


def test_english_misspellings_are_corrected_and_everything_else_kept(
    english: TextCorrector,
) -> None:
    result = english.correct(ENGLISH)
    assert {c.original: c.corrected for c in result.corrections} == ENGLISH_EXPECTED
    assert result.text == _expected_text(ENGLISH, ENGLISH_EXPECTED)
    for correction in result.corrections:
        assert ENGLISH[correction.start : correction.end] == correction.original


def test_swedish_misspellings_are_corrected_and_everything_else_kept(
    swedish: TextCorrector,
) -> None:
    result = swedish.correct(SWEDISH)
    assert {c.original: c.corrected for c in result.corrections} == SWEDISH_EXPECTED
    assert result.text == _expected_text(SWEDISH, SWEDISH_EXPECTED)


def test_correct_english_comes_back_byte_identical(english: TextCorrector) -> None:
    text = _expected_text(ENGLISH, ENGLISH_EXPECTED).replace("\n", "\r\n")
    result = english.correct(text)
    assert result.corrections == ()
    assert result.text.encode("utf-8") == text.encode("utf-8")


def test_correct_swedish_comes_back_byte_identical(swedish: TextCorrector) -> None:
    text = _expected_text(SWEDISH, SWEDISH_EXPECTED)
    text += (
        "Skolgården var full av elever. Fotbollsträningen börjar klockan 17.30, "
        "och våra lärare säger att läxorna ska lämnas in senast på fredag. "
        "Historieläraren lånade böcker i skolbiblioteket inför klassresan.\n"
    )
    result = swedish.correct(text)
    assert [c.original for c in result.corrections] == []
    assert result.text == text


def test_swedish_lexicon_drops_common_misspellings_but_keeps_the_words(
    swedish_words: SpellingEngine,
) -> None:
    # wordfreq counts these misspellings as words; Hunspell sv_SE does not accept them.
    for misspelling in ("mycke", "nåra", "tyvär", "alldrig", "ochså", "gammla", "tillsammas"):
        assert not swedish_words.known(misspelling), misspelling
    for word in ("mycket", "några", "tyvärr", "aldrig", "också", "gamla", "själv", "dom"):
        assert swedish_words.known(word), word
    assert swedish_words.correction("tillsammas") == "tillsammans"
    assert swedish_words.correction("mycke") == "mycket"


def test_greek_and_cyrillic_words_are_left_alone_and_the_essay_still_checked(
    english: TextCorrector, swedish: TextCorrector
) -> None:
    """en_US is an ISO-8859-1 dictionary: asking it about a Greek or Cyrillic word raised
    UnicodeEncodeError, and the essay's whole check failed (in either language: the names
    judge asks both dictionaries)."""
    # `μέτρο's` reaches Hunspell (an apostrophe: not a form it could be sure of), and so does
    # `Ωmega` through the names judge (a capital, and `omega` one edit away).
    english_text = "My friends Δημήτρης and Наташа said μέτρο's and наука are words, I beleive."
    swedish_text = "Min vän Δημήτρης och Наташа sa att Ωmega och наука var bra, men jag tykte det."
    for corrector, text, fixed in (
        (english, english_text, ("beleive", "believe")),
        (swedish, swedish_text, ("tykte", "tyckte")),
    ):
        corrections = corrector.correct(text).corrections
        assert [(c.original, c.corrected) for c in corrections] == [fixed]
