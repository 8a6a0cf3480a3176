"""Data-quality checks on the six raw tables, and the freshness of responses.

`raw_table_checks` is one `multi_asset_check` holding 19 checks, so they run in one step on one
warehouse connection (in the warehouse pool, like every step that opens the DuckDB file):

- `id_not_null_and_unique` on each raw table (ERROR): dlt merges on `id`, so a null or repeated
  id means the merge key is broken and downstream counts are wrong.
- `survey_id_in_surveys` on responses (WARN): a response whose survey is not in `surveys` is
  dropped by every join on surveys; worth knowing, not worth stopping the analytics for.
- `schema_unchanged` on each raw table (WARN): the columns dlt reported for the latest
  materialization (`dagster/column_schema`) against the previous one, since the API adds and
  renames fields without notice and dlt silently evolves the table.
- `deletions_applied` on each raw table (WARN): the latest load removed every row the API no
  longer returns; it fails when the mass-deletion guard held a deletion back (`deletions.py`),
  until a run with `confirm_deletions: true` applies it or the rows come back.

A table that was never loaded fails its checks with a description saying so. A table dlt never
created because its endpoint has returned no records (an account without webhooks: the asset's
latest materialization read 0 rows), or because the server or key does not offer the endpoint
(the community edition's contacts: `available: false`), passes them, saying which and why. The
SQL is plain enough to run unchanged on DuckDB and Postgres.

`build_freshness_checks` builds Dagster's last-update freshness check on responses and the sensor
that evaluates it. This module reads no environment variables: `definitions.py` reads
`ANALYTICS_FRESHNESS_HOURS` (through `environment.location_settings`) and
passes the number in.
"""

import math
import warnings
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any, Final

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetMaterialization,
    DagsterInstance,
    DefaultSensorStatus,
    MetadataValue,
    SensorDefinition,
    SupersessionWarning,
    TableSchema,
    build_last_update_freshness_checks,
    build_sensor_for_freshness_checks,
    multi_asset_check,
)
from dlt.destinations.sql_client import SqlClientBase

from analytics_assets.formbricks import settings
from analytics_assets.component.ingestion import (
    AVAILABLE,
    COMPLETE_READ,
    DELETIONS_WITHHELD,
    DELETIONS_WITHHELD_REASON,
    ROWS_DELETED,
    ROWS_LOADED,
    UNAVAILABLE_REASON,
    asset_key_for,
)
from analytics_assets.formbricks.errors import AnalyticsConfigurationError
from analytics_assets.warehouse.queries import columns_by_table, rows
from analytics_assets.component.resources import WarehouseResource

__all__ = [
    "FRESHNESS_SENSOR_NAME",
    "ID_CHECK",
    "RAW_TABLES",
    "SCHEMA_CHECK",
    "DELETIONS_CHECK",
    "SURVEY_ID_CHECK",
    "build_freshness_checks",
    "raw_table_checks",
]

RAW_TABLES: Final = settings.RESOURCES

ID_CHECK: Final = "id_not_null_and_unique"
SURVEY_ID_CHECK: Final = "survey_id_in_surveys"
SCHEMA_CHECK: Final = "schema_unchanged"
DELETIONS_CHECK: Final = "deletions_applied"
# Checks that read Dagster's event log, not the warehouse.
INSTANCE_CHECKS: Final = (SCHEMA_CHECK, DELETIONS_CHECK)

# How far back `deletions_applied` looks for the latest complete read (a week of hourly syncs).
COMPLETE_READ_LOOKBACK: Final = 200

# How many offending values a failed check lists: enough to start looking, small enough to read.
EXAMPLE_LIMIT: Final = 5

# dlt's bookkeeping columns (`_dlt_id`, `_dlt_load_id`) say nothing about the API's schema.
DLT_COLUMN_PREFIX: Final = "_dlt_"
COLUMN_SCHEMA_KEY: Final = "dagster/column_schema"

FRESHNESS_SENSOR_NAME: Final = "responses_freshness_sensor"

_SEVERITIES: Final = {
    ID_CHECK: AssetCheckSeverity.ERROR,
    SURVEY_ID_CHECK: AssetCheckSeverity.WARN,
    SCHEMA_CHECK: AssetCheckSeverity.WARN,
    DELETIONS_CHECK: AssetCheckSeverity.WARN,
}
_RESPONSES: Final = settings.PAGED_RESOURCE
_SURVEYS: Final = "surveys"


