"""The analytics' SQL run against the warehouse: the `live_*` views and the four tables.

The SQL lives in `sql/*.sql` beside this module, one query a file over views in the analytics
schema that `create_views` (re)creates first (DROP ... CASCADE, then CREATE, every run). The
files are written for this project's schemas, `analytics` and `analytics_marts`, so they paste
into a SQL console as they are; another instance's schema is put in place of `analytics_marts.`
when a file is read. `responses_since.sql` takes one parameter (`%s`) and `headline_totals.sql`
reads the `survey_summary` table it summarises. The `live_*` views show the raw tables as the
analytics count them: without rows flagged with `deleted_at` (ANALYTICS_DELETIONS=flag),
without responses of surveys that are gone (Formbricks deletes them with the survey, but the
raw rows leave only at the next full refresh), and empty for a table dlt has not created yet.
`survey_summary` shows archived surveys (`archived_at`, Formbricks 5.3+), which Formbricks
deletes with their responses 30 days after archiving.
`questions` and `nps_answers` are shared by the queries.

Answers come from the long table `responses__answers` (one row per response and question) and
question types from `surveys__questions`, so the SQL needs no per-survey column names and no
JSON functions, and runs unchanged on DuckDB and Postgres.
"""

from datetime import datetime, timedelta
from typing import Any

from analytics_assets.formbricks.columns import DELETED_AT
from analytics_assets.warehouse.queries import row_count, rows, scalar, sql_statement

# The analytics schema the SQL files name.
SQL_SCHEMA = "analytics_marts"


def sql_file(name: str, schema: str = SQL_SCHEMA) -> str:
    """The text of `sql/<name>.sql`, reading the analytics views from `schema`."""
    text = sql_statement(name)
    return text if schema == SQL_SCHEMA else text.replace(f"{SQL_SCHEMA}.", f"{schema}.")


# The raw tables as the analytics read them: one view each in the analytics schema (`live_*`),
# with the columns the SQL uses. A view leaves out rows flagged with `deleted_at`
# (ANALYTICS_DELETIONS=flag), responses of surveys that are gone and their answers, and stands
# in, empty, for a table dlt has not created because no row reached it yet (an account without
# choice questions has no `responses__answers__selected`). Responses carry `person_id`: the
# contact's id, or the person's for responses loaded before the API renamed `person` to
# `contact`. View -> (raw table, columns with the type an empty stand-in gives them).
LIVE_VIEWS: dict[str, tuple[str, dict[str, str]]] = {
    "live_surveys": ("surveys", {
        "id": "TEXT", "name": "TEXT", "status": "TEXT",
        "archived_at": "TIMESTAMP WITH TIME ZONE", "_dlt_id": "TEXT",
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
# Columns declared after warehouses were first loaded (`columns.py`): dlt adds a declared column
# to a table it created before at the table's next load, so until then such a table lacks it and
# its view reads null. `archived_at` is a survey's `archivedAt`, which servers before Formbricks
# 5.3 never send: declared, the column exists on every release, null there.
ADDED_LATER = frozenset({"archived_at"})
# Views of plain SQL on the live views, in the order they are created.
SHARED_VIEWS = ("questions", "nps_answers")


def _live_view(view: str, columns_by_table: dict[str, set[str]], raw: str, schema: str) -> str:
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
        elif name in ADDED_LATER and name not in present:
            selected.append(f"CAST(NULL AS {columns[name]}) AS {name}")
        else:
            selected.append(f"t.{name}")
    conditions = [f"t.{DELETED_AT} IS NULL"] if DELETED_AT in present else []
    if view == "live_responses":
        conditions.append(f"t.survey_id IN (SELECT id FROM {schema}.live_surveys)")
    elif view == "live_answers":
        conditions.append(f"t._dlt_root_id IN (SELECT _dlt_id FROM {schema}.live_responses)")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {', '.join(selected)} FROM {raw}.{table} t{where}"


def create_views(client: Any, columns_by_table: dict[str, set[str]], raw: str, schema: str) -> None:
    """(Re)create the `live_*` views and the shared ones in `schema`, in one transaction."""
    client.execute_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    views = [*LIVE_VIEWS, *SHARED_VIEWS]
    with client.begin_transaction():
        for view in reversed(views):
            client.execute_sql(f"DROP VIEW IF EXISTS {schema}.{view} CASCADE")
        for view in views:
            if view in LIVE_VIEWS:
                query = _live_view(view, columns_by_table, raw, schema)
            else:
                query = sql_file(view, schema)
            client.execute_sql(f"CREATE VIEW {schema}.{view} AS {query}")


def rebuild_table(client: Any, table: str, schema: str) -> int:
    """Replace one analytics table with its query's result, in one transaction; its row count."""
    sql = sql_file(table, schema)
    with client.begin_transaction():
        client.execute_sql(f"DROP TABLE IF EXISTS {schema}.{table}")
        client.execute_sql(f"CREATE TABLE {schema}.{table} AS {sql}")
    return row_count(client, f"{schema}.{table}")


def comment_columns(client: Any, schema: str, table: str, comments: dict[str, str]) -> None:
    """Write `comments` (column -> text) as the column comments of one table, in one transaction."""
    with client.begin_transaction():
        for column, text in comments.items():
            literal = "'" + text.replace("'", "''") + "'"
            client.execute_sql(
                sql_statement(
                    "comment_on_column", column=f"{schema}.{table}.{column}", comment=literal
                )
            )


def table_columns(client: Any, schema: str, table: str) -> list[tuple[str, str]]:
    """(name, type) of each column of one table, in order."""
    sql = (
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position"
    )
    return [(name, str(kind)) for name, kind in rows(client, sql, schema, table)]


def headline_figures(client: Any, now: datetime, schema: str) -> dict[str, float | int]:
    """Account-wide figures: responses in all and in the last day, completion rate, NPS."""
    [(responses, finished, nps_answers, promoters, detractors)] = rows(
        client, sql_file("headline_totals", schema)
    )
    figures: dict[str, float | int] = {
        "responses_total": int(responses or 0),
        "responses_last_day": int(
            scalar(client, sql_file("responses_since", schema), now - timedelta(1))
        ),
    }
    if responses:
        figures["completion_rate"] = float(finished) / float(responses)
    if nps_answers:
        figures["overall_nps"] = 100.0 * (float(promoters) - float(detractors)) / float(nps_answers)
    return figures
