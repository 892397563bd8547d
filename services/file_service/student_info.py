"""Student name and e-mail from an essay's header lines (pure functions).

Only the first few non-empty lines count: a `Name:`/`Namn:` line anywhere in an essay's body
is more likely a quotation than a header. The lines stay in the stored text untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADER_LINES = 5
MAX_NAME_LENGTH = 120

_NAME_LINE = re.compile(r"^\s*(?:name|namn)\s*[:\uff1a]\s*(?P<value>.*)$", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# What may surround a name on its line once the e-mail is cut out: "Anna <a@b.se>", "Anna, ".
_NAME_TRIM = " \t,;<>()[]|-\u2013\u2014"


@dataclass(frozen=True)
class StudentInfo:
    """What the header says about the student; None where it says nothing."""

    name: str | None
    email: str | None


def parse_student_info(text: str) -> StudentInfo:
    """Look for a `Name:`/`Namn:` line and an e-mail address in the first non-empty lines."""
    lines = [line for line in text.splitlines() if line.strip()][:HEADER_LINES]
    name: str | None = None
    email: str | None = None
    for line in lines:
        found_email = _EMAIL.search(line)
        if email is None and found_email:
            email = found_email.group(0)
        match = _NAME_LINE.match(line)
        if name is None and match:
            name = _clean_name(_EMAIL.sub(" ", match.group("value")))
    return StudentInfo(name=name, email=email)


def _clean_name(raw: str) -> str | None:
    name = " ".join(raw.split()).strip(_NAME_TRIM)
    if not name or len(name) > MAX_NAME_LENGTH:
        return None
    return name
