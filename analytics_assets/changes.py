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

from analytics_assets.queries import rows, scalar


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
                row_count = scalar(client, f"SELECT count(*) FROM {table}")
            except DatabaseUndefinedRelation:
                snapshots[table_name] = TableVersions(row_count=0)
                continue
            sql, args = f"SELECT id, updated_at FROM {table}", ()
            if table_name in windows:
                column, lookback = windows[table_name]
                newest = scalar(client, f"SELECT max({column}) FROM {table}")
                if newest is not None:
                    sql += f" WHERE {column} >= %s"
                    args = (_as_datetime(newest) - lookback,)
            snapshots[table_name] = TableVersions(
                row_count=int(row_count), updated_at=dict(rows(client, sql, *args))
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
                row_count = int(scalar(client, f"SELECT count(*) FROM {table}"))
            except DatabaseUndefinedRelation:
                changes[table_name] = TableChanges(0, 0, 0)
                continue
            written: dict[str, Any] = {}
            if load_ids:
                placeholders = ", ".join(["%s"] * len(load_ids))
                written = dict(
                    rows(
                        client,
                        f"SELECT id, updated_at FROM {table} "
                        f"WHERE _dlt_load_id IN ({placeholders})",
                        *load_ids,
                    )
                )
            rows_changed = sum(
                1
                for row_id, updated_at in written.items()
                if row_id in previous.updated_at and previous.updated_at[row_id] != updated_at
            )
            changes[table_name] = TableChanges(
                row_count=row_count,
                rows_new=row_count - previous.row_count,
                rows_changed=rows_changed,
            )
    return changes


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
