"""What a load changed in each table: rows new, rows changed, rows in all.

dlt reports how many rows it read, not how many of them were new or different from
what the table held. These helpers take the `updated_at` of every row a run may
rewrite before it loads, and compare them with the rows the run wrote (those
carrying its `_dlt_load_id`) after. For incremental responses only the lookback
window can be rewritten, so only that window is read before the load.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dlt import Pipeline
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.destinations.sql_client import SqlClientBase

from analytics_assets.warehouse.queries import row_count, rows, scalar, sql_statement

# Rows read from the warehouse at a time when counting what a load changed.
CHUNK_ROWS = 10_000


@dataclass(frozen=True)
class TableVersions:
    """Row count of a table and the `updated_at` of the rows a load may rewrite, by id."""

    row_count: int
    updated_at: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TableChanges:
    """How one load changed one table."""

    row_count: int
    rows_new: int
    rows_changed: int


def snapshot_before_load(
    pipeline: Pipeline,
    table_names: Sequence[str],
    windows: dict[str, tuple[str, timedelta]] | None = None,
) -> dict[str, TableVersions]:
    """Versions of the rows the coming load may rewrite; a table not created yet is empty.

    Args:
        pipeline: The pipeline whose destination holds the tables.
        table_names: Tables to look at.
        windows: For tables loaded incrementally, `(cursor column, lookback)`: only rows within
            `lookback` of the column's maximum can be rewritten, so only those are read.
    """
    windows = windows or {}
    snapshots: dict[str, TableVersions] = {}
    with pipeline.sql_client() as client:
        for table_name in table_names:
            table = client.make_qualified_table_name(table_name)
            try:
                count = row_count(client, table)
            except DatabaseUndefinedRelation:
                snapshots[table_name] = TableVersions(row_count=0)
                continue
            sql, args = sql_statement("changes_versions", table=table), ()
            if table_name in windows:
                column, lookback = windows[table_name]
                newest = scalar(client, sql_statement("changes_newest", table=table, column=column))
                if newest is not None:
                    sql = sql_statement("changes_versions_since", table=table, column=column)
                    args = (_as_datetime(newest) - lookback,)
            snapshots[table_name] = TableVersions(
                row_count=count, updated_at=dict(rows(client, sql, *args))
            )
    return snapshots


def changes_after_load(
    pipeline: Pipeline, before: dict[str, TableVersions], load_ids: Iterable[str]
) -> dict[str, TableChanges]:
    """Compare the rows this load wrote with what the tables held before it."""
    load_ids = list(load_ids)
    changes: dict[str, TableChanges] = {}
    with pipeline.sql_client() as client:
        for table_name, previous in before.items():
            table = client.make_qualified_table_name(table_name)
            try:
                count = row_count(client, table)
            except DatabaseUndefinedRelation:
                changes[table_name] = TableChanges(0, 0, 0)
                continue
            rows_changed = 0
            if load_ids and previous.updated_at:
                placeholders = ", ".join(["%s"] * len(load_ids))
                rows_changed = _count_changed(
                    client,
                    sql_statement("changes_written", table=table, load_ids=placeholders),
                    load_ids,
                    previous.updated_at,
                )
            changes[table_name] = TableChanges(
                row_count=count,
                rows_new=count - previous.row_count,
                rows_changed=rows_changed,
            )
    return changes


def _count_changed(
    client: SqlClientBase, sql: str, load_ids: list[str], previous: dict[str, Any]
) -> int:
    """Rows the load wrote whose `updated_at` differs from before, read a chunk at a time: a
    first load of a million rows would otherwise hold them all in a dict (250 MB)."""
    changed = 0
    with client.execute_query(sql, *load_ids) as cursor:
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            changed += sum(
                1
                for row_id, updated_at in chunk
                if row_id in previous and previous[row_id] != updated_at
            )
    return changed


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
