"""The six ingestion assets: one dlt resource of the analytics API per Dagster asset.

`@dlt_assets` needs a dlt source when this module is imported, before any
resource or environment exists. It gets one built with a placeholder key (no
request is made while building it) and no pipeline; the real source and
pipeline are built from the resources inside the run and handed to
`DagsterDltResource.run`, with the same source and resource names, so the asset
keys match.

Before loading, a run finds out which generation of the Formbricks API the server speaks
(`generations.py`, one request) unless `ANALYTICS_API_GENERATION` pins it, and every
materialization records it as `api_generation`. An endpoint the server or key does not offer
(the community edition's contacts, say) is materialized with no rows, `available: false` and
the server's reason, and a warning in the run log (`ledger.py`).
"""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt as dlt_library
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    MaterializeResult,
    MetadataValue,
)
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData
from dlt import Pipeline
from pydantic import Field

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.ledger import RunLedger, Refusal
from analytics_assets.warehouse.changes import TableChanges, changes_after_load, snapshot_before_load
from analytics_assets.formbricks.contacts import AttributeKeys
from analytics_assets.warehouse.deletions import (
    VERIFY_LIMIT,
    TableDeletions,
    apply_deletions,
    plan_deletions,
    responses_still_there,
)
from analytics_assets.config import destination_kind
from analytics_assets.formbricks.errors import AnalyticsLoadError, explain_load_failure
from analytics_assets.formbricks.generations import detect_generation
from analytics_assets.component.metadata import table_metadata
from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.formbricks.arrow import (
    arrow_file_format,
    delete_replaced_nested_rows,
    tables_made_by_rows,
)
from analytics_assets.formbricks import build_source

# Placeholders for the import-time source: never sent anywhere, since that source is only
# read for its resource names and hints.
_PLACEHOLDER_BASE_URL = "https://analytics-api.invalid/api"
_PLACEHOLDER_API_KEY = "placeholder"  # noqa: S105

PROGRESS_LOG_PERIOD_SECONDS = 5.0


def instance_directory(context: Any) -> str | None:
    """The Dagster instance's folder (where shared state such as the request budget lives)."""
    try:
        return context.instance.root_directory
    except Exception:  # a context built in a test without an instance
        return None


def asset_key_for(resource_name: str) -> AssetKey:
    """The asset key of one endpoint's table, e.g. `analytics_api/responses`."""
    return AssetKey([settings.ASSET_KEY_PREFIX, resource_name])


class AnalyticsApiTranslator(DagsterDltTranslator):
    """Keys, group, descriptions and kinds of the ingestion assets, chosen in one place.

    Unlike the default translator, this one adds no upstream assets: the API itself is not
    something Dagster materializes, so a `<source>_<resource>` dependency would be a phantom.
    """

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        name = data.resource.name
        return (
            super()
            .get_asset_spec(data)
            .replace_attributes(
                key=asset_key_for(name),
                deps=[],
                group_name=settings.GROUP_NAME,
                description=settings.RESOURCE_DESCRIPTIONS[name],
                kinds={"dlt", destination_kind()},
                owners=settings.OWNERS,
                metadata={
                    **table_metadata(table_name=f"{settings.DATASET_NAME}.{name}"),
                    "endpoint": settings.endpoint_label(name),
                },
            )
        )


class IngestionConfig(Config):
    """Run configuration of the ingestion assets (set by the full-refresh job)."""

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


def responses_cursor(pipeline: Pipeline) -> str | None:
    """The newest `createdAt` the incremental cursor of responses has seen, from dlt's state."""
    incremental = (
        pipeline.state.get("sources", {})
        .get(settings.SOURCE_NAME, {})
        .get("resources", {})
        .get(settings.PAGED_RESOURCE, {})
        .get("incremental", {})
        .get(settings.RESPONSES_CURSOR_FIELD, {})
    )
    return incremental.get("last_value")


# Materialization metadata: rows read from the endpoint and merged by this load.
ROWS_LOADED = "rows_loaded"


