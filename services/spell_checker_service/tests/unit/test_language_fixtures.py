"""Essay-like fixtures per language: the misspellings we know are fixed, nothing else moves."""

from __future__ import annotations

from services.spell_checker_service.corrector import TextCorrector

ENGLISH_ESSAY = """\
My Summer Holiday

Last summer I went to my grandmother's house in the countryside. I beleive it was the best \
holiday I have ever had, becuase every day was diffrent. On the first morning we walked to \
the libary in the village, and I borrowed a book about the enviroment.

My freind Tom came to visit in July. We were realy excited and we built a tree house \
together. It was definately the most intresting project of the summer, although it was \
neccessary to ask my uncle for help with the roof.

Tommorow I start school again. I will remember this summer untill I am old!
"""
ENGLISH_FIXES = [
    ("beleive", "believe"),
    ("becuase", "because"),
    ("diffrent", "different"),
    ("libary", "library"),
    ("enviroment", "environment"),
    ("freind", "friend"),
    ("realy", "really"),
    ("definately", "definitely"),
    ("intresting", "interesting"),
    ("neccessary", "necessary"),
    ("Tommorow", "Tomorrow"),
    ("untill", "until"),
]

SWEDISH_ESSAY = """\
Mitt sommarlov

I somras åkte vi till Visby. Det var väldigt rolight att gå längs ringmuren, och jag tyckte \
att museet var intresant. Min lillebror ville bada varje dag, efersom vattnet var varmt.

På kvällarna spelade vi kort på altanen. Tyvär regnade det den sista veckan, men vi hittade \
på annat tillsammans. Jag har lärt mig mycke om Gotlands historia på det här sät.

Nästa sommar vill jag åka tilbaka och cykla runt hela ön.
"""
SWEDISH_FIXES = [
    ("rolight", "roligt"),
    ("intresant", "intressant"),
    ("efersom", "eftersom"),
    ("Tyvär", "Tyvärr"),
    ("mycke", "mycket"),
    ("sät", "sätt"),
    ("tilbaka", "tillbaka"),
]


def _expected(text: str, fixes: list[tuple[str, str]]) -> str:
    for wrong, right in fixes:
        assert text.count(wrong) == 1, wrong
        text = text.replace(wrong, right)
    return text


def test_english_essay(english: TextCorrector) -> None:
    result = english.correct(ENGLISH_ESSAY)
    assert [(c.original, c.corrected) for c in result.corrections] == ENGLISH_FIXES
    assert result.text == _expected(ENGLISH_ESSAY, ENGLISH_FIXES)
    for correction in result.corrections:
        assert ENGLISH_ESSAY[correction.start : correction.end] == correction.original


def test_swedish_essay_keeps_compounds_and_names(swedish: TextCorrector) -> None:
    result = swedish.correct(SWEDISH_ESSAY)
    assert [(c.original, c.corrected) for c in result.corrections] == SWEDISH_FIXES
    assert result.text == _expected(SWEDISH_ESSAY, SWEDISH_FIXES)
    for kept in ("sommarlov", "ringmuren", "lillebror", "kvällarna", "altanen", "Gotlands"):
        assert kept in result.text


def test_swedish_compounds_are_words(swedish: TextCorrector) -> None:
    text = (
        "Efter sommarlovet gick vi längs ringmuren till skolgården, där fotbollsträningen "
        "och mellanmålet väntade i klassrummet bredvid idrottshallen."
    )
    assert swedish.correct(text).corrections == ()


def test_swedish_letters_are_letters_not_accents(swedish: TextCorrector) -> None:
    # English prefers accent variants (pyspellchecker); Swedish must not turn "sät" into "sat".
    assert [c.corrected for c in swedish.correct("på mitt sät").corrections] == ["sätt"]
    assert swedish.correct("Han förstår och går hem.").corrections == ()
