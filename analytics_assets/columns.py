"""Declared columns of the six tables, as dlt column hints.

Each endpoint's known fields are declared with their type, so a table has its
full shape from the first load even when a field has been null in every row so
far (dlt would otherwise leave such a column out). Names are the ones dlt's
snake_case naming gives the API's camelCase fields (`createdAt` -> `created_at`,
`meta.userAgent.os` -> `meta__user_agent__os`).

Objects whose keys are data rather than schema (answers keyed by question id,
attribute maps, lists of plain strings) are declared `json`, so they stay one
column instead of turning into a column per key. Lists of objects (questions,
tags, notes) become dlt child tables such as `responses__tags`. Fields the API
adds later are not listed here and still evolve into the tables.
"""

import copy

from dlt.common.schema.typing import TColumnSchema, TTableSchemaColumns


def _column(data_type: str, *, nullable: bool = True) -> TColumnSchema:
    return {"data_type": data_type, "nullable": nullable}  # type: ignore[typeddict-item]


def _record_columns(**field_types: str) -> TTableSchemaColumns:
    """Columns every record of the API has, followed by the endpoint's own fields."""
    columns: TTableSchemaColumns = {
        "id": {"data_type": "text", "nullable": False, "primary_key": True},
        "created_at": _column("timestamp", nullable=False),
        "updated_at": _column("timestamp", nullable=False),
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
    name=TEXT,
    type=TEXT,
    environment_id=TEXT,
    created_by=TEXT,
    status=TEXT,
    display_option=TEXT,
    recontact_days=BIGINT,
    display_limit=BIGINT,
    auto_close=BIGINT,
    run_on_date=TIMESTAMP,
    close_on_date=TIMESTAMP,
    delay=BIGINT,
    display_percentage=DOUBLE,
    auto_complete=BIGINT,
    is_verify_email_enabled=BOOL,
    is_single_response_per_email_enabled=BOOL,
    pin=TEXT,
    result_share_key=TEXT,
    show_language_switch=BOOL,
    welcome_card=JSON,
    hidden_fields=JSON,
    single_use=JSON,
    styling=JSON,
    project_overwrites=JSON,
    survey_closed_message=JSON,
    segment=JSON,
)

ACTION_CLASS_COLUMNS = _record_columns(
    name=TEXT,
    description=TEXT,
    type=TEXT,
    key=TEXT,
    no_code_config=JSON,
    environment_id=TEXT,
)

ATTRIBUTE_CLASS_COLUMNS = _record_columns(
    name=TEXT,
    description=TEXT,
    type=TEXT,
    environment_id=TEXT,
    archived=BOOL,
)

PERSON_COLUMNS = _record_columns(
    environment_id=TEXT,
    user_id=TEXT,
    attributes=JSON,
)

RESPONSE_COLUMNS = _record_columns(
    survey_id=TEXT,
    finished=BOOL,
    ending_id=TEXT,
    data=JSON,
    ttc=JSON,
    variables=JSON,
    contact_attributes=JSON,
    meta__source=TEXT,
    meta__url=TEXT,
    meta__user_agent__browser=TEXT,
    meta__user_agent__os=TEXT,
    meta__user_agent__device=TEXT,
    meta__country=TEXT,
    single_use_id=TEXT,
    language=TEXT,
    display_id=TEXT,
    contact__id=TEXT,
    contact__user_id=TEXT,
)

WEBHOOK_COLUMNS = _record_columns(
    name=TEXT,
    url=TEXT,
    source=TEXT,
    environment_id=TEXT,
    triggers=JSON,
    survey_ids=JSON,
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
