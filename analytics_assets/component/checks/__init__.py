"""Data-quality checks on one loader instance's six raw tables.

`build_raw_table_checks(names)` returns them as two definitions:

- `id_not_null_and_unique` on each raw table (ERROR): dlt merges on `id`, so a null or repeated
  id means the merge key is broken and downstream counts are wrong.
- `survey_id_in_surveys` on responses (WARN): a response whose survey is not in `surveys` is
  dropped by every join on surveys; worth knowing, not worth stopping the analytics for.
- `deletions_applied` on each raw table (WARN): fails while the mass-deletion guard holds back
  the deletion of rows the API no longer returns (`warehouse/deletions.py`), until a run with
  `confirm_deletions: true` applies it or the rows come back.
- `column_schema_change` on each raw table (WARN), Dagster's own: the columns dlt reported for
  the latest materialization against the previous one's.

The first three run in one step (`names.checks_op`) on one warehouse connection. A table that
was never loaded fails its id and survey-id checks, saying so; a table dlt rightly never
created (its endpoint returned no records, or the server or key does not offer it) passes them,
saying which and why.
"""

from analytics_assets.component.checks.constants import (
    DELETIONS_CHECK,
    ID_CHECK,
    RAW_TABLES,
    SCHEMA_CHECK,
    SURVEY_ID_CHECK,
)
from analytics_assets.component.checks.raw_tables import build_raw_table_checks

__all__ = [
    "DELETIONS_CHECK",
    "ID_CHECK",
    "RAW_TABLES",
    "SCHEMA_CHECK",
    "SURVEY_ID_CHECK",
    "build_raw_table_checks",
]
