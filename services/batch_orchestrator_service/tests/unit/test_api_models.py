"""Every validation rule of the registration body (the model quart-schema validates with)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from common_core.enums import CourseCode
from services.batch_orchestrator_service.models.api import (
    RegisterBatchRequest,
    RequestPipelinesRequest,
)


def body(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "course_code": "ENG5",
        "class_designation": "9A",
        "essay_instructions": "Write about your summer.",
        "expected_essay_count": 2,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


def errors_of(payload: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        RegisterBatchRequest.model_validate(payload)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in info.value.errors()]


def test_minimal_body_gets_defaults() -> None:
    request = RegisterBatchRequest.model_validate(body())
    assert request.course_code is CourseCode.ENG5
    assert request.essay_ids is None
    assert request.requested_pipelines == ["spellcheck"]


@pytest.mark.parametrize("code", ["ENG5", "ENG6", "ENG7", "SV1", "SV2", "SV3", " sv2 "])
def test_known_course_codes(code: str) -> None:
    assert RegisterBatchRequest.model_validate(body(course_code=code)).course_code.value in {
        c.value for c in CourseCode
    }


def test_unknown_course_code_names_the_known_ones() -> None:
    [(field, message)] = errors_of(body(course_code="MATH1"))
    assert field == "course_code"
    for code in CourseCode:
        assert code.value in message


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"course_code": ...}, "course_code"),
        ({"course_code": 5}, "course_code"),
        ({"class_designation": ...}, "class_designation"),
        ({"class_designation": "   "}, "class_designation"),
        ({"class_designation": "x" * 101}, "class_designation"),
        ({"essay_instructions": ...}, "essay_instructions"),
        ({"essay_instructions": ""}, "essay_instructions"),
        ({"essay_instructions": "x" * 10_001}, "essay_instructions"),
        ({"expected_essay_count": ...}, "expected_essay_count"),
        ({"expected_essay_count": 0}, "expected_essay_count"),
        ({"expected_essay_count": 501}, "expected_essay_count"),
        ({"expected_essay_count": "3"}, "expected_essay_count"),
        ({"expected_essay_count": 2.5}, "expected_essay_count"),
        ({"expected_essay_count": True}, "expected_essay_count"),
        ({"essay_ids": ["a", ""]}, "essay_ids.1"),
        ({"essay_ids": ["a", "x" * 129]}, "essay_ids.1"),
        ({"essay_ids": ["a", "b/c"]}, "essay_ids.1"),
        ({"essay_ids": "ab"}, "essay_ids"),
        ({"requested_pipelines": ["grammar"]}, "requested_pipelines.0"),
        ({"requested_pipelines": []}, "requested_pipelines"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_field_rules(overrides: dict[str, Any], field: str) -> None:
    assert field in [f for f, _ in errors_of(body(**overrides))]


def test_boundaries_are_accepted() -> None:
    RegisterBatchRequest.model_validate(body(expected_essay_count=1, essay_ids=["x" * 128]))
    RegisterBatchRequest.model_validate(
        body(expected_essay_count=500, essay_instructions="y" * 10_000, class_designation="z" * 100)
    )


def test_essay_ids_must_match_the_count() -> None:
    [(_, message)] = errors_of(body(expected_essay_count=3, essay_ids=["a", "b"]))
    assert "2 ids" in message and "3" in message


def test_essay_ids_must_be_unique() -> None:
    [(_, message)] = errors_of(body(essay_ids=["a", "a"]))
    assert "unique" in message


def test_pipelines_must_not_repeat() -> None:
    [(_, message)] = errors_of(body(requested_pipelines=["spellcheck", "spellcheck"]))
    assert "repeat" in message


def test_unknown_pipeline_names_the_known_ones() -> None:
    [(field, message)] = errors_of(body(requested_pipelines=["spellcheck", "grammar"]))
    assert field == "requested_pipelines.1"
    assert "unknown pipeline 'grammar'; known pipelines: nlp_metrics, spellcheck" in message


def test_dependencies_are_added_in_run_order() -> None:
    request = RegisterBatchRequest.model_validate(body(requested_pipelines=["nlp_metrics"]))
    assert request.to_registration("t-1").requested_pipelines == ["spellcheck", "nlp_metrics"]


def test_more_pipelines_body_is_checked_like_registration() -> None:
    assert RequestPipelinesRequest.model_validate({"pipelines": ["nlp_metrics"]}).pipelines == [
        "nlp_metrics"
    ]
    bad: dict[str, Any]
    for bad in ({"pipelines": []}, {"pipelines": ["grammar"]}, {"pipes": ["nlp_metrics"]}):
        with pytest.raises(ValidationError):
            RequestPipelinesRequest.model_validate(bad)
