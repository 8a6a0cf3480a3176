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

Both API generations fill the same tables (see `generations.py`), so each table declares the
fields of both: `environmentId` (surveys and webhooks: up to 4.x, absent in 5.0-5.3.4, back in
5.4) and, from Formbricks 5.0, `workspaceId`; a survey's `archivedAt` (5.3+); a 2.x response's
`person` beside a current one's `contact`; a 2.x attribute class's `archived` beside a 3.0+
attribute key's `displayName`, `dataType` and `isUnique`. A table's columns are then the same
whichever generation loaded it, and a field that moves loses nothing.

Declared columns carry the `description` hint of `descriptions.py` (by their warehouse name).
Only declared columns are described: dlt keeps a hint without a `data_type` as an incomplete
column, creates no column for it, but warns on every load that it received no data.
"""

import copy
from typing import Any

import dlt

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.descriptions import RAW_COLUMN_DESCRIPTIONS

# dlt's column hints (`TColumnSchema`) and a table's columns by name (`TTableSchemaColumns`):
# dicts that dlt's public `columns=` and `nested_hints=` arguments take as they are.
TColumnSchema = dict[str, Any]
TTableSchemaColumns = dict[str, TColumnSchema]


def _column(data_type: str, *, nullable: bool = True) -> TColumnSchema:
    return {"data_type": data_type, "nullable": nullable}


def _record_columns(field_types: dict[str, str]) -> TTableSchemaColumns:
    """Columns every record of the API has, followed by the endpoint's own fields."""
    columns: TTableSchemaColumns = {
        "id": {"data_type": "text", "nullable": False, "primary_key": True},
        "createdAt": _column("timestamp", nullable=False),
        "updatedAt": _column("timestamp", nullable=False),
        # Not an API field: when the rows that a complete read no longer returned were deleted
        # (`deletions.py`). dlt's `hard_delete` hint makes a merged row that carries it delete
        # the row and its nested rows; with ANALYTICS_DELETIONS=flag the row stays, stamped.
        DELETED_AT: {"data_type": "timestamp", "nullable": True, "hard_delete": True},
    }
    columns.update({name: _column(data_type) for name, data_type in field_types.items()})
    return columns


# The column that marks a row the API no longer returns (`deletions.py`).
DELETED_AT = "deleted_at"

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
        "workspaceId": TEXT,
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
        # Formbricks 5.3+: when the survey was archived (null: not archived). Older servers send
        # no such field; declared, the column exists on every release, null where it is absent.
        "archivedAt": TIMESTAMP,
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
        "workspaceId": TEXT,
    }
)

# `name` is the attribute's key on both generations (2.x: the class's name; 3.0+: the key's
# `key`); `displayName` is a 3.0+ key's own `name`.
ATTRIBUTE_CLASS_COLUMNS = _record_columns(
    {
        "name": TEXT,
        "displayName": TEXT,
        "description": TEXT,
        "type": TEXT,
        "dataType": TEXT,
        "isUnique": BOOL,
        "archived": BOOL,
        "environmentId": TEXT,
        "workspaceId": TEXT,
    }
)

PERSON_COLUMNS = _record_columns(
    {
        "environmentId": TEXT,
        "workspaceId": TEXT,
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
        # Formbricks 2.x names the respondent `person` (3.0 renamed it `contact`).
        "personAttributes": JSON,
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
        "person__id": TEXT,
        "person__userId": TEXT,
    }
)

WEBHOOK_COLUMNS = _record_columns(
    {
        "name": TEXT,
        "url": TEXT,
        "source": TEXT,
        "environmentId": TEXT,
        "workspaceId": TEXT,
        "triggers": JSON,
        "surveyIds": JSON,
    }
)

# dlt's default naming (snake_case, `__` between nesting levels kept): an API field's column.
_NAMING = dlt.Schema("declared_columns").naming


def warehouse_name(field: str) -> str:
    """The column dlt makes of an API field (`meta__userAgent__os` -> `meta__user_agent__os`)."""
    return _NAMING.normalize_path(field)


def _described(table: str, columns: TTableSchemaColumns) -> TTableSchemaColumns:
    """`columns` with the `description` hint of each column `descriptions.py` describes.

    Raises if it describes a column `columns` does not declare: given to dlt, that description
    would be a column of its own, without a type.
    """
    texts = dict(RAW_COLUMN_DESCRIPTIONS.get(table, {}))
    for field, column in columns.items():
        text = texts.pop(warehouse_name(field), None)
        if text is not None:
            column["description"] = text
    if texts:
        raise ValueError(
            f"descriptions.py describes columns that {table} does not declare: {sorted(texts)}"
        )
    return columns


_TABLE_COLUMNS: dict[str, TTableSchemaColumns] = {
    name: _described(name, columns)
    for name, columns in {
        "surveys": SURVEY_COLUMNS,
        "action_classes": ACTION_CLASS_COLUMNS,
        "attribute_classes": ATTRIBUTE_CLASS_COLUMNS,
        "identified_peoples": PERSON_COLUMNS,
        "responses": RESPONSE_COLUMNS,
        "webhooks": WEBHOOK_COLUMNS,
    }.items()
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
    return {"questions": {"columns": _described("surveys__questions", columns)}}


def nested_table_columns() -> dict[tuple[str, ...], dict[str, TColumnSchema]]:
    """Declared columns of the nested tables of `responses`, by their path under it.

    `responses__answers` has one row per response and answered question: `value` is the answer
    as the API sent it, JSON-encoded (a number, a text, a list of choices); `value_number` and
    `value_text` repeat it typed when it is a number or a text, so SQL can average ratings and
    count choices without JSON functions. `responses__answers__selected` has one row per option
    of a multi-select answer. Tags and (Formbricks 2.x) notes are the API's own objects.
    """
    record = {"id": "text", "createdAt": "timestamp", "updatedAt": "timestamp"}
    tables = {
        ("answers",): {
            "response_id": _column("text", nullable=False),
            "survey_id": _column("text"),
            "question_id": _column("text", nullable=False),
            "value": _column("text"),
            "value_number": _column("double"),
            "value_text": _column("text"),
            "ttc_ms": _column("bigint"),
        },
        ("answers", "selected"): {"value": _column("text")},
        ("tags",): {
            **{name: _column(data_type) for name, data_type in record.items()},
            "name": _column("text"),
            # A tag's owner: its environment until Formbricks 5.0, its workspace from then on.
            "environmentId": _column("text"),
            "workspaceId": _column("text"),
        },
        ("notes",): {
            **{name: _column(data_type) for name, data_type in record.items()},
            "text": _column("text"),
            "isResolved": _column("bool"),
            "isEdited": _column("bool"),
            "user__id": _column("text"),
            "user__name": _column("text"),
        },
    }
    return {
        path: _described("__".join((settings.PAGED_RESOURCE, *path)), _named(columns))
        for path, columns in tables.items()
    }