def _raw_table_check_specs() -> list[AssetCheckSpec]:
    """The 19 specs: id, schema and deletions on each raw table, survey ids on responses."""
    specs = []
    for table in RAW_TABLES:
        specs.append(
            AssetCheckSpec(
                ID_CHECK,
                asset=asset_key_for(table),
                description=(
                    f"Every row of `{settings.DATASET_NAME}.{table}` has an `id`, and no `id` "
                    "occurs twice (dlt merges on it)."
                ),
            )
        )
        specs.append(
            AssetCheckSpec(
                SCHEMA_CHECK,
                asset=asset_key_for(table),
                description=(
                    "The columns of the latest materialization are those of the previous one "
                    "(dlt's own `_dlt_*` columns aside)."
                ),
            )
        )
        specs.append(
            AssetCheckSpec(
                DELETIONS_CHECK,
                asset=asset_key_for(table),
                description=(
                    "The latest load removed every row the API no longer returns: the "
                    "mass-deletion guard held nothing back."
                ),
            )
        )
    specs.append(
        AssetCheckSpec(
            SURVEY_ID_CHECK,
            asset=asset_key_for(_RESPONSES),
            # Reads surveys too: in a run that loads both, the check waits for surveys.
            additional_deps=[asset_key_for(_SURVEYS)],
            description="Every non-null `survey_id` of a response is the `id` of a loaded survey.",
        )
    )
    return specs


def _result(
    check_name: str,
    table: str,
    passed: bool,
    metadata: dict[str, Any],
    description: str,
) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=asset_key_for(table),
        check_name=check_name,
        passed=passed,
        severity=_SEVERITIES[check_name],
        metadata=metadata,
        description=description,
    )


def _missing_table_result(check_name: str, table: str, missing: str) -> AssetCheckResult:
    return _result(
        check_name,
        table,
        passed=False,
        metadata={"missing_table": f"{settings.DATASET_NAME}.{missing}"},
        description=(
            f"Table `{settings.DATASET_NAME}.{missing}` does not exist: it was never loaded. "
            f"Materialize `{asset_key_for(missing).to_user_string()}` first."
        ),
    )


def _nothing_to_check(check_name: str, table: str, why: str, **metadata: Any) -> AssetCheckResult:
    """A passed check on a table dlt rightly never created, saying why."""
    return _result(
        check_name,
        table,
        passed=True,
        metadata=metadata,
        description=f"`{asset_key_for(table).to_user_string()}` was materialized, but {why}: "
        "nothing to check.",
    )


def _empty_endpoint_result(check_name: str, table: str, missing: str) -> AssetCheckResult:
    """A check on a table dlt never created because its endpoint has returned no records."""
    return _nothing_to_check(
        check_name,
        table,
        "its endpoint has returned no records yet, so dlt created no table "
        f"`{settings.DATASET_NAME}.{missing}`",
        row_count=MetadataValue.int(0),
        missing_table=f"{settings.DATASET_NAME}.{missing}",
    )


def _unavailable_result(check_name: str, table: str, reason: str) -> AssetCheckResult:
    """A check on a table whose endpoint the server or key did not offer in its latest load."""
    return _nothing_to_check(
        check_name,
        table,
        f"without rows: its endpoint is not available on this server with this key ({reason})",
        available=MetadataValue.bool(False),
        unavailable_reason=reason,
    )


class _LatestMaterializations:
    """The two latest materializations of each raw table, fetched once per check step.

    Every check of a table reads them (whether its endpoint was available, whether its load
    read rows, its column schemas): one query to the event log per table, not one per check.
    """

    def __init__(self, instance: DagsterInstance) -> None:
        self.instance = instance
        self._by_table: dict[str, list[AssetMaterialization]] = {}

    def of(self, table: str) -> list[AssetMaterialization]:
        """The table's two latest materializations, newest first."""
        if table not in self._by_table:
            records = self.instance.fetch_materializations(asset_key_for(table), limit=2).records
            self._by_table[table] = [
                r.asset_materialization for r in records if r.asset_materialization is not None
            ]
        return self._by_table[table]

    def metadata(self, table: str) -> Mapping[str, Any]:
        """The metadata of the table's latest materialization; empty if it has none."""
        latest = self.of(table)
        return latest[0].metadata if latest else {}


