"""Which words the tokenizer yields, where they are, and which of them may be corrected."""

from __future__ import annotations

import random

from services.spell_checker_service.tokenizer import (
    _PROTECTED,
    WordToken,
    _protected_spans,
    is_checkable,
    iter_words,
    match_case,
)

CURLY = "\u2019"  # right single quotation mark, the typographic apostrophe


def words(text: str) -> list[str]:
    return [token.text for token in iter_words(text)]


def checkable(text: str) -> list[str]:
    return [token.text for token in iter_words(text) if is_checkable(token)]


def test_offsets_point_at_the_word_in_the_original_text() -> None:
    text = f"  Åsa\tläser,\r\növer  ängen... Don{CURLY}t stop!\n"
    tokens = list(iter_words(text))
    assert [t.text for t in tokens] == ["Åsa", "läser", "över", "ängen", f"Don{CURLY}t", "stop"]
    for token in tokens:
        assert text[token.start : token.end] == token.text


def test_offsets_are_code_points_with_combining_accents_inside_the_word() -> None:
    decomposed = "Hon ga\u030ar hem."  # "går" written as g + a + combining ring + r
    (hon, gar, hem) = iter_words(decomposed)
    assert gar.text == "ga\u030ar"
    assert (gar.start, gar.end) == (4, 8)
    assert decomposed[hem.start : hem.end] == "hem"
    assert hon.start == 0


def test_numbers_urls_emails_handles_and_code_are_not_words() -> None:
    text = (
        "Read https://exmaple.com/pagee and www.wrold.org/x or exampel.org, mail "
        "anna.svensen@skolan.se, ask @annna about #topick, run snake_case_wrod, "
        "pay 25kr for the 3rd time at 10:30 on 2024-01-02."
    )
    assert words(text) == [
        "Read", "and", "or", "mail", "ask", "about", "run", "pay", "for", "the", "time",
        "at", "on",
    ]  # fmt: skip


def test_file_names_are_protected() -> None:
    assert words("See essay_final.docx and notes.txt now") == ["See", "and", "now"]


def test_contractions_stay_one_token() -> None:
    text = f"it's don't they{CURLY}re o'clock"
    assert words(text) == ["it's", "don't", f"they{CURLY}re", "o'clock"]


def test_hyphenated_parts_are_separate_tokens_marked_hyphenated() -> None:
    tokens = list(iter_words("a well-known x-ray"))
    assert [(t.text, t.hyphenated) for t in tokens] == [
        ("a", False),
        ("well", True),
        ("known", True),
        ("x", True),
        ("ray", True),
    ]


def test_sentence_starts_after_full_stops_line_breaks_and_at_the_beginning() -> None:
    text = "First word. Second one! Third? Fourth… fifth words\nsixth: Seventh"
    starts = {t.text: t.sentence_start for t in iter_words(text)}
    assert starts["First"] and starts["Second"] and starts["Third"] and starts["Fourth"]
    assert starts["fifth"]  # after an ellipsis
    assert starts["sixth"]  # a new line
    assert not starts["word"] and not starts["one"] and not starts["words"]
    assert not starts["Seventh"]  # after a colon it is as likely a name ("Name: Anna")


def test_skip_rules() -> None:
    text = "Becuase NASA and Anna met McDonald with an iPhone. A long-ish e-mail."
    assert checkable(text) == ["Becuase", "and", "met", "with", "an", "long", "ish", "mail"]


def test_capitalised_word_mid_sentence_is_a_name_but_not_at_sentence_start() -> None:
    (first, second) = iter_words("Smith Smith")
    assert is_checkable(first) and not is_checkable(second)


def test_very_long_strings_are_not_checked() -> None:
    token = WordToken("a" * 31, 0, 31, sentence_start=False, hyphenated=False)
    assert not is_checkable(token)


def test_match_case_copies_capitalisation_and_apostrophe_style() -> None:
    assert match_case("Becuase", "because") == "Because"
    assert match_case("becuase", "because") == "because"
    assert match_case(f"Dont{CURLY}", "don't") == f"Don{CURLY}t"


def test_skipped_words_are_not_yielded_and_do_not_shift_sentence_starts() -> None:
    text = "the cat sat. the Dog ran\nand Rex slept."
    full = [t for t in iter_words(text) if t.text not in {"the", "sat"}]
    skipped = list(iter_words(text, skip={"the", "sat"}))
    assert skipped == full
    assert [(t.text, t.sentence_start) for t in skipped][:3] == [
        ("cat", False),
        ("Dog", False),
        ("ran", False),
    ]


def test_known_words_and_words_skipped_meanwhile_are_left_out_on_random_texts() -> None:
    """Skipping by lowercase form (`known`) and by a `skip` set the caller fills while reading
    drops exactly those tokens; the others keep their offsets and sentence starts."""
    pieces = [
        "The",
        "cat",
        "Sat",
        "on",
        "e-mail",
        "at",
        "3rd",
        "www.x.org",
        "Anna's",
        ".",
        "!",
        "\n",
        ":",
        '"',
        ",",
        "well-known",
        "Teh",
        "snake_case",
        f"it{CURLY}s",
        "x",
    ]
    rng = random.Random(5)
    for _ in range(300):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        known = {"the", "on", "sat"}
        full = [t for t in iter_words(text) if t.text.lower() not in known]
        assert list(iter_words(text, known=known)) == full, text
        seen: set[str] = set()
        kept = []
        for token in iter_words(text, known=known, skip=seen):
            kept.append(token)
            seen.add(token.text)  # later occurrences of the same form are skipped
        firsts = {t.text: t for t in reversed(full)}
        assert kept == sorted(firsts.values(), key=lambda t: t.start), text


def test_decomposed_and_composed_text_give_the_same_words() -> None:
    composed = "Hon går till sjön, här är vägen."
    decomposed = "Hon ga\u030ar till sjo\u0308n, ha\u0308r a\u0308r va\u0308gen."
    assert len(words(decomposed)) == len(words(composed)) == 7
    for token in iter_words(decomposed):
        assert decomposed[token.start : token.end] == token.text


def test_a_sentence_glued_to_the_next_is_not_taken_for_a_domain() -> None:
    # A missing space after a full stop is a common slip; "beach.Teh" is not a web address.
    tokens = list(iter_words("We went to the beach.Teh water was cold."))
    assert [(t.text, t.sentence_start) for t in tokens][4:6] == [("beach", False), ("Teh", True)]
    assert words("Visit skolan.se/Elever or read Uppsats.docx today") == [
        "Visit",
        "or",
        "read",
        "today",
    ]


def test_searching_only_around_the_marks_finds_every_link() -> None:
    """Only the runs of non-space characters around "://", "www.", "@" and a dot before two
    lowercase letters are searched for links, addresses and domains: on texts full of near
    misses and of spaces of every kind, the spans found are those a search of the whole text
    finds."""
    pieces = ["www.", "WwW.", "ww.", "://", ":/", "@", ".se", ".Se", ".s", "x.org", "t.ex."]
    pieces += ["https", "a", "B", "İ", "-", "_", "+", "/", " ", "\n", "\t", "\u00a0", "\u2003"]
    rng = random.Random(4)
    found = 0
    for _ in range(5_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        spans = _protected_spans(text)
        assert spans == [match.span() for match in _PROTECTED.finditer(text)], text
        found += bool(spans)
    assert 500 < found < 4_500  # both kinds of text were tried
