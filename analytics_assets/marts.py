"""The analytics built on the raw tables: four SQL tables in schema `analytics_marts`.

Every figure counts only responses of surveys that are still there: a survey deleted in the API
takes its responses with it (Formbricks cascades), but the raw responses leave only at the next
full refresh, and until then they must not count anywhere. Rows flagged with `deleted_at`
(ANALYTICS_DELETIONS=flag) are read as absent.

Each is an asset downstream of exactly the raw tables its SQL reads, so the lineage graph runs
from the API to the answers. Answers come from the long table `responses__answers` (one row per
response and question) and question types from `surveys__questions`, so the SQL needs no
per-survey column names and no JSON functions, and runs unchanged on DuckDB and Postgres.

All four are one `multi_asset` (one step, one connection, in the warehouse pool): DuckDB allows
one writing process, and the four read the same tables. Each refreshes on its own after its
upstream changes (`AutomationCondition.eager()`, evaluated by `analytics_automation_sensor`).
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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

from analytics_assets import settings
from analytics_assets.assets import asset_key_for
from analytics_assets.columns import DELETED_AT
from analytics_assets.environment import destination_kind
from analytics_assets.errors import AnalyticsConfigurationError
from analytics_assets.metadata import table_metadata
from analytics_assets.resources import WarehouseResource

RAW = f'"{settings.DATASET_NAME}"'
MARTS = f'"{settings.MARTS_DATASET_NAME}"'

# The person a response came from. The API renamed `person` to `contact` on responses; rows
# loaded before the rename (or from a self-hosted instance not yet upgraded) carry
# `person__id` instead, so where that column exists the SQL reads both (`_with_sources`).
PERSON_ID = "r.contact__id"
PERSON_ID_BOTH = "coalesce(r.contact__id, r.person__id)"
LEGACY_PERSON_COLUMN = "person__id"

# Questions with their survey and type; shared by every query below.
_QUESTIONS = f"""
questions AS (
    SELECT s.id AS survey_id, q.id AS question_id, q.type AS question_type,
           q.range AS rating_range, q.headline__default AS headline
    FROM {RAW}.surveys s
    JOIN {RAW}.surveys__questions q ON q._dlt_parent_id = s._dlt_id
)"""

# Numeric answers to nps questions, with the response they belong to.
_NPS_ANSWERS = f"""
nps_answers AS (
    SELECT r.id AS response_id, r.survey_id, r.created_at, {PERSON_ID} AS person_id,
           a.question_id, a.value_number AS score
    FROM {RAW}.responses r
    JOIN {RAW}.responses__answers a ON a.response_id = r.id
    JOIN questions q ON q.survey_id = a.survey_id AND q.question_id = a.question_id
    WHERE q.question_type = 'nps' AND a.value_number IS NOT NULL
)"""


def _nps(answers: str, promoters: str, detractors: str) -> str:
    """SQL for NPS in points (-100..100) from counts; null when there are no answers."""
    return (
        f"CASE WHEN {answers} > 0 THEN "
        f"CAST(100.0 * ({promoters} - {detractors}) AS DOUBLE PRECISION) / {answers} END"
    )


SURVEY_SUMMARY = f"""
WITH {_QUESTIONS}, {_NPS_ANSWERS},
response_counts AS (
    SELECT survey_id, count(*) AS responses,
           count(*) FILTER (WHERE finished) AS finished_responses
    FROM {RAW}.responses r GROUP BY survey_id
),
nps AS (
    SELECT survey_id, count(*) AS nps_answers,
           count(*) FILTER (WHERE score >= 9) AS promoters,
           count(*) FILTER (WHERE score <= 6) AS detractors
    FROM nps_answers GROUP BY survey_id
),
ratings AS (
    SELECT a.survey_id, count(*) AS rating_answers,
           avg(CAST(a.value_number AS DOUBLE PRECISION) / q.rating_range) AS mean_rating
    FROM {RAW}.responses__answers a
    JOIN questions q ON q.survey_id = a.survey_id AND q.question_id = a.question_id
    WHERE q.question_type = 'rating' AND q.rating_range > 0 AND a.value_number IS NOT NULL
    GROUP BY a.survey_id
)
SELECT s.id AS survey_id, s.name AS survey_name, s.status,
       coalesce(rc.responses, 0) AS responses,
       coalesce(rc.finished_responses, 0) AS finished_responses,
       CASE WHEN rc.responses > 0
            THEN CAST(rc.finished_responses AS DOUBLE PRECISION) / rc.responses END
           AS completion_rate,
       coalesce(n.nps_answers, 0) AS nps_answers,
       coalesce(n.promoters, 0) AS promoters,
       coalesce(n.detractors, 0) AS detractors,
       {_nps("n.nps_answers", "n.promoters", "n.detractors")} AS nps,
       coalesce(ra.rating_answers, 0) AS rating_answers,
       ra.mean_rating AS mean_rating_normalized
