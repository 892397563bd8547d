"""The NLP metrics of one essay: what nlp_service computes, stores and publishes.

The same model is the JSON document kept in Content Service (ContentType.NLP_METRICS) and the
`metrics` of a successful NlpResultDataV1, so ELS can show it and BOS can summarise a class
without fetching a blob. docs/nlp.md gives each metric's exact definition and reference.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NlpMetrics(BaseModel):
    """Eleven text metrics of one essay, computed on its spell-corrected text.

    Words are letter runs (apostrophes inside kept); shares are fractions from 0 to 1.
    """

    model_config = ConfigDict(frozen=True)

    word_count: int = Field(ge=1, description="Words in the text (a text without words fails).")
    sentence_count: int = Field(ge=1, description="Sentences that contain at least one word.")
    paragraph_count: int = Field(ge=1, description="Blocks between blank lines with a word.")
    mean_sentence_length: float = Field(ge=0, description="Words per sentence.")
    type_token_ratio: float = Field(ge=0, le=1, description="Distinct words (case-folded) / words.")
    mtld: float | None = Field(
        default=None,
        ge=0,
        description="Measure of textual lexical diversity (threshold 0.72, mean of the forward "
        "and backward passes); null when no word repeats, where it is not defined.",
    )
    lix: float = Field(ge=0, description="Words/sentences + 100 x long words/words.")
    flesch_reading_ease: float | None = Field(
        default=None, description="Flesch (1948) reading ease; English only, else null."
    )
    long_word_share: float = Field(ge=0, le=1, description="Share of words of 7+ letters.")
    rare_word_share: float = Field(
        ge=0, le=1, description="Share of words outside the language's 5,000 most frequent."
    )
    spelling_error_rate: float = Field(
        ge=0, description="Spellcheck corrections per 100 words of the corrected text."
    )


METRIC_NAMES: tuple[str, ...] = tuple(NlpMetrics.model_fields)
"""The metric names in their documented order (e.g. the keys of a class summary)."""