def _unavailable_reason(latest: _LatestMaterializations, table: str) -> str | None:
    """The server's reason, if the asset's latest load found its endpoint unavailable."""
    metadata = latest.metadata(table)
    available = metadata.get(AVAILABLE)
    if available is None or available.value is not False:
        return None
    reason = metadata.get(UNAVAILABLE_REASON)
    return str(reason.value) if reason is not None else "no reason given"


def _loaded_nothing(latest: _LatestMaterializations, table: str) -> bool:
    """Whether the asset's latest materialization read no rows from its endpoint.

    Only then is a missing table expected. A table missing after a load that read rows means
    the warehouse changed under the asset (a new DuckDB file, another destination, a dropped
    schema), which the checks must report, not excuse.
    """
    rows_loaded = latest.metadata(table).get(ROWS_LOADED)
    return rows_loaded is not None and rows_loaded.value == 0


def _existing_tables(client: SqlClientBase) -> set[str]:
    """Names of the tables in the raw dataset."""
    return set(columns_by_table(client, client.dataset_name))


def _check_ids(client: SqlClientBase, table: str) -> AssetCheckResult:
    """`id_not_null_and_unique` on one table that exists."""
    qualified = client.make_qualified_table_name(table)
    id_column = client.escape_column_name(settings.PRIMARY_KEY)
    [(row_count, null_ids)] = rows(
        client, f"SELECT count(*), count(*) - count({id_column}) FROM {qualified}"
    )
    duplicates = (
        f"SELECT {id_column} AS id FROM {qualified} WHERE {id_column} IS NOT NULL "
        f"GROUP BY {id_column} HAVING count(*) > 1"
    )
    [(duplicate_ids,)] = rows(client, f"SELECT count(*) FROM ({duplicates}) AS duplicated")
    examples = [
        str(row[0]) for row in rows(client, f"{duplicates} ORDER BY id LIMIT {EXAMPLE_LIMIT}")
    ]
    passed = null_ids == 0 and duplicate_ids == 0
    if passed:
        description = f"All {row_count} ids are present and unique."
    else:
        description = f"{null_ids} rows without an id; {duplicate_ids} ids occur more than once."
    return _result(
        ID_CHECK,
        table,
        passed,
        {
            "row_count": MetadataValue.int(int(row_count)),
            "null_ids": MetadataValue.int(int(null_ids)),
            "duplicate_ids": MetadataValue.int(int(duplicate_ids)),
            "duplicate_id_examples": MetadataValue.json(examples),
        },
        description,
    )


def _check_survey_ids(client: SqlClientBase) -> AssetCheckResult:
    """`survey_id_in_surveys` on responses, with both tables present."""
    responses = client.make_qualified_table_name(_RESPONSES)
    surveys = client.make_qualified_table_name(_SURVEYS)
    orphans = (
        f"SELECT r.survey_id, count(*) AS responses FROM {responses} r "
        "WHERE r.survey_id IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {surveys} s WHERE s.id = r.survey_id) "
        "GROUP BY r.survey_id"
    )
    [(orphan_survey_ids, orphan_responses)] = rows(
        client,
        f"SELECT count(*), coalesce(sum(responses), 0) FROM ({orphans}) AS orphaned",
    )
    examples = [
        str(row[0]) for row in rows(client, f"{orphans} ORDER BY r.survey_id LIMIT {EXAMPLE_LIMIT}")
    ]
    passed = orphan_survey_ids == 0
    if passed:
        description = "Every survey_id of responses is a loaded survey."
    else:
        description = (
            f"{orphan_responses} responses point at {orphan_survey_ids} survey ids that are not "
            "in surveys; joins on surveys drop them."
        )
    return _result(
        SURVEY_ID_CHECK,
        _RESPONSES,
        passed,
        {
            # Postgres sums to a Decimal; the metadata is a whole number either way.
            "orphan_responses": MetadataValue.int(int(orphan_responses)),
            "orphan_survey_ids": MetadataValue.int(int(orphan_survey_ids)),
            "orphan_survey_id_examples": MetadataValue.json(examples),
        },
        description,
    )


