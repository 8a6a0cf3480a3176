"""The analytics built on the raw tables: four SQL tables in schema `analytics_marts`.

The SQL lives in `sql/*.sql` beside this module, one query a file over views in
`analytics_marts` that this module (re)creates first (DROP ... CASCADE, then CREATE, every run).
The four tables' files paste into a SQL console as they are; `responses_since.sql` takes one
parameter (`%s`) and `headline_totals.sql` reads the `survey_summary` table it summarises. The
`live_*` views show the raw tables as the analytics count them: without rows flagged with
`deleted_at` (ANALYTICS_DELETIONS=flag), without responses of surveys that are gone (Formbricks
deletes them with the survey, but the raw rows leave only at the next full refresh), and empty
for a table dlt has not created yet. `questions` and `nps_answers` are shared by the queries.

Each is an asset downstream of exactly the raw tables its SQL reads, so the lineage graph runs
from the API to the answers. Answers come from the long table `responses__answers` (one row per
response and question) and question types from `surveys__questions`, so the SQL needs no
per-survey column names and no JSON functions, and runs unchanged on DuckDB and Postgres.

All four are one `multi_asset` (one step, one connection, in the warehouse pool): DuckDB allows
one writing process, and the four read the same tables. Each refreshes on its own after its
upstream changes (`AutomationCondition.eager()`, evaluated by `analytics_automation_sensor`).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableSchema,
    multi_asset,
)

from analytics_assets.formbricks import settings
from analytics_assets.component.ingestion import asset_key_for
from analytics_assets.formbricks.columns import DELETED_AT
from analytics_assets.config import destination_kind
from analytics_assets.formbricks.errors import AnalyticsConfigurationError
from analytics_assets.component.metadata import table_metadata
from analytics_assets.warehouse.queries import columns_by_table as read_columns
from analytics_assets.warehouse.queries import scalar
from analytics_assets.component.resources import WarehouseResource

RAW = settings.DATASET_NAME
MARTS = settings.MARTS_DATASET_NAME
SQL_DIR = Path(__file__).parents[1] / "warehouse" / "sql"


def sql_file(name: str) -> str:
    """The text of `sql/<name>.sql`, beside this module."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


# The raw tables as the analytics read them: one view each in the analytics schema (`live_*`),
# with the columns the SQL uses. A view leaves out rows flagged with `deleted_at`
# (ANALYTICS_DELETIONS=flag), responses of surveys that are gone and their answers, and stands
# in, empty, for a table dlt has not created because no row reached it yet (an account without
# choice questions has no `responses__answers__selected`). Responses carry `person_id`: the
# contact's id, or the person's for responses loaded before the API renamed `person` to
# `contact`. View -> (raw table, columns with the type an empty stand-in gives them).
LIVE_VIEWS: dict[str, tuple[str, dict[str, str]]] = {
    "live_surveys": ("surveys", {
        "id": "TEXT", "name": "TEXT", "status": "TEXT", "_dlt_id": "TEXT",
    }),
    "live_survey_questions": ("surveys__questions", {
        "_dlt_parent_id": "TEXT", "id": "TEXT", "type": "TEXT", "range": "BIGINT",
        "headline__default": "TEXT",
    }),
    "live_responses": ("responses", {
        "id": "TEXT", "survey_id": "TEXT", "finished": "BOOLEAN",
        "created_at": "TIMESTAMP WITH TIME ZONE", "person_id": "TEXT", "_dlt_id": "TEXT",
    }),
    "live_answers": ("responses__answers", {
        "_dlt_id": "TEXT", "response_id": "TEXT", "survey_id": "TEXT", "question_id": "TEXT",
        "value_number": "DOUBLE PRECISION", "value_text": "TEXT",
    }),
    "live_selected": ("responses__answers__selected", {"_dlt_parent_id": "TEXT", "value": "TEXT"}),
    "live_people": ("identified_peoples", {"id": "TEXT", "user_id": "TEXT", "attributes": "TEXT"}),
}  # fmt: skip
# Views of plain SQL on the live views, in the order they are created.
SHARED_VIEWS = ("questions", "nps_answers")


def _live_view(view: str, columns_by_table: dict[str, set[str]]) -> str:
    """The SELECT of one `live_*` view, fitted to the raw table as it is."""
    table, columns = LIVE_VIEWS[view]
    present = columns_by_table.get(table)
    if present is None:
        typed = ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in columns.items())
        return f"SELECT {typed} WHERE 1 = 0"
    selected = []
    for name in columns:
        if name == "person_id":
            both = "coalesce(t.contact__id, t.person__id)"
            selected.append(f"{both if 'person__id' in present else 't.contact__id'} AS person_id")
        else:
            selected.append(f"t.{name}")
    conditions = [f"t.{DELETED_AT} IS NULL"] if DELETED_AT in present else []
    if view == "live_responses":
        conditions.append(f"t.survey_id IN (SELECT id FROM {MARTS}.live_surveys)")
    elif view == "live_answers":
        conditions.append(f"t._dlt_root_id IN (SELECT _dlt_id FROM {MARTS}.live_responses)")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {', '.join(selected)} FROM {RAW}.{table} t{where}"


def _create_views(client: Any, columns_by_table: dict[str, set[str]]) -> None:
    """(Re)create the `live_*` views and the shared ones, in one transaction."""
    views = [*LIVE_VIEWS, *SHARED_VIEWS]
    with client.begin_transaction():
        for view in reversed(views):
            client.execute_sql(f"DROP VIEW IF EXISTS {MARTS}.{view} CASCADE")
        for view in views:
            query = _live_view(view, columns_by_table) if view in LIVE_VIEWS else sql_file(view)
            client.execute_sql(f"CREATE VIEW {MARTS}.{view} AS {query}")


