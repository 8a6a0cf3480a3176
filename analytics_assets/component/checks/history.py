"""What the raw tables' materializations recorded, read from Dagster's event log for the checks.

The checks excuse a missing table only when the asset's own latest load explains it (its
endpoint was unavailable, or it read no rows), and `deletions_applied` reads what the latest
complete read of a table deleted or held back.
"""

from collections.abc import Mapping
from typing import Any

from dagster import DagsterInstance

from analytics_assets.component.checks.constants import COMPLETE_READ_LOOKBACK
from analytics_assets.component.metadata import (
    AVAILABLE,
    COMPLETE_READ,
    RECORDS_READ,
    UNAVAILABLE_REASON,
)
from analytics_assets.component.names import LoaderNames


class MaterializationHistory:
    """The raw tables' materializations of one loader instance, as one check step reads them.

    Several checks of a table read its latest materialization: one event-log query per table,
    not one per check.
    """

    def __init__(self, instance: DagsterInstance, names: LoaderNames) -> None:
        self.instance = instance
        self.names = names
        self._latest: dict[str, Mapping[str, Any]] = {}

    def latest_metadata(self, table: str) -> Mapping[str, Any]:
        """The metadata of the table's latest materialization; empty if it has none."""
        if table not in self._latest:
            records = self.instance.fetch_materializations(
                self.names.asset_key(table), limit=1
            ).records
            materialization = records[0].asset_materialization if records else None
            self._latest[table] = materialization.metadata if materialization else {}
        return self._latest[table]

    def unavailable_reason(self, table: str) -> str | None:
        """The server's reason, if the asset's latest load found its endpoint unavailable."""
        metadata = self.latest_metadata(table)
        available = metadata.get(AVAILABLE)
        if available is None or available.value is not False:
            return None
        reason = metadata.get(UNAVAILABLE_REASON)
        return str(reason.value) if reason is not None else "no reason given"

    def loaded_nothing(self, table: str) -> bool:
        """Whether the asset's latest materialization read no rows from its endpoint.

        Only then is a missing table expected. A table missing after a load that read rows
        means the warehouse changed under the asset (a new DuckDB file, another destination, a
        dropped schema), which the checks must report, not excuse.
        """
        records_read = self.latest_metadata(table).get(RECORDS_READ)
        return records_read is not None and records_read.value == 0

    def latest_complete_read(self, table: str) -> Mapping[str, Any] | None:
        """The metadata of the latest materialization whose read decided the table's deletions.

        An hourly sync does not read responses completely, so it decides nothing about their
        deletions: what the last full refresh held back stands until a later one decides again.
        """
        records = self.instance.fetch_materializations(
            self.names.asset_key(table), limit=COMPLETE_READ_LOOKBACK
        ).records
        for record in records:
            materialization = record.asset_materialization
            if materialization is None:
                continue
            complete = materialization.metadata.get(COMPLETE_READ)
            if complete is not None and complete.value is True:
                return materialization.metadata
        return None