def _column_names(materialization_metadata: Mapping[str, Any]) -> list[str] | None:
    """The API's columns in a materialization's column schema; None when it recorded none."""
    value = materialization_metadata.get(COLUMN_SCHEMA_KEY)
    schema = getattr(value, "schema", None)
    if not isinstance(schema, TableSchema) or not schema.columns:
        return None
    return [c.name for c in schema.columns if not c.name.startswith(DLT_COLUMN_PREFIX)]


def _check_schema(materialized: _LatestMaterializations, table: str) -> AssetCheckResult:
    """`schema_unchanged` on one table, from its two latest materializations."""
    unavailable = _unavailable_reason(materialized, table)
    if unavailable is not None:
        return _unavailable_result(SCHEMA_CHECK, table, unavailable)
    materializations = materialized.of(table)
    if not materializations:
        return _result(
            SCHEMA_CHECK,
            table,
            passed=False,
            metadata={},
            description="Never materialized: there is no column schema to check.",
        )
    latest = _column_names(materializations[0].metadata)
    if latest is None:
        return _result(
            SCHEMA_CHECK,
            table,
            passed=False,
            metadata={},
            description=f"The latest materialization carries no `{COLUMN_SCHEMA_KEY}`.",
        )
    previous = _column_names(materializations[1].metadata) if len(materializations) > 1 else None
    if previous is None:
        # A first load, or one before the table had columns: nothing to compare with yet.
        return _result(
            SCHEMA_CHECK,
            table,
            passed=True,
            metadata={
                "first_materialization": MetadataValue.bool(True),
                "column_count": MetadataValue.int(len(latest)),
            },
            description="First materialization with a column schema: nothing to compare with.",
        )
    added = sorted(set(latest) - set(previous))
    removed = sorted(set(previous) - set(latest))
    passed = not added and not removed
    if passed:
        description = f"Same {len(latest)} columns as the previous materialization."
    else:
        description = (
            f"Columns changed since the previous materialization: added {added or 'none'}, "
            f"removed {removed or 'none'}."
        )
    return _result(
        SCHEMA_CHECK,
        table,
        passed,
        {
            "first_materialization": MetadataValue.bool(False),
            "column_count": MetadataValue.int(len(latest)),
            "added_columns": MetadataValue.json(added),
            "removed_columns": MetadataValue.json(removed),
        },
        description,
    )


def _latest_complete_read(instance: DagsterInstance, table: str) -> Mapping[str, Any] | None:
    """The metadata of the latest materialization whose read decided the table's deletions.

    An hourly sync does not read responses completely, so it decides nothing about their
    deletions: what the last full refresh held back stands until a later one decides again.
    """
    records = instance.fetch_materializations(asset_key_for(table), limit=COMPLETE_READ_LOOKBACK)
    for record in records.records:
        materialization = record.asset_materialization
        if materialization is None:
            continue
        complete = materialization.metadata.get(COMPLETE_READ)
        if complete is not None and complete.value is True:
            return materialization.metadata
    return None


def _check_deletions(instance: DagsterInstance, table: str) -> AssetCheckResult:
    """`deletions_applied` on one table, from the latest materialization that read it whole."""
    metadata = _latest_complete_read(instance, table)
    if metadata is None:
        return _result(
            DELETIONS_CHECK,
            table,
            passed=True,
            metadata={},
            description="No complete read yet: nothing was deleted or held back.",
        )
    withheld = metadata.get(DELETIONS_WITHHELD)
    deleted = metadata.get(ROWS_DELETED)
    withheld_rows = int(withheld.value) if withheld is not None else 0
    deleted_rows = int(deleted.value) if deleted is not None else 0
    if withheld_rows:
        reason = metadata.get(DELETIONS_WITHHELD_REASON)
        return _result(
            DELETIONS_CHECK,
            table,
            passed=False,
            metadata={
                "deletions_withheld": MetadataValue.int(withheld_rows),
                "rows_deleted": MetadataValue.int(deleted_rows),
            },
            description=(
                f"{withheld_rows} rows the API no longer returns were kept: "
                f"{reason.value if reason is not None else 'the mass-deletion guard held them'}"
            ),
        )
    return _result(
        DELETIONS_CHECK,
        table,
        passed=True,
        metadata={
            "deletions_withheld": MetadataValue.int(0),
            "rows_deleted": MetadataValue.int(deleted_rows),
        },
        description=(
            f"The latest complete read removed {deleted_rows} rows the API no longer returns; "
            "the guard held none back."
        ),
    )


