"""The dlt source that merges edited old responses and moves the change feed's mark.

The sync's own source reads responses through dlt's incremental cursor on `createdAt`, which
drops (and, reading newest first, stops at) any record older than its window: an edited old
response cannot go through it. So the edited ones, read by id in v1's shape, go through a
source of their own, with the same names (source `analytics_api`, resource `responses`) and so
the same schema, table, merge on `id`, Arrow steps and nested tables. The mark is written to the
resource's dlt state by the same extract, so it reaches the destination with the rows, in one
load, or not at all: a failed load does not move it.
"""

from collections.abc import Iterator
from typing import Any

import dlt
from dlt.sources import DltResource, DltSource

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.arrow import ResponseBatches, ResponseTables, declare_nested_tables
from analytics_assets.formbricks.columns import table_columns
from analytics_assets.formbricks.ledger import RunLedger
from analytics_assets.formbricks.paging import ReadProgress


def feed_mark(state: dict[str, Any]) -> str | None:
    """The change feed's mark in a pipeline's state, if one was ever stored."""
    resource = (
        state.get("sources", {})
        .get(settings.SOURCE_NAME, {})
        .get("resources", {})
        .get(settings.PAGED_RESOURCE, {})
    )
    return resource.get(settings.CHANGE_FEED_STATE_KEY, {}).get("mark")


@dlt.source(name=settings.SOURCE_NAME)
def _analytics_api(resource: DltResource) -> DltResource:
    """The source's name is the sync's, so the resource state and the schema are its own."""
    return resource


def edited_responses_source(
    records: list[dict[str, Any]],
    mark: str,
    ledger: RunLedger,
    batch_responses: int = settings.RESPONSES_ARROW_BATCH,
) -> DltSource:
    """A source of one resource, `responses`, merging `records` and storing `mark`."""

    def edited() -> Iterator[list[dict[str, Any]]]:
        dlt.current.resource_state()[settings.CHANGE_FEED_STATE_KEY] = {"mark": mark}
        for start in range(0, len(records), batch_responses):
            yield records[start : start + batch_responses]

    resource = dlt.resource(
        edited,
        name=settings.PAGED_RESOURCE,
        primary_key=settings.PRIMARY_KEY,
        write_disposition="merge",
        columns=table_columns(settings.PAGED_RESOURCE),
    )
    # Every record is in hand: no page follows the ones given.
    progress = ReadProgress()
    progress.more = False
    resource.add_step(ResponseBatches(progress, ledger, batch_responses))
    resource.add_step(ResponseTables())
    declare_nested_tables(resource)
    return _analytics_api(resource)