def _raw(*tables: str) -> list[AssetKey]:
    return [asset_key_for(table) for table in tables]


# Table name -> (its SQL file in sql/, the raw assets it reads, description).
MARTS_TABLES: dict[str, tuple[str, list[AssetKey], str]] = {
    "survey_summary": (
        "survey_summary",
        _raw("surveys", "responses"),
        "One row per survey: name and status; responses and finished responses, and completion "
        "rate (finished / all); NPS in points, 100 x (promoters scoring 9-10 minus detractors "
        "scoring 0-6) / answers, over every answer to the survey's `nps` questions; mean rating "
        "of its `rating` questions, each answer divided by its question's range (1.0 = top mark).",
    ),
    "daily_survey_responses": (
        "daily_survey_responses",
        _raw("surveys", "responses"),
        "One row per UTC day and survey with responses: responses created that day, how many of "
        "them are finished, and the NPS of their answers to `nps` questions.",
    ),
    "person_engagement": (
        "person_engagement",
        _raw("identified_peoples", "surveys", "responses"),
        "One row per identified person (responses joined on `contact__id`, or on `person__id` "
        "for responses loaded before the API renamed `person` to `contact`): responses given, "
        "first and last response time, the score of their most recent `nps` answer, and their "
        "attributes (JSON) from the people endpoint.",
    ),
    "choice_answer_distribution": (
        "choice_answer_distribution",
        _raw("surveys", "responses"),
        "One row per choice question and option chosen: how often it was selected and its share "
        "of the question's answers (multiple-choice answers count each selected option, so "
        "shares of a multi-select question can add up to more than 1).",
    ),
}


def marts_key(table: str) -> AssetKey:
    """The asset key of one analytics table, e.g. `analytics/survey_summary`."""
    return AssetKey([settings.MARTS_KEY_PREFIX, table])


def _spec(table: str) -> AssetSpec:
    _, deps, description = MARTS_TABLES[table]
    return AssetSpec(
        key=marts_key(table),
        deps=deps,
        description=description,
        group_name=settings.MARTS_GROUP_NAME,
        kinds={"sql", destination_kind()},
        owners=settings.OWNERS,
        automation_condition=AutomationCondition.eager(),
        metadata=table_metadata(table_name=f"{settings.MARTS_DATASET_NAME}.{table}"),
    )


def _column_schema(client: Any, table: str) -> TableSchema:
    sql = (
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position"
    )
    with client.execute_query(sql, settings.MARTS_DATASET_NAME, table) as cursor:
        rows = cursor.fetchall()
    return TableSchema(columns=[TableColumn(name=name, type=str(kind)) for name, kind in rows])


def _headline_figures(client: Any, now: datetime) -> dict[str, Any]:
    """Account-wide figures, recorded as numeric metadata so the UI plots their trend."""
    with client.execute_query(sql_file("headline_totals")) as cursor:
        responses, finished, nps_answers, promoters, detractors = cursor.fetchone()
    responses_last_day = scalar(client, sql_file("responses_since"), now - timedelta(1))
    figures: dict[str, Any] = {
        "responses_total": MetadataValue.int(int(responses or 0)),
        "responses_last_day": MetadataValue.int(int(responses_last_day)),
    }
    if responses:
        figures["completion_rate"] = MetadataValue.float(float(finished) / float(responses))
    if nps_answers:
        nps = 100.0 * (float(promoters) - float(detractors)) / float(nps_answers)
        figures["overall_nps"] = MetadataValue.float(nps)
    return figures


@multi_asset(
    name="analytics_marts",
    specs=[_spec(table) for table in MARTS_TABLES],
    can_subset=True,
    pool=settings.WAREHOUSE_POOL,
)
def analytics_marts(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[MaterializeResult]:
    """Rebuild the selected analytics tables from the raw tables, each in one transaction."""
    with warehouse.connect(context.log) as client:
        columns_by_table = read_columns(client, RAW)
        if "_dlt_loads" not in columns_by_table:
            raise AnalyticsConfigurationError(
                f"analytics: the raw tables in schema {settings.DATASET_NAME!r} were never loaded; "
                f"materialize the {settings.GROUP_NAME!r} assets first."
            )
        client.execute_sql(f"CREATE SCHEMA IF NOT EXISTS {MARTS}")
        _create_views(client, columns_by_table)
        for table in MARTS_TABLES:
            key = marts_key(table)
            if key not in context.selected_asset_keys:
                continue
            sql = sql_file(MARTS_TABLES[table][0])
            with client.begin_transaction():
                client.execute_sql(f"DROP TABLE IF EXISTS {MARTS}.{table}")
                client.execute_sql(f"CREATE TABLE {MARTS}.{table} AS {sql}")
            row_count = scalar(client, f"SELECT count(*) FROM {MARTS}.{table}")
            metadata: dict[str, Any] = dict(
                table_metadata(
                    row_count=int(row_count),
                    column_schema=_column_schema(client, table),
                    table_name=f"{settings.MARTS_DATASET_NAME}.{table}",
                )
            )
            if table == "survey_summary":
                metadata.update(_headline_figures(client, datetime.now(UTC)))
            yield MaterializeResult(asset_key=key, metadata=metadata)


analytics_automation_sensor = AutomationConditionSensorDefinition(
    name="analytics_automation_sensor",
    target=AssetSelection.groups(settings.MARTS_GROUP_NAME),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description=(
        "Evaluates the analytics assets' automation conditions: each refreshes after the raw "
        "tables it reads were loaded."
    ),
)