def _warehouse_results(
    warehouse: WarehouseResource,
    context: AssetCheckExecutionContext,
    keys: list[AssetCheckKey],
    latest: _LatestMaterializations,
) -> Iterator[AssetCheckResult]:
    """The id and survey-id checks among `keys`, on one connection."""
    with warehouse.connect(context.log) as client:
        existing = _existing_tables(client)
        for key in keys:
            table = key.asset_key.path[-1]
            if key.name == ID_CHECK:
                unavailable = _unavailable_reason(latest, table)
                if table not in existing and unavailable is not None:
                    yield _unavailable_result(ID_CHECK, table, unavailable)
                elif table in existing:
                    yield _check_ids(client, table)
                elif _loaded_nothing(latest, table):
                    yield _empty_endpoint_result(ID_CHECK, table, table)
                else:
                    yield _missing_table_result(ID_CHECK, table, table)
            elif key.name == SURVEY_ID_CHECK:
                missing = [t for t in (_RESPONSES, _SURVEYS) if t not in existing]
                if not missing:
                    yield _check_survey_ids(client)
                elif _RESPONSES in missing and _loaded_nothing(latest, _RESPONSES):
                    # No responses at all: none can point at an unknown survey.
                    yield _empty_endpoint_result(SURVEY_ID_CHECK, table, _RESPONSES)
                else:
                    # Responses exist but surveys were never loaded (or responses never were).
                    yield _missing_table_result(SURVEY_ID_CHECK, table, missing[0])


@multi_asset_check(
    specs=_raw_table_check_specs(),
    name="raw_table_checks",
    can_subset=True,
    pool=settings.WAREHOUSE_POOL,
    description=(
        "Ids present and unique, survey ids of responses known, and columns unchanged since the "
        "previous load, on the six raw tables."
    ),
)
def raw_table_checks(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[AssetCheckResult]:
    """Run the selected checks of the raw tables: SQL ones on one connection, then schema ones."""
    selected = sorted(
        context.selected_asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)
    )
    latest = _LatestMaterializations(context.instance)
    sql_keys = [key for key in selected if key.name not in INSTANCE_CHECKS]
    if sql_keys:
        yield from _warehouse_results(warehouse, context, sql_keys, latest)
    for key in selected:
        if key.name == SCHEMA_CHECK:
            yield _check_schema(latest, key.asset_key.path[-1])
        elif key.name == DELETIONS_CHECK:
            yield _check_deletions(context.instance, key.asset_key.path[-1])


def build_freshness_checks(
    max_age_hours: float,
) -> tuple[list[AssetChecksDefinition], SensorDefinition]:
    """Dagster's last-update freshness check on responses, and the sensor that evaluates it.

    The check fails (WARN) when the newest materialization of `analytics_api/responses` is older
    than `max_age_hours`; it also runs in every load that includes responses. The sensor starts
    stopped, like the schedules: switch it on with them (UI Automation tab, or
    `dagster sensor start responses_freshness_sensor`) and run `dagster-daemon`.

    Args:
        max_age_hours: Oldest acceptable age of the newest load, from ANALYTICS_FRESHNESS_HOURS.

    Returns:
        The freshness checks (one definition) and their sensor.

    Raises:
        AnalyticsConfigurationError: If `max_age_hours` is not a finite number above 0.
    """
    if not (math.isfinite(max_age_hours) and max_age_hours > 0):
        raise AnalyticsConfigurationError(
            f"{settings.ENV_FRESHNESS_HOURS} must be a number of hours above 0; "
            f"got {max_age_hours!r}."
        )
    with warnings.catch_warnings():
        # Dagster 1.13 prefers a `FreshnessPolicy` on the asset spec; these builders are the
        # chosen design here (a check with history, and a sensor), and the warning would print
        # on every code-location load.
        warnings.simplefilter("ignore", SupersessionWarning)
        checks = list(
            build_last_update_freshness_checks(
                assets=[asset_key_for(_RESPONSES)],
                lower_bound_delta=timedelta(hours=max_age_hours),
            )
        )
        sensor = build_sensor_for_freshness_checks(
            freshness_checks=checks,
            name=FRESHNESS_SENSOR_NAME,
            default_status=DefaultSensorStatus.STOPPED,
        )
    return checks, sensor