FROM {RAW}.surveys s
LEFT JOIN response_counts rc ON rc.survey_id = s.id
LEFT JOIN nps n ON n.survey_id = s.id
LEFT JOIN ratings ra ON ra.survey_id = s.id
ORDER BY s.id
"""

DAILY_SURVEY_RESPONSES = f"""
WITH {_QUESTIONS}, {_NPS_ANSWERS},
days AS (
    SELECT CAST(r.created_at AT TIME ZONE 'UTC' AS DATE) AS day, r.survey_id,
           count(*) AS responses_created,
           count(*) FILTER (WHERE r.finished) AS responses_finished
    FROM {RAW}.responses r
    JOIN {RAW}.surveys s ON s.id = r.survey_id
    GROUP BY 1, 2
),
nps AS (
    SELECT CAST(created_at AT TIME ZONE 'UTC' AS DATE) AS day, survey_id,
           count(*) AS nps_answers,
           count(*) FILTER (WHERE score >= 9) AS promoters,
           count(*) FILTER (WHERE score <= 6) AS detractors
    FROM nps_answers GROUP BY 1, 2
)
SELECT d.day, d.survey_id, d.responses_created, d.responses_finished,
       coalesce(n.nps_answers, 0) AS nps_answers,
       {_nps("n.nps_answers", "n.promoters", "n.detractors")} AS nps
FROM days d
LEFT JOIN nps n ON n.day = d.day AND n.survey_id = d.survey_id
ORDER BY d.day, d.survey_id
"""

PERSON_ENGAGEMENT = f"""
WITH {_QUESTIONS}, {_NPS_ANSWERS},
per_person AS (
    SELECT {PERSON_ID} AS person_id, count(*) AS responses,
           min(r.created_at) AS first_response_at, max(r.created_at) AS last_response_at
    FROM {RAW}.responses r
    JOIN {RAW}.surveys s ON s.id = r.survey_id
    WHERE {PERSON_ID} IS NOT NULL GROUP BY {PERSON_ID}
),
latest_nps AS (
    SELECT person_id, score,
           row_number() OVER (
               PARTITION BY person_id ORDER BY created_at DESC, response_id DESC, question_id
           ) AS recency
    FROM nps_answers WHERE person_id IS NOT NULL
)
SELECT p.id AS person_id, p.user_id, p.attributes,
       coalesce(pp.responses, 0) AS responses,
       pp.first_response_at, pp.last_response_at,
       ln.score AS latest_nps
FROM {RAW}.identified_peoples p
LEFT JOIN per_person pp ON pp.person_id = p.id
LEFT JOIN latest_nps ln ON ln.person_id = p.id AND ln.recency = 1
ORDER BY p.id
"""

CHOICE_DISTRIBUTION = f"""
WITH {_QUESTIONS},
choice_answers AS (
    SELECT a.survey_id, a.question_id, a._dlt_id AS answer_row_id, a.value_text,
           q.headline, q.question_type
    FROM {RAW}.responses__answers a
    JOIN questions q ON q.survey_id = a.survey_id AND q.question_id = a.question_id
    WHERE q.question_type IN ('multipleChoiceSingle', 'multipleChoiceMulti')
),
totals AS (
    SELECT survey_id, question_id, count(*) AS question_answers
    FROM choice_answers GROUP BY survey_id, question_id
),
-- A single choice is the answer's text; a multi-select answer lists its options in
-- responses__answers__selected. Older versions also listed every text answer there, so those
-- rows are read only for multi-select answers that have no text.
choices AS (
    SELECT c.survey_id, c.question_id, c.headline, c.question_type, c.value_text AS choice
    FROM choice_answers c WHERE c.value_text IS NOT NULL
    UNION ALL
    SELECT c.survey_id, c.question_id, c.headline, c.question_type, sel.value AS choice
    FROM choice_answers c
    JOIN {RAW}.responses__answers__selected sel ON sel._dlt_parent_id = c.answer_row_id
    WHERE c.question_type = 'multipleChoiceMulti' AND c.value_text IS NULL
)
SELECT c.survey_id, c.question_id, c.headline AS question, c.question_type,
       c.choice, count(*) AS selections, t.question_answers,
       CAST(count(*) AS DOUBLE PRECISION) / t.question_answers AS share
