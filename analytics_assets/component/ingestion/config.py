"""Run configuration of the ingestion assets (the full-refresh job sets it)."""

from dagster import Config
from pydantic import Field


class IngestionConfig(Config):
    """What one ingestion run reads, and whether it applies held-back deletions."""

    full_refresh: bool = Field(
        default=False,
        description=(
            "Read every response instead of the incremental window, and merge. Heals edits older "
            "than the lookback without dropping any table, and removes the responses the API no "
            "longer returns."
        ),
    )
    confirm_deletions: bool = Field(
        default=False,
        description=(
            "Apply deletions the guard held back: a read that would remove more than half of a "
            "table of at least 20 rows removes nothing unless this is set."
        ),
    )