def _load_metadata(table_name: str, changes: TableChanges, rows_read: int) -> dict[str, Any]:
    """Per-asset figures: rows in the table, rows read, and how many were new or changed."""
    return {
        **table_metadata(
            row_count=changes.row_count,
            table_name=f"{settings.DATASET_NAME}.{table_name}",
        ),
        ROWS_LOADED: MetadataValue.int(rows_read),
        "rows_new": MetadataValue.int(changes.rows_new),
        "rows_changed": MetadataValue.int(changes.rows_changed),
    }


NOTHING_LOST = (
    "No table was changed by this run; the next successful run loads everything it missed."
)


def _explained(error: BaseException, analytics_api: AnalyticsApiResource, generation: str):
    """The error a person can act on for a failed probe or load (the original stays attached)."""
    return explain_load_failure(
        error,
        attempts=analytics_api.max_retries + 1,
        paths=settings.endpoint_paths(generation),
    )


def _warn_refused(context: AssetExecutionContext, refusals: dict[str, Refusal]) -> None:
    for resource, refusal in refusals.items():
        context.log.warning(
            f"{resource} (GET {refusal.path}) is not available on this server with this key: "
            f"{refusal.reason}. Its asset is materialized with no rows; the other endpoints "
            "loaded as usual."
        )


def _detect(
    context: AssetExecutionContext,
    client: Any,
    ledger: RunLedger,
    attribute_keys: AttributeKeys,
    analytics_api: AnalyticsApiResource,
    table_names: list[str],
) -> None:
    """Find out the API generation, or go on without it when the selection does not need it.

    Only people and attribute classes read different endpoints on each generation. A probe that
    fails for another reason than the key (a 500 that outlasts the retries, a proxy's page)
    must not take down a run of the other four, whose endpoints are the same on both.
    """
    try:
        ledger.generation = detect_generation(client, ledger, attribute_keys)
    except Exception as error:
        explained = _explained(error, analytics_api, ledger.generation)
        needed = set(table_names) & set(GENERATION_SPECIFIC)
        if needed or _rejected_key(error):
            if explained is error:
                raise
            raise explained from error
        ledger.generation_known = False
        context.log.warning(
            f"Could not tell the API's generation ({explained}). The selected endpoints are the "
            "same on every generation, so the run goes on; api_generation is recorded as unknown."
        )
        return
    context.log.info(
        f"The API is {settings.GENERATION_LABELS[ledger.generation]} "
        f"(api_generation {ledger.generation}, detected)."
    )


# The resources whose endpoints differ between the API's generations.
GENERATION_SPECIFIC = ("attribute_classes", "identified_peoples")


def _rejected_key(error: BaseException) -> bool:
    """Whether the API answered 401 somewhere in `error`'s chain."""
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None:
            continue
        response = getattr(current, "response", None)
        if getattr(response, "status_code", None) == 401:
            return True
        pending.extend([current.__cause__, current.__context__])
    return False


def _generation_metadata(ledger: RunLedger, resource: str) -> dict[str, Any]:
    """`api_generation` and whether this endpoint was available, for one materialization."""
    refusal = ledger.refused_resources().get(resource)
    generation = ledger.generation if ledger.generation_known else "unknown"
    metadata: dict[str, Any] = {
        "api_generation": MetadataValue.text(generation),
        "api_generation_source": MetadataValue.text(
            f"pinned ({settings.ENV_API_GENERATION})" if ledger.pinned else "detected"
        ),
        "endpoint": MetadataValue.text(settings.endpoint_paths(ledger.generation)[resource]),
        AVAILABLE: MetadataValue.bool(refusal is None),
    }
    if refusal is not None:
        metadata[UNAVAILABLE_REASON] = MetadataValue.text(
            f"GET {refusal.path} answered {refusal.reason}"
        )
    return metadata


