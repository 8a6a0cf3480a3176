"""Rows the API no longer returns: removed (or flagged) after a complete read, with a guard.

Merging on `id` only adds and updates, so a survey, webhook or response deleted in the API (spam,
test answers, a person's deletion request) would stay in the warehouse for ever. After a load,
each table whose read was complete is compared with the ids that read returned:

- a complete read is one that read and accepted every page: the five small endpoints on every
  successful run (they are read whole), responses only in a full refresh (an incremental sync
  reads a window). A refused endpoint, a failed or killed run, reads nothing complete.
- `delete` (the default, `ANALYTICS_DELETIONS`): the missing rows are deleted with their nested
  rows (`surveys__questions`, `responses__answers`, ...). This is dlt's own `hard_delete`: a
  second, small load merges one row per missing id carrying `deleted_at` (the table's
  `hard_delete` column), and dlt's merge deletes the row and everything nested under it.
- `flag`: the rows stay and get `deleted_at` (the first time they went missing). dlt has no
  soft delete for merged tables (its `scd2` strategy keeps versions, which changes the table's
  shape), so this is one plain `UPDATE`. A row that comes back is merged again without
  `deleted_at`, which clears the flag.
- the guard: a read that would remove more than half of a table holding at least 20 rows (a key
  scoped to the wrong workspace, a proxy serving a partial list) removes nothing from it; the
  run warns, the table's `deletions_applied` check fails, and a run with
  `confirm_deletions: true` applies the deletion.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dlt
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.sources import DltResource

from analytics_assets import settings
from analytics_assets.columns import DELETED_AT

# Ids per UPDATE statement in flag mode (a parameter list, well under every database's limit).
FLAG_BATCH = 500


@dataclass(frozen=True)
class TableDeletions:
    """What a complete read of one table found missing, and what was done about it.

    Attributes:
        table: The root table.
        table_rows: Live rows the table held after the load (flagged rows not counted).
        missing: Ids the table holds that the complete read did not return.
        withheld: The guard held the deletion back (not confirmed).
        applied: Rows deleted (or flagged).
        timestamps: `created_at` and `updated_at` of each missing row: the tombstone repeats
            them, since staging tables keep their NOT NULL constraints.
    """

    table: str
    table_rows: int
    missing: tuple[str, ...]
    withheld: bool
    applied: int = 0
    timestamps: tuple[tuple[Any, Any], ...] = ()

    @property
    def guard_reason(self) -> str:
        """Why the guard held the deletion back, for logs and metadata."""
        share = len(self.missing) / self.table_rows if self.table_rows else 0.0
        return (
            f"the read would remove {len(self.missing)} of {self.table_rows} rows ({share:.0%}), "
            f"more than {settings.MASS_DELETION_SHARE:.0%} of a table of at least "
            f"{settings.MASS_DELETION_MIN_ROWS} rows: a key scoped to the wrong workspace or a "
            "proxy serving a partial list looks like this. Nothing was deleted; run again with "
            "`confirm_deletions: true` if the API really lost these rows."
        )


def is_mass_deletion(missing: int, table_rows: int) -> bool:
    """Whether removing `missing` of `table_rows` rows trips the guard."""
    return (
        table_rows >= settings.MASS_DELETION_MIN_ROWS
        and missing > settings.MASS_DELETION_SHARE * table_rows
    )


def plan_deletions(
    pipeline: dlt.Pipeline,
    seen: dict[str, set[str]],
    complete: Iterable[str],
    *,
    confirmed: bool,
) -> dict[str, TableDeletions]:
    """Compare each completely read table with the ids its read returned.

    Args:
        pipeline: The pipeline whose destination holds the tables.
        seen: Ids each resource returned in this run.
        complete: Tables whose read was complete.
        confirmed: The run confirms deletions the guard would hold back.
    """
    plans: dict[str, TableDeletions] = {}
    with pipeline.sql_client() as client:
        for table in complete:
            qualified = client.make_qualified_table_name(table)
            try:
                with client.execute_query(
                    f"SELECT id, created_at, updated_at FROM {qualified} WHERE {DELETED_AT} IS NULL"
                ) as cursor:
                    held = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
            except DatabaseUndefinedRelation:
                continue  # dlt created no table: the endpoint never returned a row
            returned = seen.get(table, set())
            missing = tuple(sorted(row_id for row_id in held if row_id not in returned))
            plans[table] = TableDeletions(
                table=table,
                table_rows=len(held),
                missing=missing,
                withheld=bool(missing)
                and not confirmed
                and is_mass_deletion(len(missing), len(held)),
                timestamps=tuple(held[row_id] for row_id in missing),
            )
    return plans


def _tombstones(plan: TableDeletions, at: datetime) -> DltResource:
    """One row per missing id carrying `deleted_at`: merged, dlt's hard delete removes each row
    and its nested rows."""
    table = plan.table

    def rows() -> Iterator[list[dict[str, Any]]]:
        yield [
            {
                settings.PRIMARY_KEY: row_id,
                "created_at": created_at,
                "updated_at": updated_at,
                DELETED_AT: at,
            }
            for row_id, (created_at, updated_at) in zip(plan.missing, plan.timestamps, strict=True)
        ]

    return dlt.resource(
        rows,
        name=table,
        table_name=table,
        write_disposition="merge",
        primary_key=settings.PRIMARY_KEY,
        columns={DELETED_AT: {"data_type": "timestamp", "hard_delete": True}},
    )


def apply_deletions(
    pipeline: dlt.Pipeline, plans: dict[str, TableDeletions], mode: str, at: datetime
) -> dict[str, TableDeletions]:
    """Delete (or flag) the missing rows of every plan the guard did not hold back.

    Returns:
        The plans with `applied` set.
    """
    due = {table: plan for table, plan in plans.items() if plan.missing and not plan.withheld}
    if due and mode == settings.DELETIONS_DELETE:
        pipeline.run([_tombstones(plan, at) for plan in due.values()])
    elif due:
        with pipeline.sql_client() as client:
            for table, plan in due.items():
                qualified = client.make_qualified_table_name(table)
                for start in range(0, len(plan.missing), FLAG_BATCH):
                    batch = plan.missing[start : start + FLAG_BATCH]
                    marks = ", ".join(["%s"] * len(batch))
                    client.execute_sql(
                        f"UPDATE {qualified} SET {DELETED_AT} = %s "
                        f"WHERE {DELETED_AT} IS NULL AND id IN ({marks})",
                        at,
                        *batch,
                    )
    return {
        table: TableDeletions(
            table=plan.table,
            table_rows=plan.table_rows,
            missing=plan.missing,
            withheld=plan.withheld,
            applied=len(plan.missing) if table in due else 0,
            timestamps=plan.timestamps,
        )
        for table, plan in plans.items()
    }
