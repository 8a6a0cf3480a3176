"""`deletions_applied`: whether the mass-deletion guard kept rows the API no longer returns.

The guard (`warehouse/deletions.py`) holds back a deletion too large to trust; this check keeps
failing until a run with `confirm_deletions: true` applies it or the rows come back. It reads
only Dagster's event log, not the warehouse.
"""

from dagster import AssetCheckResult, MetadataValue

from analytics_assets.component.checks.constants import DELETIONS_CHECK
from analytics_assets.component.checks.history import MaterializationHistory
from analytics_assets.component.checks.results import Results
from analytics_assets.component.metadata import (
    DELETIONS_WITHHELD,
    DELETIONS_WITHHELD_REASON,
    ROWS_DELETED,
)

# The spec's description: what the check checks, true whichever result it reports.
DELETIONS_DESCRIPTION = (
    "Fails when the latest load that read the table completely kept rows the API no longer "
    "returns, because the mass-deletion guard held their deletion back; passes when that load "
    "removed them all, or when no load has read the table completely yet."
)


def check_deletions(
    results: Results, history: MaterializationHistory, table: str
) -> AssetCheckResult:
    """`deletions_applied` on one table, from the latest materialization that read it whole."""
    metadata = history.latest_complete_read(table)
    if metadata is None:
        return results.result(
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
    counts = {
        "deletions_withheld": MetadataValue.int(withheld_rows),
        "rows_deleted": MetadataValue.int(deleted_rows),
    }
    if withheld_rows:
        reason = metadata.get(DELETIONS_WITHHELD_REASON)
        return results.result(
            DELETIONS_CHECK,
            table,
            passed=False,
            metadata=counts,
            description=(
                f"{withheld_rows} rows the API no longer returns were kept: "
                f"{reason.value if reason is not None else 'the mass-deletion guard held them'}"
            ),
        )
    return results.result(
        DELETIONS_CHECK,
        table,
        passed=True,
        metadata=counts,
        description=(
            f"The latest complete read removed {deleted_rows} rows the API no longer returns; "
            "the guard held none back."
        ),
    )