def _rows_read(
    table: str, ledger: RunLedger, normalized: dict[str, int], config: IngestionConfig
) -> int:
    """Rows read and merged: distinct ids where every row read is merged (a re-read tie group
    counts twice in dlt's figures), else dlt's count (an incremental sync's cursor filters the
    rows of the last page before they are merged)."""
    if table in ledger.seen and (config.full_refresh or table != settings.PAGED_RESOURCE):
        return len(ledger.seen[table])
    return normalized.get(table, 0)


def _complete_reads(
    ledger: RunLedger, table_names: list[str], full_refresh: bool
) -> list[str]:
    """Tables whose read in this (successful) run returned every row the API has.

    Not an endpoint that was refused, not responses outside a full refresh (a sync reads a
    window), and not Formbricks 2.7's people when it returned its cap of 30 (it pages no further,
    in no set order, so a person missing from those 30 may well exist).
    """
    refused = ledger.refused_resources()
    complete = []
    for table in table_names:
        if table in refused or (table == settings.PAGED_RESOURCE and not full_refresh):
            continue
        if (
            table == "identified_peoples"
            and ledger.generation == settings.GENERATION_LEGACY
            and len(ledger.seen.get(table, ())) >= settings.LEGACY_PEOPLE_LIMIT
        ):
            continue
        complete.append(table)
    return complete


def _verify_missing_responses(
    context: AssetExecutionContext, client: Any, plan: TableDeletions
) -> TableDeletions:
    """Keep the missing responses the API still has; hold all back if that cannot be told."""
    still, sampled, failure = responses_still_there(client, plan.missing)
    if failure is not None:
        return plan.held_back(
            f"could not confirm with the API that they are gone ({failure}); nothing was "
            "deleted, the next full refresh tries again."
        )
    if still and sampled:
        return plan.held_back(
            f"{len(still)} of {VERIFY_LIMIT} sampled ones are still in the API: the list changed "
            "while it was read. Nothing was deleted; the next full refresh tries again."
        )
    if still:
        context.log.info(
            f"responses: {len(still)} responses the read missed are still in the API (the list "
            "changed while it was read); they stay."
        )
    return plan.without(still)


def _delete_what_left(
    context: AssetExecutionContext,
    pipeline: Pipeline,
    client: Any,
    ledger: RunLedger,
    held_before: dict[str, set[str]],
    table_names: list[str],
    config: IngestionConfig,
    warehouse: WarehouseResource,
) -> dict[str, TableDeletions]:
    """Remove (or flag) the rows complete reads no longer returned, and say what left."""
    mode = warehouse.resolved_deletions()
    plans = plan_deletions(
        pipeline,
        ledger.seen,
        _complete_reads(ledger, table_names, config.full_refresh),
        held_before,
        mode=mode,
        confirmed=config.confirm_deletions,
    )
    responses = plans.get(settings.PAGED_RESOURCE)
    if responses is not None and responses.missing and not responses.withheld:
        plans[settings.PAGED_RESOURCE] = _verify_missing_responses(context, client, responses)
    for plan in plans.values():
        if plan.withheld:
            context.log.warning(
                f"{plan.table}: kept {len(plan.missing)} rows the API no longer returns: "
                f"{plan.withheld}"
            )
    # A pipeline object of its own, which reads the schema dlt stored: merged through the object
    # dagster-dlt ran, the tombstones failed ("no root_key column" in the nested tables).
    applied = apply_deletions(warehouse.build_pipeline(), plans, mode, datetime.now(UTC))
    for plan in applied.values():
        if plan.applied:
            done = "deleted" if mode == settings.DELETIONS_DELETE else "flagged with deleted_at"
            context.log.info(
                f"{plan.table}: {plan.applied} rows the API no longer returns were {done}."
            )
    return applied


def _deletion_metadata(plan: TableDeletions | None) -> dict[str, Any]:
    """`rows_deleted` on every materialization; what the guard held back, when it did."""
    metadata: dict[str, Any] = {
        ROWS_DELETED: MetadataValue.int(plan.applied if plan is not None else 0),
        COMPLETE_READ: MetadataValue.bool(plan is not None),
        DELETIONS_WITHHELD: MetadataValue.int(
            len(plan.missing) if plan is not None and plan.withheld else 0
        ),
    }
    if plan is not None and plan.withheld:
        metadata[DELETIONS_WITHHELD_REASON] = MetadataValue.text(plan.withheld)
    return metadata


