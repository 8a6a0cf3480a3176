"""The results the raw tables' checks report, named after one loader instance's tables.

Besides a check's own finding there are three stock answers: a table that was never loaded
fails, saying so; a table dlt rightly never created (its endpoint returned no records, or the
server or key does not offer it) passes, saying which and why.
"""

from typing import Any

from dagster import AssetCheckResult, MetadataValue

from analytics_assets.component.checks.constants import SEVERITIES
from analytics_assets.component.names import LoaderNames


class Results:
    """Check results of the raw tables of the instance `names`."""

    def __init__(self, names: LoaderNames) -> None:
        self.names = names

    def qualified(self, table: str) -> str:
        """`<dataset>.<table>`, as a description or metadata names it."""
        return f"{self.names.dataset}.{table}"

    def result(
        self,
        check_name: str,
        table: str,
        passed: bool,
        metadata: dict[str, Any],
        description: str,
    ) -> AssetCheckResult:
        """One check's result on one table, at the check's severity."""
        return AssetCheckResult(
            asset_key=self.names.asset_key(table),
            check_name=check_name,
            passed=passed,
            severity=SEVERITIES[check_name],
            metadata=metadata,
            description=description,
        )

    def missing_table(self, check_name: str, table: str, missing: str) -> AssetCheckResult:
        """A failed check: the table it reads (`missing`) was never loaded."""
        return self.result(
            check_name,
            table,
            passed=False,
            metadata={"missing_table": self.qualified(missing)},
            description=(
                f"Table `{self.qualified(missing)}` does not exist: it was never loaded. "
                f"Materialize `{self.names.asset_key(missing).to_user_string()}` first."
            ),
        )

    def empty_endpoint(self, check_name: str, table: str, missing: str) -> AssetCheckResult:
        """A passed check: dlt created no table because the endpoint returned no records."""
        return self._nothing_to_check(
            check_name,
            table,
            "its endpoint has returned no records yet, so dlt created no table "
            f"`{self.qualified(missing)}`",
            row_count=MetadataValue.int(0),
            missing_table=self.qualified(missing),
        )

    def unavailable(self, check_name: str, table: str, reason: str) -> AssetCheckResult:
        """A passed check: the server or key did not offer the endpoint in the latest load."""
        return self._nothing_to_check(
            check_name,
            table,
            f"without rows: its endpoint is not available on this server with this key ({reason})",
            available=MetadataValue.bool(False),
            unavailable_reason=reason,
        )

    def _nothing_to_check(
        self, check_name: str, table: str, why: str, **metadata: Any
    ) -> AssetCheckResult:
        return self.result(
            check_name,
            table,
            passed=True,
            metadata=metadata,
            description=f"`{self.names.asset_key(table).to_user_string()}` was materialized, "
            f"but {why}: nothing to check.",
        )
