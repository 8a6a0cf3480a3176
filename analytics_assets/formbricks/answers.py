"""Responses' answers in long form: one row per response and answered question.

A response's `data` is a JSON object keyed by question ids, which differ per survey. Flattened,
it would add a column per question (hundreds in a real account, past Postgres's 1,600-column
limit). Instead each response gets `answers`, loaded by dlt as the child table
`responses__answers`, so analytics SQL joins answers to questions with no per-survey column
names and no dialect-specific JSON functions. `data` stays a JSON column on `responses`.
"""

import json
from typing import Any

import orjson

from analytics_assets.formbricks import settings


def drop_null_objects(record: dict[str, Any]) -> dict[str, Any]:
    """Remove top-level nested objects that are null, such as a response's `contact`.

    Their fields are declared as flattened columns (`contact__id`), so a null object adds
    nothing; left in, dlt would try to make an untyped `contact` column and warn on every load.
    """
    for field in settings.NULLABLE_OBJECT_FIELDS:
        if field in record and record[field] is None:
            del record[field]
    return record


def json_text(value: Any) -> str:
    """Compact JSON text of an answer (orjson: several times faster than json.dumps)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # what only the lenient parser produces, such as integers past 64 bits
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _answer_row(
    response_id: Any, survey_id: Any, question_id: str, value: Any, seconds: Any
) -> dict[str, Any]:
    """One row of `responses__answers`. Cells without a value are left out, not set to None:
    dlt would drop them anyway, after checking each against the schema (this runs about five
    times per response, so it is written for speed: exact type tests, no second pass).
    """
    row = {
        "response_id": response_id,
        "question_id": question_id,
        # The answer as the API sent it, JSON-encoded into one text column: a json column would
        # split scalars into per-type variant columns.
        "value": json_text(value),
    }
    if survey_id is not None:
        row["survey_id"] = survey_id
    kind = type(value)  # values parsed from JSON: exact types, and bool is not a number here
    if kind is str:
        row["value_text"] = value
    elif kind is int or kind is float:
        row["value_number"] = float(value)
    elif kind is list and value and all(type(item) is str for item in value):
        # The options of a multi-select answer, one row each in `responses__answers__selected`,
        # so distributions need no JSON functions. A single choice is `value_text` already.
        row["selected"] = value
    if type(seconds) is int:
        row["ttc_ms"] = seconds
    return row


def with_answers(record: dict[str, Any]) -> dict[str, Any]:
    """Add `answers`: one row per answered question, loaded as the child table `responses__answers`.

    `data` stays a JSON column on `responses`; its keys are question ids that differ per survey,
    so flattening it would add a column per question (hundreds in a real account, past
    Postgres's 1,600-column limit). The long table lets analytics SQL join answers to questions
    with no per-survey column names and no dialect-specific JSON functions.
    """
    drop_null_objects(record)
    data = record.get("data")
    ttc = record.get("ttc") if isinstance(record.get("ttc"), dict) else {}
    if isinstance(data, dict):
        response_id, survey_id = record.get(settings.PRIMARY_KEY), record.get("surveyId")
        record[settings.ANSWERS_FIELD] = [
            _answer_row(response_id, survey_id, str(question_id), value, ttc.get(question_id))
            for question_id, value in data.items()
        ]
    return record
