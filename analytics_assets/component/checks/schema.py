"""`column_schema_change` on each raw table: Dagster's own check of the columns dlt reported.

The API adds and renames fields without notice and dlt silently evolves the table; Dagster's
`build_column_schema_change_checks` compares the `dagster/column_schema` of an asset's latest
materialization with the previous one's and fails (WARN) on an added or removed column or a
changed type. An asset materialized fewer than two times passes (nothing to compare with yet).
It reads only Dagster's event log, so it runs in its own step, outside the warehouse pool.
"""

import warnings

from dagster import AssetChecksDefinition, BetaWarning, build_column_schema_change_checks

from analytics_assets.component.checks.constants import RAW_TABLES, SCHEMA_CHECK, SEVERITIES
from analytics_assets.component.names import LoaderNames


def build_schema_checks(names: LoaderNames) -> list[AssetChecksDefinition]:
    """`column_schema_change` on the six raw tables of the instance `names`, as one step."""
    with warnings.catch_warnings():
        # Dagster 1.13 marks the builder beta; the warning would print on every load of the
        # code location, and the tests pin the check's name and behaviour this project relies on.
        warnings.simplefilter("ignore", BetaWarning)
        checks = build_column_schema_change_checks(
            assets=[names.asset_key(table) for table in RAW_TABLES],
            severity=SEVERITIES[SCHEMA_CHECK],
        )
    return list(checks)
