"""The report step of an ingestion run: one materialization per table, with its figures.

dagster-dlt's own metadata (`rows_loaded`, the column schema, ...) stays as dlt records it; the
project's figures go under keys of its own (`component/metadata.py`).
"""

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from dagster import MaterializeResult, MetadataValue

from analytics_assets.component.ingestion.feed import AVAILABLE, FeedOutcome
from analytics_assets.component.ingestion.run import IngestionRun
from analytics_assets.component.ingestion.steps import LoadOutcome
from analytics_assets.component.ingestion.translator import with_column_descriptions
from analytics_assets.component.metadata import (
    AVAILABLE as ENDPOINT_AVAILABLE,
    CHANGE_FEED,
    CHANGE_FEED_MARK,
    CHANGE_FEED_REASON,
    CHANGE_FEED_REQUESTS,
    CHANGES_APPLIED,
    CHANGES_PENDING,
    COMPLETE_READ,
    DELETIONS_WITHHELD,
    DELETIONS_WITHHELD_REASON,
    RECORDS_READ,
    ROWS_CHANGED,
    ROWS_DELETED,
    ROWS_NEW,
    UNAVAILABLE_REASON,
    table_metadata,
)
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.ledger import Refusal
from analytics_assets.warehouse.deletions import TableDeletions


def responses_cursor(state: Mapping[str, Any]) -> str | None:
    """The newest `createdAt` the incremental cursor of responses has seen, in dlt's state."""
    incremental = (
        state.get("sources", {})
        .get(settings.SOURCE_NAME, {})
        .get("resources", {})
        .get(settings.PAGED_RESOURCE, {})
        .get("incremental", {})
        .get(settings.RESPONSES_CURSOR_FIELD, {})
    )
    return incremental.get("last_value")


def _records_read(run: IngestionRun, table: str, normalized: dict[str, int]) -> int:
    """Rows read and merged: distinct ids where every row read is merged (a re-read tie group
    counts twice in dlt's figures), else dlt's count (an incremental sync's cursor filters the
    rows of the last page before they are merged)."""
    seen = run.ledger.seen
    if table in seen and (run.config.full_refresh or table != settings.PAGED_RESOURCE):
        return len(seen[table])
    return normalized.get(table, 0)


def _load_metadata(run: IngestionRun, table: str, outcome: LoadOutcome, deleted: int) -> dict:
    """Rows in the table, rows read, and how many were new or changed."""
    changes = outcome.changes[table]
    if deleted and run.warehouse.resolved_deletions() == settings.DELETIONS_DELETE:
        changes = replace(changes, row_count=changes.row_count - deleted)
    return {
        **table_metadata(row_count=changes.row_count, table_name=f"{run.names.dataset}.{table}"),
        RECORDS_READ: MetadataValue.int(_records_read(run, table, outcome.rows_normalized)),
        ROWS_NEW: MetadataValue.int(changes.rows_new),
        ROWS_CHANGED: MetadataValue.int(changes.rows_changed),
    }


def _generation_metadata(run: IngestionRun, table: str) -> dict[str, Any]:
    """`api_generation` and whether this endpoint was available, for one materialization."""
    ledger = run.ledger
    refusal = ledger.refused_resources().get(table)
    metadata: dict[str, Any] = {
        "api_generation": MetadataValue.text(
            ledger.generation if ledger.generation_known else "unknown"
        ),
        "api_generation_source": MetadataValue.text(
            f"pinned ({settings.ENV_API_GENERATION})" if ledger.pinned else "detected"
        ),
        "endpoint": MetadataValue.text(settings.endpoint_paths(ledger.generation)[table]),
        ENDPOINT_AVAILABLE: MetadataValue.bool(refusal is None),
    }
    if refusal is not None:
        metadata[UNAVAILABLE_REASON] = MetadataValue.text(
            f"GET {refusal.path} answered {refusal.reason}"
        )
    return metadata


def _deletion_metadata(plan: TableDeletions | None) -> dict[str, Any]:
    """`rows_deleted` on every materialization; what the guard held back, when it did."""
    withheld = plan is not None and bool(plan.withheld)
    metadata: dict[str, Any] = {
        ROWS_DELETED: MetadataValue.int(plan.applied if plan is not None else 0),
        COMPLETE_READ: MetadataValue.bool(plan is not None),
        DELETIONS_WITHHELD: MetadataValue.int(len(plan.missing) if withheld else 0),
    }
    if withheld:
        metadata[DELETIONS_WITHHELD_REASON] = MetadataValue.text(plan.withheld)
    return metadata


