"""What the warehouse holds of some responses: their `updated_at`, by id (`sql/feed_versions.sql`).

The change feed lists every response whose `updatedAt` moved since its mark, new ones and ones
this sync already read included; only those the warehouse holds older (or not at all) are read
by id. Asked in chunks, since a destination caps a statement's parameters.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from dlt import Pipeline
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from analytics_assets.formbricks import settings
from analytics_assets.warehouse.queries import rows, sql_statement

CHUNK_IDS = 1_000


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def held_updated_at(pipeline: Pipeline, ids: Iterable[str]) -> dict[str, datetime | None]:
    """`updated_at` of the responses the warehouse holds among `ids` (absent: not held)."""
    wanted = list(ids)
    held: dict[str, datetime | None] = {}
    if not wanted:
        return held
    with pipeline.sql_client() as client:
        table = client.make_qualified_table_name(settings.PAGED_RESOURCE)
        for start in range(0, len(wanted), CHUNK_IDS):
            chunk = wanted[start : start + CHUNK_IDS]
            sql = sql_statement("feed_versions", table=table, ids=", ".join(["%s"] * len(chunk)))
            try:
                found = rows(client, sql, *chunk)
            except DatabaseUndefinedRelation:
                return held
            held.update((str(row_id), _aware(updated_at)) for row_id, updated_at in found)
    return held
