"""The analytics of one loader instance: four SQL tables downstream of the raw tables.

Each is an asset downstream of exactly the raw tables its SQL reads, so the lineage graph runs
from the API to the answers. The SQL and the views it reads are `warehouse/analytics.py`'s.

All four are one `multi_asset` (one step, one connection, in the instance's pool): DuckDB allows
one writing process, and the four read the same tables. Each refreshes on its own after its
upstream changes (`AutomationCondition.eager()`, evaluated by the instance's automation sensor),
and carries the instance's freshness policy, as responses do.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    AssetSelection,
    AssetSpec,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    FreshnessPolicy,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableSchema,
    multi_asset,
)

from analytics_assets.component.ingestion.translator import OWNERS
from analytics_assets.component.metadata import table_metadata
from analytics_assets.component.names import LoaderNames
from analytics_assets.formbricks.descriptions import ANALYTICS_COLUMN_DESCRIPTIONS
from analytics_assets.formbricks.errors import AnalyticsConfigurationError
from analytics_assets.warehouse.analytics import (
    comment_columns,
    create_views,
    headline_figures,
    rebuild_table,
    table_columns,
)
from analytics_assets.warehouse.queries import columns_by_table

# Table name -> (the raw tables its SQL reads, description). Its SQL is `sql/<table>.sql`.
MARTS_TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    "survey_summary": (
        ("surveys", "responses"),
        "One row per survey: name and status; responses and finished responses, and completion "
        "rate (finished / all); NPS in points, 100 x (promoters scoring 9-10 minus detractors "
        "scoring 0-6) / answers, over every answer to the survey's `nps` questions; mean rating "
        "of its `rating` questions, each answer divided by its question's range (1.0 = top mark).",
    ),
    "daily_survey_responses": (
        ("surveys", "responses"),
        "One row per UTC day and survey with responses: responses created that day, how many of "
        "them are finished, and the NPS of their answers to `nps` questions.",
    ),
    "person_engagement": (
        ("identified_peoples", "surveys", "responses"),
        "One row per identified person (responses joined on `contact__id`, or on `person__id` "
        "for responses loaded before the API renamed `person` to `contact`): responses given, "
        "first and last response time, the score of their most recent `nps` answer, and their "
        "attributes (JSON) from the people endpoint.",
    ),
    "choice_answer_distribution": (
        ("surveys", "responses"),
        "One row per choice question and option chosen: how often it was selected and its share "
        "of the question's answers (multiple-choice answers count each selected option, so "
        "shares of a multi-select question can add up to more than 1).",
    ),
}


def _described_columns(table: str) -> TableSchema:
    """The table's columns with their descriptions, before its first build: the SQL's result
    decides their types, so none is given yet (the materialization's schema has them)."""
    return TableSchema(
        columns=[
            TableColumn(name=name, type="", description=text)
            for name, text in ANALYTICS_COLUMN_DESCRIPTIONS[table].items()
        ]
    )


def _spec(
    names: LoaderNames, table: str, kind: str, freshness: FreshnessPolicy | None
) -> AssetSpec:
    raw_tables, description = MARTS_TABLES[table]
    return AssetSpec(
        key=names.analytics_key(table),
        deps=[names.asset_key(raw) for raw in raw_tables],
        description=description,
        group_name=names.analytics_group,
        kinds={"sql", kind},
        owners=OWNERS,
        automation_condition=AutomationCondition.eager(),
        freshness_policy=freshness,
        metadata=table_metadata(
            table_name=f"{names.analytics_dataset}.{table}", column_schema=_described_columns(table)
        ),
    )


def _materialization(
    names: LoaderNames, client: Any, table: str, row_count: int
) -> MaterializeResult:
    schema = names.analytics_dataset
    described = ANALYTICS_COLUMN_DESCRIPTIONS[table]
    columns = [
        TableColumn(name=name, type=kind, description=described.get(name))
        for name, kind in table_columns(client, schema, table)
    ]
    # The same texts as the warehouse's column comments (a rebuilt table has lost its own).
    comment_columns(
        client, schema, table, {c.name: described[c.name] for c in columns if c.name in described}
    )
    metadata: dict[str, Any] = table_metadata(
        row_count=row_count,
        column_schema=TableSchema(columns=columns),
        table_name=f"{schema}.{table}",
    )
    if table == "survey_summary":
        for name, value in headline_figures(client, datetime.now(UTC), schema).items():
            metadata[name] = (
                MetadataValue.int(value) if isinstance(value, int) else MetadataValue.float(value)
            )
    return MaterializeResult(asset_key=names.analytics_key(table), metadata=metadata)


def build_analytics_assets(
    names: LoaderNames, *, kind: str, freshness: FreshnessPolicy | None = None
) -> AssetsDefinition:
    """The four analytics tables of one instance, rebuilt in one step.

    Args:
        names: The instance's names.
        kind: The destination's name, shown as the assets' kind.
        freshness: The freshness policy of the tables, if any.
    """

    @multi_asset(
        name=names.analytics_op,
        specs=[_spec(names, table, kind, freshness) for table in MARTS_TABLES],
        can_subset=True,
        pool=names.pool,
        required_resource_keys={names.warehouse_resource},
    )
    def analytics(context: AssetExecutionContext) -> Iterator[MaterializeResult]:
        """Rebuild the selected analytics tables from the raw tables, each in one transaction."""
        warehouse = getattr(context.resources, names.warehouse_resource)
        with warehouse.connect(context.log, instance=context.instance) as client:
            found = columns_by_table(client, names.dataset)
            if "_dlt_loads" not in found:
                raise AnalyticsConfigurationError(
                    f"analytics: the raw tables in schema {names.dataset!r} were never loaded; "
                    f"materialize the {names.group!r} assets first."
                )
            create_views(client, found, names.dataset, names.analytics_dataset)
            for table in MARTS_TABLES:
                if names.analytics_key(table) in context.selected_asset_keys:
                    row_count = rebuild_table(client, table, names.analytics_dataset)
                    yield _materialization(names, client, table, row_count)

    return analytics


def build_automation_sensor(names: LoaderNames) -> AutomationConditionSensorDefinition:
    """The sensor evaluating the analytics' automation conditions (running by default)."""
    return AutomationConditionSensorDefinition(
        name=names.automation_sensor,
        target=AssetSelection.groups(names.analytics_group),
        default_status=DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        description=(
            "Evaluates the analytics assets' automation conditions: each refreshes after the raw "
            "tables it reads were loaded."
        ),
    )
