"""`build_raw_table_checks`: every check of one loader instance's six raw tables.

The warehouse and event-log checks are one `multi_asset_check` (op `names.checks_op`), so they
run in one step on one warehouse connection, in the instance's pool like every step that opens
its DuckDB file. Dagster's `column_schema_change` checks are a second definition (`schema.py`).
"""

from collections.abc import Iterator

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSpec,
    multi_asset_check,
)

from analytics_assets.component.checks.constants import (
    DELETIONS_CHECK,
    ID_CHECK,
    RAW_TABLES,
    RESPONSES,
    SURVEY_ID_CHECK,
    SURVEYS,
)
from analytics_assets.component.checks.deletions import DELETIONS_DESCRIPTION, check_deletions
from analytics_assets.component.checks.history import MaterializationHistory
from analytics_assets.component.checks.results import Results
from analytics_assets.component.checks.schema import build_schema_checks
from analytics_assets.component.checks.warehouse import warehouse_results
from analytics_assets.component.names import LoaderNames


def _specs(names: LoaderNames) -> list[AssetCheckSpec]:
    """The 13 specs: ids and deletions on each raw table, survey ids on responses."""
    specs = []
    for table in RAW_TABLES:
        specs.append(
            AssetCheckSpec(
                ID_CHECK,
                asset=names.asset_key(table),
                description=(
                    f"Every row of `{names.dataset}.{table}` has an `id`, and no `id` occurs "
                    "twice (dlt merges on it)."
                ),
            )
        )
        specs.append(
            AssetCheckSpec(
                DELETIONS_CHECK, asset=names.asset_key(table), description=DELETIONS_DESCRIPTION
            )
        )
    specs.append(
        AssetCheckSpec(
            SURVEY_ID_CHECK,
            asset=names.asset_key(RESPONSES),
            # Reads surveys too: in a run that loads both, the check waits for surveys.
            additional_deps=[names.asset_key(SURVEYS)],
            description="Every non-null `survey_id` of a response is the `id` of a loaded survey.",
        )
    )
    return specs


def _run_checks(
    context: AssetCheckExecutionContext, names: LoaderNames
) -> Iterator[AssetCheckResult]:
    """The selected checks: the SQL ones on one connection, then those of the event log."""
    selected = sorted(
        context.selected_asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)
    )
    results = Results(names)
    history = MaterializationHistory(context.instance, names)
    sql_keys = [key for key in selected if key.name != DELETIONS_CHECK]
    if sql_keys:
        warehouse = getattr(context.resources, names.warehouse_resource)
        yield from warehouse_results(warehouse, context, sql_keys, results, history)
    for key in selected:
        if key.name == DELETIONS_CHECK:
            yield check_deletions(results, history, key.asset_key.path[-1])


def build_raw_table_checks(names: LoaderNames) -> list[AssetChecksDefinition]:
    """Every check of the raw tables of the instance `names`.

    Returns:
        Two definitions: the op `names.checks_op` with `id_not_null_and_unique` and
        `deletions_applied` on each raw table and `survey_id_in_surveys` on responses (it needs
        the resource `names.warehouse_resource` and runs in pool `names.pool`); and Dagster's
        `column_schema_change` on each raw table.
    """

    @multi_asset_check(
        specs=_specs(names),
        name=names.checks_op,
        can_subset=True,
        pool=names.pool,
        required_resource_keys={names.warehouse_resource},
        description=(
            "Ids present and unique, survey ids of responses known, and deletions applied, on "
            "the six raw tables."
        ),
    )
    def raw_table_checks(context: AssetCheckExecutionContext) -> Iterator[AssetCheckResult]:
        yield from _run_checks(context, names)

    return [raw_table_checks, *build_schema_checks(names)]