# Materialization metadata: rows removed (or flagged) because the API no longer returns them,
# and rows the mass-deletion guard kept.
ROWS_DELETED = "rows_deleted"
# Whether this load read the table completely, so that its deletions were decided.
COMPLETE_READ = "complete_read"
DELETIONS_WITHHELD = "deletions_withheld"
DELETIONS_WITHHELD_REASON = "deletions_withheld_reason"

# Materialization metadata of an endpoint this server or key does not offer.
AVAILABLE = "available"
UNAVAILABLE_REASON = "unavailable_reason"


def _responses_as_arrow(
    context: AssetExecutionContext,
    pipeline: dlt_library.Pipeline,
    table_names: list[str],
    loader_file_format: str | None,
) -> bool:
    """Whether this run builds the responses tables as Arrow (`response_tables.py`): not when
    it does not read responses.

    Otherwise yes where dlt loads Arrow as Parquet (DuckDB, and the warehouses that stage
    files), unless the warehouse holds the tables as dlt nested tables from before
    (`response_tables.tables_made_by_rows`). Where dlt would load Arrow as CSV (PostgreSQL), it
    COPYs with FORCE_NULL on every nullable column, which turns each empty text into NULL, so
    there the responses go through dlt's row normalizer, which keeps them.
    """
    if settings.PAGED_RESOURCE not in table_names:
        return False
    if arrow_file_format(pipeline, loader_file_format) == "csv":
        return False
    made_by_rows = tables_made_by_rows(pipeline)
    if made_by_rows:
        context.log.warning(
            f"responses: {', '.join(made_by_rows)} were made by dlt's row normalizer (before "
            "the Arrow path), so responses load through it, several times slower. Run "
            "`analytics-assets drop-responses` once: it drops the responses tables, and the next "
            "run reads every response again and builds them as Arrow."
        )
    return not made_by_rows


