"""Declared columns of the six tables, as dlt column hints.

Each endpoint's known fields are declared with their type, so a table has its
full shape from the first load even when a field has been null in every row so
far (dlt would otherwise leave such a column out). Names are the API's own field
names, nested ones joined by `__` as dlt flattens them; dlt's snake_case naming
turns them into the table's columns (`createdAt` -> `created_at`,
`meta__userAgent__os` -> `meta__user_agent__os`). Declaring the API's names rather
than the normalized ones keeps them identical to the incremental cursor's
`createdAt`, which dlt would otherwise report as a colliding second column.

Objects whose keys are data rather than schema (answers keyed by question id,
attribute maps, lists of plain strings) are declared `json`, so they stay one
column instead of turning into a column per key. Lists of objects (questions,
tags, notes) become dlt child tables such as `responses__tags`. Fields the API
adds later are not listed here and still evolve into the tables.
"""

import copy

from dlt.common.schema.typing import TColumnSchema, TTableSchemaColumns
from dlt.extract.hints import make_nested_hints


def _column(data_type: str, *, nullable: bool = True) -> TColumnSchema:
    return {"data_type": data_type, "nullable": nullable}  # type: ignore[typeddict-item]


def _record_columns(field_types: dict[str, str]) -> TTableSchemaColumns:
    """Columns every record of the API has, followed by the endpoint's own fields."""
    columns: TTableSchemaColumns = {
        "id": {"data_type": "text", "nullable": False, "primary_key": True},
        "createdAt": _column("timestamp", nullable=False),
        "updatedAt": _column("timestamp", nullable=False),
    }
    columns.update({name: _column(data_type) for name, data_type in field_types.items()})
    return columns


# Type names, turned into fresh column dicts by `_record_columns` (dlt writes into the hints it
# is given, so no two columns may share one dict).
TEXT = "text"
BOOL = "bool"
BIGINT = "bigint"
DOUBLE = "double"
TIMESTAMP = "timestamp"
JSON = "json"

SURVEY_COLUMNS = _record_columns(
    {
        "name": TEXT,
        "type": TEXT,
        "environmentId": TEXT,
        "createdBy": TEXT,
        "status": TEXT,
        "displayOption": TEXT,
        "recontactDays": BIGINT,
        "displayLimit": BIGINT,
        "autoClose": BIGINT,
        "runOnDate": TIMESTAMP,
        "closeOnDate": TIMESTAMP,
        "delay": BIGINT,
        "displayPercentage": DOUBLE,
        "autoComplete": BIGINT,
        "isVerifyEmailEnabled": BOOL,
        "isSingleResponsePerEmailEnabled": BOOL,
        "pin": TEXT,
        "resultShareKey": TEXT,
        "showLanguageSwitch": BOOL,
        "welcomeCard": JSON,
        "hiddenFields": JSON,
        "singleUse": JSON,
        "styling": JSON,
        "projectOverwrites": JSON,
        "surveyClosedMessage": JSON,
        "segment": JSON,
    }
)

ACTION_CLASS_COLUMNS = _record_columns(
    {
        "name": TEXT,
        "description": TEXT,
        "type": TEXT,
        "key": TEXT,
        "noCodeConfig": JSON,
        "environmentId": TEXT,
    }
)

ATTRIBUTE_CLASS_COLUMNS = _record_columns(
    {
        "name": TEXT,
        "description": TEXT,
        "type": TEXT,
        "environmentId": TEXT,
        "archived": BOOL,
    }
)

PERSON_COLUMNS = _record_columns(
    {
        "environmentId": TEXT,
        "userId": TEXT,
        "attributes": JSON,
    }
)

RESPONSE_COLUMNS = _record_columns(
    {
        "surveyId": TEXT,
        "finished": BOOL,
        "endingId": TEXT,
        "data": JSON,
        "ttc": JSON,
        "variables": JSON,
        "contactAttributes": JSON,
        "meta__source": TEXT,
        "meta__url": TEXT,
        "meta__userAgent__browser": TEXT,
        "meta__userAgent__os": TEXT,
        "meta__userAgent__device": TEXT,
        "meta__country": TEXT,
        "singleUseId": TEXT,
        "language": TEXT,
        "displayId": TEXT,
        "contact__id": TEXT,
        "contact__userId": TEXT,
    }
)

WEBHOOK_COLUMNS = _record_columns(
    {
        "name": TEXT,
        "url": TEXT,
        "source": TEXT,
        "environmentId": TEXT,
        "triggers": JSON,
        "surveyIds": JSON,
    }
)

_TABLE_COLUMNS: dict[str, TTableSchemaColumns] = {
    "surveys": SURVEY_COLUMNS,
    "action_classes": ACTION_CLASS_COLUMNS,
    "attribute_classes": ATTRIBUTE_CLASS_COLUMNS,
    "identified_peoples": PERSON_COLUMNS,
    "responses": RESPONSE_COLUMNS,
    "webhooks": WEBHOOK_COLUMNS,
}


def table_columns(resource_name: str) -> TTableSchemaColumns:
    """A fresh copy of one table's declared columns (dlt annotates the hints it is given)."""
    return copy.deepcopy(_TABLE_COLUMNS[resource_name])


def _named(columns: dict[str, TColumnSchema]) -> dict[str, TColumnSchema]:
    for name, column in columns.items():
        column["name"] = name
    return columns


def survey_questions_hints() -> dict:
    """Nested hints for `surveys__questions`, which the analytics join answers to.

    Declared so `type` and `range` exist even in an account without rating questions.
    """
    columns = _named(
        {
            "id": _column("text", nullable=False),
            "type": _column("text"),
            "range": _column("bigint"),
            "scale": _column("text"),
            "required": _column("bool"),
            "headline__default": _column("text"),
        }
    )
    return {"questions": make_nested_hints(columns=columns)}


def answers_table_hints() -> dict:
    """Nested hints for `responses__answers` (one row per response and answered question).

    `value` is the answer as the API sent it, JSON-encoded (a number, a text, a list of choices);
    `value_number` and `value_text` repeat it typed when it is a number or a text, so SQL can
    average ratings and count choices without JSON functions.
    """
    columns = _named(
        {
            "response_id": _column("text", nullable=False),
            "survey_id": _column("text"),
            "question_id": _column("text", nullable=False),
            "value": _column("text"),
            "value_number": _column("double"),
            "value_text": _column("text"),
            "ttc_ms": _column("bigint"),
        }
    )
    return {"answers": make_nested_hints(columns=columns)}
