"""The checks that query the raw tables: `id_not_null_and_unique` and `survey_id_in_surveys`.

Their SQL is in `warehouse/sql/checks_*.sql`, plain enough to paste into a DuckDB or Postgres
console; the checks fill in only the quoted schema and table names. All of a step's queries run
on one connection, which holds the DuckDB file's lock.
"""

from collections.abc import Iterator

from dagster import AssetCheckExecutionContext, AssetCheckKey, AssetCheckResult, MetadataValue
from dlt.destinations.sql_client import SqlClientBase

from analytics_assets.component.checks.constants import (
    ID_CHECK,
    RESPONSES,
    SURVEY_ID_CHECK,
    SURVEYS,
)
from analytics_assets.component.checks.history import MaterializationHistory
from analytics_assets.component.checks.results import Results
from analytics_assets.component.resources import WarehouseResource
from analytics_assets.warehouse.queries import columns_by_table, rows, sql_statement


class WarehouseChecks:
    """The SQL checks of one step, on one open connection to the instance's warehouse."""

    def __init__(
        self, client: SqlClientBase, results: Results, history: MaterializationHistory
    ) -> None:
        self.client = client
        self.results = results
        self.history = history
        self.existing = set(columns_by_table(client, results.names.dataset))

    def ids(self, table: str) -> AssetCheckResult:
        """`id_not_null_and_unique` on one table, or why there is nothing to count."""
        if table in self.existing:
            return self._count_ids(table)
        unavailable = self.history.unavailable_reason(table)
        if unavailable is not None:
            return self.results.unavailable(ID_CHECK, table, unavailable)
        if self.history.loaded_nothing(table):
            return self.results.empty_endpoint(ID_CHECK, table, table)
        return self.results.missing_table(ID_CHECK, table, table)

    def survey_ids(self) -> AssetCheckResult:
        """`survey_id_in_surveys` on responses, or why there is nothing to compare."""
        missing = [t for t in (RESPONSES, SURVEYS) if t not in self.existing]
        if not missing:
            return self._count_orphans()
        if RESPONSES in missing and self.history.loaded_nothing(RESPONSES):
            # No responses at all: none can point at an unknown survey.
            return self.results.empty_endpoint(SURVEY_ID_CHECK, RESPONSES, RESPONSES)
        # Responses exist but surveys were never loaded (or responses never were).
        return self.results.missing_table(SURVEY_ID_CHECK, RESPONSES, missing[0])

    def _query(self, name: str, table: str = "") -> list[tuple]:
        """The rows of one checks SQL file, on `table` of the instance's dataset."""
        dataset = self.client.make_qualified_table_name_path(
            None, dataset_name=self.results.names.dataset
        )
        sql = sql_statement(
            f"checks_{name}",
            dataset=".".join(dataset),
            table=self.client.escape_column_name(table),
        )
        return rows(self.client, sql)

    def _count_ids(self, table: str) -> AssetCheckResult:
        [(row_count, null_ids)] = self._query("id_counts", table)
        duplicated = self._query("duplicate_ids", table)
        duplicate_ids = duplicated[0][1] if duplicated else 0
        passed = null_ids == 0 and duplicate_ids == 0
        if passed:
            description = f"All {row_count} ids are present and unique."
        else:
            description = (
                f"{null_ids} rows without an id; {duplicate_ids} ids occur more than once."
            )
        metadata = {
            "row_count": MetadataValue.int(int(row_count)),
            "null_ids": MetadataValue.int(int(null_ids)),
            "duplicate_ids": MetadataValue.int(int(duplicate_ids)),
            "duplicate_id_examples": MetadataValue.json([str(row[0]) for row in duplicated]),
        }
        return self.results.result(ID_CHECK, table, passed, metadata, description)

    def _count_orphans(self) -> AssetCheckResult:
        orphaned = self._query("orphan_survey_ids")
        orphan_survey_ids, orphan_responses = orphaned[0][1:] if orphaned else (0, 0)
        passed = orphan_survey_ids == 0
        if passed:
            description = "Every survey_id of responses is a loaded survey."
        else:
            description = (
                f"{orphan_responses} responses point at {orphan_survey_ids} survey ids that are "
                "not in surveys; joins on surveys drop them."
            )
        metadata = {
            # Postgres sums to a Decimal; the metadata is a whole number either way.
            "orphan_responses": MetadataValue.int(int(orphan_responses)),
            "orphan_survey_ids": MetadataValue.int(int(orphan_survey_ids)),
            "orphan_survey_id_examples": MetadataValue.json([str(row[0]) for row in orphaned]),
        }
        return self.results.result(SURVEY_ID_CHECK, RESPONSES, passed, metadata, description)


def warehouse_results(
    warehouse: WarehouseResource,
    context: AssetCheckExecutionContext,
    keys: list[AssetCheckKey],
    results: Results,
    history: MaterializationHistory,
) -> Iterator[AssetCheckResult]:
    """The id and survey-id checks among `keys`, on one connection."""
    with warehouse.connect(context.log, instance=context.instance) as client:
        checks = WarehouseChecks(client, results, history)
        for key in keys:
            if key.name == ID_CHECK:
                yield checks.ids(key.asset_key.path[-1])
            elif key.name == SURVEY_ID_CHECK:
                yield checks.survey_ids()