@dlt_assets(
    dlt_source=build_source(_PLACEHOLDER_BASE_URL, _PLACEHOLDER_API_KEY),
    # No pipeline at import: dlt.pipeline() creates its working folder on disk, and the
    # destination path is only known at run time. The run passes the real one.
    dlt_pipeline=None,  # type: ignore[arg-type]
    name="analytics_api_ingestion",
    dagster_dlt_translator=AnalyticsApiTranslator(),
    pool=settings.WAREHOUSE_POOL,
)
def analytics_api_assets(
    context: AssetExecutionContext,
    config: IngestionConfig,
    dlt: DagsterDltResource,
    analytics_api: AnalyticsApiResource,
    warehouse: WarehouseResource,
) -> Iterator[MaterializeResult]:
    """Load the selected endpoints of the analytics API into the warehouse with dlt."""
    setting = analytics_api.resolved_generation()
    pipeline = warehouse.build_pipeline(
        progress=dlt_library.progress.log(
            log_period=PROGRESS_LOG_PERIOD_SECONDS, logger=context.log
        )
    )
    table_names = [key.path[-1] for key in context.selected_asset_keys]
    windows = {}
    if not config.full_refresh:
        windows[settings.PAGED_RESOURCE] = (
            "created_at",
            timedelta(hours=analytics_api.responses_lookback_hours),
        )
    ledger = RunLedger(
        generation=settings.GENERATION_CURRENT if setting == settings.GENERATION_AUTO else setting,
        setting=setting,
    )
    with (
        analytics_api.open_session(instance_directory(context)) as session,
        warehouse.exclusive_load(pipeline, context.log),
        dlt_library.config.values(
            {
                # Rows dlt's file writers hold per table before writing (default 5,000): with a
                # dozen nested tables of wide rows, the buffers are most of normalize's memory.
                "data_writer.buffer_max_items": warehouse.writer_buffer_max_items,
                # dlt gzips the files extract writes and normalize reads back at once and then
                # deletes: a third of extract's time, for disk space held only during the run.
                "data_writer.disable_compression": True,
            }
        ),
    ):
        client = analytics_api.rest_client(session)
        attribute_keys = AttributeKeys(client, ledger)
        if setting == settings.GENERATION_AUTO:
            _detect(context, client, ledger, attribute_keys, analytics_api, table_names)
        as_arrow = _responses_as_arrow(
            context, pipeline, table_names, warehouse.resolved_loader_file_format()
        )
        source = analytics_api.build_source(
            session,
            full_refresh=config.full_refresh,
            ledger=ledger,
            attribute_keys=attribute_keys,
            responses_as_arrow=as_arrow,
        )
        before = snapshot_before_load(pipeline, table_names, windows)
        try:
            results = list(
                dlt.run(
                    context=context,
                    dlt_source=source,
                    dlt_pipeline=pipeline,
                    dagster_dlt_translator=AnalyticsApiTranslator(),
                    loader_file_format=warehouse.resolved_loader_file_format(),
                )
            )
        except Exception as error:
            explained = _explained(error, analytics_api, ledger.generation)
            if explained is error:
                raise
            raise explained from error
        failure = ledger.error_after_run()
        if failure is not None:
            raise AnalyticsLoadError(f"{failure} {NOTHING_LOST}")
        held = ledger.held.get(settings.PAGED_RESOURCE, 0)
        if held:
            # Never expected: the batching step writes its last batch when the read ends.
            raise AnalyticsLoadError(
                f"responses: {held} responses were read but never written, so the responses "
                "tables miss them. Run a full refresh (`full_refresh: true`) to load them."
            )
        load_ids = pipeline.last_trace.last_load_info.loads_ids
        rows_read = pipeline.last_trace.last_normalize_info.row_counts
        changes = changes_after_load(pipeline, before, load_ids)
        held_before = {table: set(versions.updated_at) for table, versions in before.items()}
        deletions = _delete_what_left(
            context, pipeline, client, ledger, held_before, table_names, config, warehouse
        )
        if as_arrow:
            delete_replaced_nested_rows(pipeline)
    _warn_refused(context, ledger.refused_resources())
    for result in results:
        table_name = result.asset_key.path[-1]
        table_changes = changes[table_name]
        deleted = deletions[table_name].applied if table_name in deletions else 0
        if deleted and warehouse.resolved_deletions() == settings.DELETIONS_DELETE:
            table_changes = replace(table_changes, row_count=table_changes.row_count - deleted)
        metadata = {
            **(result.metadata or {}),
            **_load_metadata(
                table_name, table_changes, _rows_read(table_name, ledger, rows_read, config)
            ),
            **_generation_metadata(ledger, table_name),
            **_deletion_metadata(deletions.get(table_name)),
        }
        if table_name == settings.PAGED_RESOURCE:
            metadata["sync_mode"] = "full_refresh" if config.full_refresh else "incremental"
            metadata["cursor_created_at"] = MetadataValue.text(responses_cursor(pipeline) or "")
            if not config.full_refresh:
                metadata["lookback_hours"] = MetadataValue.float(
                    analytics_api.responses_lookback_hours
                )
        if (
            table_name == "identified_peoples"
            and ledger.generation == settings.GENERATION_LEGACY
            and rows_read.get(table_name, 0) == settings.LEGACY_PEOPLE_LIMIT
        ):
            # Formbricks 2.7 returns at most 30 people and offers no way to page past them.
            metadata["possibly_truncated"] = MetadataValue.bool(True)
            context.log.warning(
                f"identified_peoples: {settings.LEGACY_ENDPOINT_PATHS[table_name]} returned "
                f"{settings.LEGACY_PEOPLE_LIMIT} people, the most Formbricks 2.7 returns (it "
                "offers no paging): there may be more. Formbricks 3.0 and later return every "
                "contact."
            )
        yield MaterializeResult(asset_key=result.asset_key, metadata=metadata)
