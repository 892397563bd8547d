"""Every form a Hunspell dictionary lists, and where each may stand in a compound.

Read from its .aff and .dic: each root as listed, with each suffix and each prefix its flags
allow (the affix's condition met, the letters it strips there), and with a prefix and a suffix
together where both allow that (cross product). Where a form may stand in a compound comes
from its flags (the root's, and those its affix gives it): COMPOUNDFLAG anywhere;
COMPOUNDBEGIN, COMPOUNDMIDDLE and COMPOUNDEND in their place; and, for the flags of the
COMPOUNDRULE patterns, each place the pattern lets that flag stand in.

word_forms.py uses this to know when Hunspell is sure to say no, so these forms may only ever
be too many, never too few. Dictionaries with features read here would lose forms through
(affixes on affixes, long or numeric flags, flag aliases, input conversion) are refused
rather than half read; sv_SE and en_US have none of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

BEGIN, MIDDLE, END = "begin", "middle", "end"
_PLACES = {
    "COMPOUNDFLAG": (BEGIN, MIDDLE, END),
    "COMPOUNDBEGIN": (BEGIN,),
    "COMPOUNDMIDDLE": (MIDDLE,),
    "COMPOUNDEND": (END,),
}
# Options that change how flags or words are read: a dictionary using them is refused.
_UNSUPPORTED = frozenset({"FLAG", "AF", "AM", "COMPLEXPREFIXES", "ICONV", "IGNORE"})
_RULE_ELEMENT = re.compile(r"(\([^)]*\)|[^*?])([*?]?)")


@dataclass(frozen=True)
class Affix:
    """One PFX or SFX line."""

    prefix: bool
    cross: bool  # may combine with an affix of the other kind
    strip: str
    add: str
    condition: re.Pattern[str] | None
    gives: str  # the flags the affixed form gets (its continuation class)


@dataclass
class Affixes:
    """What the .aff says: its encoding, affixes by flag, compound places by flag."""

    encoding: str = "ISO8859-1"  # Hunspell's default
    by_flag: dict[str, list[Affix]] = field(default_factory=dict)
    places: dict[str, set[str]] = field(default_factory=dict)


def rule_places(pattern: str) -> dict[str, set[str]]:
    """The places each flag of a COMPOUNDRULE pattern may take: first when every element
    before it may be left out, last when every element after it may, in the middle when
    something may stand on each side (a repeated element stands beside itself)."""
    elements = [(flag.strip("()"), mark) for flag, mark in _RULE_ELEMENT.findall(pattern)]
    places: dict[str, set[str]] = {}
    for i, (flag, mark) in enumerate(elements):
        before, after = elements[:i], elements[i + 1 :]
        here = places.setdefault(flag, set())
        if all(m for _, m in before):
            here.add(BEGIN)
        if all(m for _, m in after):
            here.add(END)
        if (before or mark == "*") and (after or mark == "*"):
            here.add(MIDDLE)
    return places


def read_affixes(aff: Path) -> Affixes:
    """The .aff's affixes and compound places (see the module docstring)."""
    raw = aff.read_bytes()
    found = re.search(rb"^SET\s+(\S+)", raw, re.MULTILINE)
    read = Affixes(encoding=found[1].decode() if found else Affixes.encoding)
    crosses: dict[str, bool] = {}  # by flag, from each group's header line (SFX A Y 3)
    rules_counted = False  # the first COMPOUNDRULE line counts the rules (`12` is also a rule)
    for line in raw.decode(read.encoding).splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        option = fields[0]
        if option in _UNSUPPORTED:
            raise ValueError(f"{aff.name}: {option} is not read here")
        if option in _PLACES and len(fields) > 1:
            read.places.setdefault(fields[1], set()).update(_PLACES[option])
        elif option == "COMPOUNDRULE" and len(fields) > 1 and not rules_counted:
            rules_counted = True
        elif option == "COMPOUNDRULE" and len(fields) > 1:
            for flag, places in rule_places(fields[1]).items():
                read.places.setdefault(flag, set()).update(places)
        elif option in ("PFX", "SFX") and len(fields) == 4 and fields[2] in ("Y", "N"):
            crosses[fields[1]] = fields[2] == "Y"
        elif option in ("PFX", "SFX") and len(fields) >= 5:
            affix = _affix(option, fields, crosses.get(fields[1], False))
            read.by_flag.setdefault(fields[1], []).append(affix)
    for affixes in read.by_flag.values():
        for affix in affixes:
            if any(flag in read.by_flag for flag in affix.gives):
                raise ValueError(f"{aff.name}: an affix on an affix is not read here")
    return read


def _affix(option: str, fields: list[str], cross: bool) -> Affix:
    strip, add, condition = fields[2:5]
    add, _, gives = add.partition("/")
    prefix = option == "PFX"
    if condition == ".":
        pattern = None
    else:
        pattern = re.compile(f"^(?:{condition})" if prefix else f"(?:{condition})$")
    return Affix(
        prefix=prefix,
        cross=cross,
        strip="" if strip == "0" else strip,
        add="" if add == "0" else add,
        condition=pattern,
        gives=gives,
    )


def forms(aff: Path, dic: Path) -> Iterator[tuple[str, frozenset[str]]]:
    """Every form of every root, lowercase, with the places it may take in a compound."""
    read = read_affixes(aff)
    for line in dic.read_text(encoding=read.encoding).splitlines()[1:]:  # first: a count
        root, _, flags = line.partition("/")
        root = root.split()[0] if root.strip() else ""
        flags = flags.split()[0] if flags.strip() else ""
        if not root:
            continue
        for form, gives in _affixed(root, flags, read.by_flag):
            every = flags + gives
            places = frozenset(p for flag in every for p in read.places.get(flag, ()))
            yield form.lower(), places


def _affixed(root: str, flags: str, by_flag: dict[str, list[Affix]]) -> Iterator[tuple[str, str]]:
    """The root and its affixed forms, each with the flags its affixes give it."""
    yield root, ""
    bases = [(root, "")]  # what a prefix may go on: the root, and the cross suffixed forms
    for flag in flags:
        for affix in by_flag.get(flag, ()):
            if not affix.prefix and (form := _apply(affix, root)) is not None:
                yield form, affix.gives
                if affix.cross:
                    bases.append((form, affix.gives))
    for flag in flags:
        for affix in by_flag.get(flag, ()):
            if not affix.prefix:
                continue
            for base, gives in bases if affix.cross else bases[:1]:
                if (form := _apply(affix, base)) is not None:
                    yield form, gives + affix.gives


def _apply(affix: Affix, base: str) -> str | None:
    """`base` with the affix, or None where its condition or stripped letters do not fit."""
    if affix.condition is not None and not affix.condition.search(base):
        return None
    if affix.prefix:
        return affix.add + base[len(affix.strip) :] if base.startswith(affix.strip) else None
    return base[: len(base) - len(affix.strip)] + affix.add if base.endswith(affix.strip) else None
