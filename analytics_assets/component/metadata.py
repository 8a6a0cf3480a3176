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

# The project's own keys on the raw tables' materializations. dagster-dlt writes `rows_loaded`
# (rows dlt loaded, a re-read tie group counted twice) and the column schema; those stay as dlt
# counts them.
# Distinct rows read from the endpoint and merged by this load.
RECORDS_READ = "records_read"
ROWS_NEW = "rows_new"
ROWS_CHANGED = "rows_changed"
# Rows removed (or flagged) because the API no longer returns them, and rows the mass-deletion
# guard kept.
ROWS_DELETED = "rows_deleted"
# Whether this load read the table completely, so that its deletions were decided.
COMPLETE_READ = "complete_read"
DELETIONS_WITHHELD = "deletions_withheld"
DELETIONS_WITHHELD_REASON = "deletions_withheld_reason"
# The change feed on responses: whether the server has one (and why not), the edited old
# responses it merged, those left for the next sync, and the mark the next sync starts from.
CHANGE_FEED = "change_feed"
CHANGE_FEED_REASON = "change_feed_reason"
CHANGES_APPLIED = "changes_applied"
CHANGES_PENDING = "changes_pending"
CHANGE_FEED_MARK = "change_feed_mark"
CHANGE_FEED_REQUESTS = "change_feed_requests"
# An endpoint this server or key does not offer.
AVAILABLE = "available"
UNAVAILABLE_REASON = "unavailable_reason"


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
