"""Deterministic synthetic essays with a known share of typos, for tests and benchmarks.

Sentences are drawn from short templates over common words, then a fraction of the longer words
get one realistic edit (drop, double, swap or replace a letter). Same seed, same essays.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

_EN_SUBJECTS = ["My friend", "The teacher", "Our class", "My family", "The student", "Everyone"]
_EN_VERBS = ["believes", "remembers", "explained", "wanted", "discovered", "understood"]
_EN_OBJECTS = [
    "that the library was open every afternoon",
    "the difference between science and history",
    "a beautiful garden behind the school",
    "why the experiment was important",
    "how the government works in our country",
    "the necessary information for the project",
    "an interesting story about the mountains",
    "that tomorrow would be a better day",
]
_EN_TAILS = [
    "because it was really exciting.",
    "although nobody expected it.",
    "during the summer holiday.",
    "with a little help from friends.",
    "before the beginning of the lesson.",
    "and everybody was surprised.",
]
_SV_SUBJECTS = ["Min kompis", "Läraren", "Vår klass", "Min familj", "Eleven", "Alla"]
_SV_VERBS = ["tycker", "berättade", "förstod", "ville", "upptäckte", "kommer ihåg"]
_SV_OBJECTS = [
    "att biblioteket var öppet varje eftermiddag",
    "skillnaden mellan naturkunskap och historia",
    "en vacker trädgård bakom skolan",
    "varför experimentet var viktigt",
    "hur regeringen arbetar i vårt land",
    "en intressant berättelse om fjällen",
    "att morgondagen skulle bli bättre",
]
_SV_TAILS = [
    "eftersom det var väldigt spännande.",
    "fast ingen hade trott det.",
    "under sommarlovet.",
    "med lite hjälp från vännerna.",
    "innan lektionen började.",
    "och alla blev förvånade.",
]
_TEMPLATES = {
    "en": (_EN_SUBJECTS, _EN_VERBS, _EN_OBJECTS, _EN_TAILS),
    "sv": (_SV_SUBJECTS, _SV_VERBS, _SV_OBJECTS, _SV_TAILS),
}


@dataclass(frozen=True)
class GeneratedEssay:
    """An essay's text, its word count and the typos put in it as (typo, intended word)."""

    text: str
    words: int
    typos: list[tuple[str, str]]


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["drop", "double", "swap", "replace"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + rng.choice("aeioustnr") + word[i + 1 :]


def generate_essay(
    seed: int, language: str = "en", target_words: int = 350, typo_rate: float = 0.03
) -> GeneratedEssay:
    """One essay of about `target_words` words where ~`typo_rate` of the words are misspelled."""
    rng = random.Random(seed)
    subjects, verbs, objects, tails = _TEMPLATES[language]
    words: list[str] = []
    paragraphs: list[str] = []
    sentences: list[str] = []
    while len(words) < target_words:
        sentence = f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} "
        sentence += rng.choice(tails)
        sentences.append(sentence)
        words.extend(sentence.split())
        if len(sentences) == 5:
            paragraphs.append(" ".join(sentences))
            sentences = []
    if sentences:
        paragraphs.append(" ".join(sentences))
    text = "\n\n".join(paragraphs)
    tokens = text.split(" ")
    candidates = [i for i, t in enumerate(tokens) if t.isalpha() and t.islower() and len(t) >= 5]
    typo_count = max(1, round(len(words) * typo_rate))
    typos: list[tuple[str, str]] = []
    for i in rng.sample(candidates, min(typo_count, len(candidates))):
        wrong = _typo(tokens[i], rng)
        if wrong != tokens[i]:
            typos.append((wrong, tokens[i]))
            tokens[i] = wrong
    return GeneratedEssay(" ".join(tokens) + "\n", len(words), typos)