def _responses_metadata(run: IngestionRun) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "sync_mode": "full_refresh" if run.config.full_refresh else "incremental",
        "cursor_created_at": MetadataValue.text(responses_cursor(run.pipeline.state) or ""),
    }
    if not run.config.full_refresh:
        metadata["lookback_hours"] = MetadataValue.float(run.api.responses_lookback_hours)
    return metadata


def _feed_metadata(feed: FeedOutcome | None) -> dict[str, Any]:
    """What the change feed did: whether there is one and why not, what it merged and left."""
    if feed is None:
        return {}
    metadata: dict[str, Any] = {CHANGE_FEED: MetadataValue.text(feed.status)}
    if feed.reason:
        metadata[CHANGE_FEED_REASON] = MetadataValue.text(feed.reason)
    if feed.status == AVAILABLE:
        metadata[CHANGES_APPLIED] = MetadataValue.int(feed.applied)
        metadata[CHANGES_PENDING] = MetadataValue.int(feed.pending)
        metadata[CHANGE_FEED_MARK] = MetadataValue.text(feed.mark or "")
        metadata[CHANGE_FEED_REQUESTS] = MetadataValue.json(
            {"v2": feed.v2_requests, "by_id": feed.by_id_requests}
        )
    return metadata


def _legacy_people_metadata(run: IngestionRun, outcome: LoadOutcome) -> dict[str, Any]:
    """Formbricks 2.7 returns at most 30 people and offers no way to page past them."""
    table = "identified_peoples"
    if (
        run.ledger.generation != settings.GENERATION_LEGACY
        or outcome.rows_normalized.get(table, 0) != settings.LEGACY_PEOPLE_LIMIT
    ):
        return {}
    run.context.log.warning(
        f"{table}: {settings.LEGACY_ENDPOINT_PATHS[table]} returned "
        f"{settings.LEGACY_PEOPLE_LIMIT} people, the most Formbricks 2.7 returns (it offers no "
        "paging): there may be more. Formbricks 3.0 and later return every contact."
    )
    return {"possibly_truncated": MetadataValue.bool(True)}


def _refused_answer(own_path: str, refusal: Refusal) -> str:
    """What the server answered, naming the request that met it when it was another one."""
    if refusal.path == own_path:
        return refusal.reason
    # Formbricks answers every contacts endpoint alike (the community edition's 403, say), so
    # a resource whose answer another request of the run already met does not ask again.
    return (
        f"GET {refusal.path} answered {refusal.reason}, as every contacts endpoint does, so "
        f"GET {own_path} was not asked"
    )


def warn_refused(run: IngestionRun, refusals: dict[str, Refusal]) -> None:
    """One warning per endpoint the server or key did not offer, naming that endpoint."""
    paths = settings.endpoint_paths(run.ledger.generation)
    for resource, refusal in refusals.items():
        run.context.log.warning(
            f"{resource} (GET {paths[resource]}) is not available on this server with this key: "
            f"{_refused_answer(paths[resource], refusal)}. Its asset is materialized with no "
            "rows; the other endpoints loaded as usual."
        )


def report(
    run: IngestionRun,
    outcome: LoadOutcome,
    deletions: dict[str, TableDeletions],
    feed: FeedOutcome | None = None,
) -> Iterator[MaterializeResult]:
    """One materialization per loaded table: dagster-dlt's metadata plus the project's."""
    warn_refused(run, run.ledger.refused_resources())
    for result in outcome.results:
        table = result.asset_key.path[-1]
        plan = deletions.get(table)
        metadata = {
            **with_column_descriptions(table, result.metadata or {}),
            **_load_metadata(run, table, outcome, plan.applied if plan is not None else 0),
            **_generation_metadata(run, table),
            **_deletion_metadata(plan),
        }
        if table == settings.PAGED_RESOURCE:
            metadata.update(_responses_metadata(run))
            metadata.update(_feed_metadata(feed))
        if table == "identified_peoples":
            metadata.update(_legacy_people_metadata(run, outcome))
        yield MaterializeResult(asset_key=result.asset_key, metadata=metadata)
