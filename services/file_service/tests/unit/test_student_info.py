"""Student name and e-mail parsing from the first non-empty lines."""

from __future__ import annotations

import pytest

from services.file_service.student_info import StudentInfo, parse_student_info


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name: Anna Svensson\nMy summer...", StudentInfo("Anna Svensson", None)),
        ("namn:   Åsa  Öberg  \nText", StudentInfo("Åsa Öberg", None)),
        ("NAMN : Erik\n", StudentInfo("Erik", None)),
        (
            "\n\n  Name: Anna Svensson <anna.svensson@school.se>\nEssay",
            StudentInfo("Anna Svensson", "anna.svensson@school.se"),
        ),
        (
            "Name: Anna Svensson\nE-mail: anna+essays@mail.example.com.\nEssay",
            StudentInfo("Anna Svensson", "anna+essays@mail.example.com"),
        ),
        ("Contact me at bob@example.org\nText", StudentInfo(None, "bob@example.org")),
        ("My summer was long.\nIt rained.", StudentInfo(None, None)),
        ("Name:\nText", StudentInfo(None, None)),
        ("Name: anna@example.com\n", StudentInfo(None, "anna@example.com")),
        ("Surname: Svensson\nText", StudentInfo(None, None)),
        ("My name: is not a header\nText", StudentInfo(None, None)),
    ],
)
def test_header_parsing(text: str, expected: StudentInfo) -> None:
    assert parse_student_info(text) == expected


def test_only_the_first_five_non_empty_lines_count() -> None:
    body = "\n\n".join(f"line {i}" for i in range(5))
    text = f"{body}\nName: Late Header\nlate@example.com"
    assert parse_student_info(text) == StudentInfo(None, None)


def test_header_on_fifth_non_empty_line_counts() -> None:
    text = "a\n\nb\nc\n\nd\nName: Fifth Line\n"
    assert parse_student_info(text).name == "Fifth Line"


def test_first_name_and_email_win() -> None:
    text = "Name: First\nName: Second\na@example.com b@example.com"
    assert parse_student_info(text) == StudentInfo("First", "a@example.com")


def test_absurdly_long_name_is_dropped() -> None:
    assert parse_student_info("Name: " + "x" * 500).name is None
