"""Materialization metadata under Dagster's documented table keys.

`dagster/table_name`, `dagster/row_count` and `dagster/column_schema` are the keys Dagster's UI
reads for a table asset (its docs: "Table metadata"). Written as plain metadata rather than
through `TableMetadataSet`, which Dagster exports only from a private module.
"""

from typing import Any

from dagster import MetadataValue, TableSchema

TABLE_NAME = "dagster/table_name"
ROW_COUNT = "dagster/row_count"
COLUMN_SCHEMA = "dagster/column_schema"


def table_metadata(
    table_name: str | None = None,
    row_count: int | None = None,
    column_schema: TableSchema | None = None,
) -> dict[str, Any]:
    """The given table facts under Dagster's keys (those left None are left out)."""
    metadata: dict[str, Any] = {}
    if table_name is not None:
        metadata[TABLE_NAME] = MetadataValue.text(table_name)
    if row_count is not None:
        metadata[ROW_COUNT] = MetadataValue.int(row_count)
    if column_schema is not None:
        metadata[COLUMN_SCHEMA] = MetadataValue.table_schema(column_schema)
    return metadata