FROM choices c
JOIN totals t ON t.survey_id = c.survey_id AND t.question_id = c.question_id
GROUP BY c.survey_id, c.question_id, c.headline, c.question_type, c.choice, t.question_answers
ORDER BY c.survey_id, c.question_id, selections DESC, c.choice
"""


# The raw tables the SQL reads, with the columns it uses. dlt creates a table only once a row
# reached it: an account without choice questions has no `responses__answers__selected`, one
# without people no `identified_peoples`. Such a table reads as empty (these typed columns).
READ_TABLES: dict[str, dict[str, str]] = {
    "surveys": {"id": "TEXT", "name": "TEXT", "status": "TEXT", "_dlt_id": "TEXT"},
    "surveys__questions": {
        "_dlt_parent_id": "TEXT", "id": "TEXT", "type": "TEXT", "range": "BIGINT",
        "headline__default": "TEXT",
    },
    "responses": {
        "id": "TEXT", "survey_id": "TEXT", "finished": "BOOLEAN",
        "created_at": "TIMESTAMP WITH TIME ZONE", "contact__id": "TEXT",
    },
    "responses__answers": {
        "_dlt_id": "TEXT", "response_id": "TEXT", "survey_id": "TEXT", "question_id": "TEXT",
        "value_number": "DOUBLE PRECISION", "value_text": "TEXT",
    },
    "responses__answers__selected": {"_dlt_parent_id": "TEXT", "value": "TEXT"},
    "identified_peoples": {"id": "TEXT", "user_id": "TEXT", "attributes": "TEXT"},
}  # fmt: skip


def _empty_table(columns: dict[str, str]) -> str:
    typed = ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in columns.items())
    return f"(SELECT {typed} WHERE 1 = 0)"


# Rows the API no longer returns may stay, flagged with `deleted_at` (ANALYTICS_DELETIONS=flag);
# the analytics read only the others. Answers belong to a response: they go with it.
FLAGGED_ROOTS = ("surveys", "responses", "identified_peoples")
LIVE_ANSWERS = (
    f"(SELECT a.* FROM {RAW}.responses__answers a WHERE a._dlt_root_id IN "
    f"(SELECT _dlt_id FROM {RAW}.responses WHERE {DELETED_AT} IS NULL))"
)


def _with_sources(sql: str, existing: set[str], legacy_person: bool, flagged: set[str]) -> str:
    """`sql` fitted to the raw tables as they are: every table that does not exist yet is an
    empty typed table, tables in `flagged` (those with a `deleted_at` column) are read without
    their flagged rows, and with `legacy_person` responses are matched on `person__id` too."""
    for table, columns in READ_TABLES.items():
        pattern = rf"{re.escape(RAW)}\.{table}\b"
        if table not in existing:
            sql = re.sub(pattern, _empty_table(columns), sql)
        elif table in flagged:
            live = f"(SELECT * FROM {RAW}.{table} WHERE {DELETED_AT} IS NULL)"
            sql = re.sub(pattern, live, sql)
        elif table == "responses__answers" and "responses" in flagged:
            sql = re.sub(pattern, LIVE_ANSWERS, sql)
    return sql.replace(PERSON_ID, PERSON_ID_BOTH) if legacy_person else sql


def _tables_with_deleted_at(client: Any, existing: set[str]) -> set[str]:
    """Which of the flaggable raw tables have a `deleted_at` column (loads since it exists)."""
    sql = (
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = %s AND column_name = %s"
    )
    with client.execute_query(sql, settings.DATASET_NAME, DELETED_AT) as cursor:
        found = {row[0] for row in cursor.fetchall()}
    return found & existing & set(FLAGGED_ROOTS)


def _has_legacy_person_column(client: Any, existing: set[str]) -> bool:
    """Whether responses has `person__id` (rows loaded before the API renamed it `contact`)."""
    if "responses" not in existing:
        return False
    sql = (
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s AND column_name = %s"
    )
    with client.execute_query(sql, settings.DATASET_NAME, "responses", LEGACY_PERSON_COLUMN) as cur:
        return cur.fetchone() is not None


def _existing_raw_tables(client: Any) -> set[str]:
    sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = %s"
    with client.execute_query(sql, settings.DATASET_NAME) as cursor:
        return {row[0] for row in cursor.fetchall()}


def _raw(*tables: str) -> list[AssetKey]:
    return [asset_key_for(table) for table in tables]


# Table name -> (SQL, the raw assets it reads, description).
MARTS_TABLES: dict[str, tuple[str, list[AssetKey], str]] = {
    "survey_summary": (
        SURVEY_SUMMARY,
        _raw("surveys", "responses"),
        "One row per survey: name and status; responses and finished responses, and completion "
        "rate (finished / all); NPS in points, 100 x (promoters scoring 9-10 minus detractors "
        "scoring 0-6) / answers, over every answer to the survey's `nps` questions; mean rating "
        "of its `rating` questions, each answer divided by its question's range (1.0 = top mark).",
    ),
    "daily_survey_responses": (
        DAILY_SURVEY_RESPONSES,
        _raw("surveys", "responses"),
        "One row per UTC day and survey with responses: responses created that day, how many of "
        "them are finished, and the NPS of their answers to `nps` questions.",
    ),
    "person_engagement": (
        PERSON_ENGAGEMENT,
        _raw("identified_peoples", "surveys", "responses"),
        "One row per identified person (responses joined on `contact__id`, or on `person__id` "
        "for responses loaded before the API renamed `person` to `contact`): responses given, "
        "first and last response time, the score of their most recent `nps` answer, and their "
        "attributes (JSON) from the people endpoint.",
    ),
    "choice_answer_distribution": (
        CHOICE_DISTRIBUTION,
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


def _scalar(client: Any, sql: str, *args: Any) -> Any:
    with client.execute_query(sql, *args) as cursor:
        return cursor.fetchone()[0]


# Responses of the last day, of surveys still there (fitted by `_with_sources` like the marts).
RESPONSES_SINCE = (
    f"SELECT count(*) FROM {RAW}.responses r JOIN {RAW}.surveys s ON s.id = r.survey_id "
    "WHERE r.created_at >= %s"
)


def _headline_figures(client: Any, now: datetime, responses_since: str) -> dict[str, Any]:
    """Account-wide figures, recorded as numeric metadata so the UI plots their trend."""
    totals = f"""
        SELECT sum(responses), sum(finished_responses), sum(nps_answers),
               sum(promoters), sum(detractors)
        FROM {MARTS}.survey_summary"""
    with client.execute_query(totals) as cursor:
        responses, finished, nps_answers, promoters, detractors = cursor.fetchone()
    responses_last_day = _scalar(client, responses_since, now - timedelta(1))
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
        existing = _existing_raw_tables(client)
        if "_dlt_loads" not in existing:
            raise AnalyticsConfigurationError(
                f"analytics: the raw tables in schema {settings.DATASET_NAME!r} were never loaded; "
                f"materialize the {settings.GROUP_NAME!r} assets first."
            )
        client.execute_sql(f"CREATE SCHEMA IF NOT EXISTS {MARTS}")
        legacy_person = _has_legacy_person_column(client, existing)
        flagged = _tables_with_deleted_at(client, existing)
        for table in MARTS_TABLES:
            key = marts_key(table)
            if key not in context.selected_asset_keys:
                continue
            sql = _with_sources(MARTS_TABLES[table][0], existing, legacy_person, flagged)
            with client.begin_transaction():
                client.execute_sql(f"DROP TABLE IF EXISTS {MARTS}.{table}")
                client.execute_sql(f"CREATE TABLE {MARTS}.{table} AS {sql}")
            row_count = _scalar(client, f"SELECT count(*) FROM {MARTS}.{table}")
            metadata: dict[str, Any] = dict(
                table_metadata(
                    row_count=int(row_count),
                    column_schema=_column_schema(client, table),
                    table_name=f"{settings.MARTS_DATASET_NAME}.{table}",
                )
            )
            if table == "survey_summary":
                since = _with_sources(RESPONSES_SINCE, existing, legacy_person, flagged)
                metadata.update(_headline_figures(client, datetime.now(UTC), since))
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
