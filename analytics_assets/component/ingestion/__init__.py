"""The ingestion assets of one loader instance: one dlt resource of the API per Dagster asset.

The specs need a dlt source when definitions load, before any resource or environment exists:
they are built from one with a placeholder key (building it makes no request). The real source
and pipeline are built from the instance's resources inside the run and handed to dagster-dlt,
with the same source and resource names, so the asset keys match.

A run is five named steps (`steps.py`, `feed.py`, `report.py`): detect the API's generation
(and whether it has a change feed), load, reconcile deletions, apply the edits the change feed
lists, report. An endpoint the server or key does not offer (the community
edition's contacts, say) is materialized with no rows, `available: false` and the server's
reason, and a warning in the run log.

A failure the project expects (a wrong key or base URL, a wrong generation pin, a setting to
fix) fails the step with its cause and what to do as the last lines, printed once per event
and without a traceback of dlt or requests (`steps.expected_failure`); any other error keeps
its traceback.
"""

from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    FreshnessPolicy,
    MaterializeResult,
    multi_asset,
)
from dagster_dlt import build_dlt_asset_specs

from analytics_assets.component.ingestion.config import IngestionConfig
from analytics_assets.component.ingestion.feed import apply_feed, prepare_feed
from analytics_assets.component.ingestion.report import report
from analytics_assets.component.ingestion.run import IngestionRun
from analytics_assets.component.ingestion.steps import (
    EXPECTED_ERRORS,
    detect,
    expected_failure,
    load,
    reconcile_deletions,
)
from analytics_assets.component.ingestion.translator import AnalyticsApiTranslator
from analytics_assets.component.names import LoaderNames
from analytics_assets.formbricks import build_source
from analytics_assets.warehouse.nested_rows import delete_replaced_nested_rows

__all__ = ["IngestionConfig", "build_ingestion_assets"]

# Placeholders for the specs' source: never sent anywhere, since that source is only read for
# its resource names and hints.
_PLACEHOLDER_BASE_URL = "https://analytics-api.invalid/api"
_PLACEHOLDER_API_KEY = "placeholder"  # noqa: S105


def build_ingestion_assets(
    names: LoaderNames, *, kind: str, responses_freshness: FreshnessPolicy | None = None
) -> AssetsDefinition:
    """The six ingestion assets of one instance, in one step that loads the selected ones.

    Args:
        names: The instance's names (keys, resources, pool).
        kind: The destination's name, shown as the assets' kind.
        responses_freshness: The freshness policy of responses, if any.
    """
    translator = AnalyticsApiTranslator(names, kind, responses_freshness)
    specs = build_dlt_asset_specs(
        dlt_source=build_source(_PLACEHOLDER_BASE_URL, _PLACEHOLDER_API_KEY),
        # No pipeline when definitions load: dlt.pipeline() creates its working folder on disk,
        # and the destination is only known at run time. The run builds the real one.
        dlt_pipeline=None,  # type: ignore[arg-type]
        dagster_dlt_translator=translator,
    )

    @multi_asset(
        name=names.ingestion_op,
        specs=specs,
        can_subset=True,
        pool=names.pool,
        required_resource_keys={names.api_resource, names.warehouse_resource},
    )
    def ingestion(
        context: AssetExecutionContext, config: IngestionConfig
    ) -> Iterator[MaterializeResult]:
        """Load the selected endpoints of the API into the warehouse with dlt."""
        try:
            run = IngestionRun.start(context, config, names)
            with run.connection() as client:
                detect(run, client)
                feed = prepare_feed(run, client)
                outcome = load(run, translator)
                deletions = reconcile_deletions(run, client, outcome)
                # Last: a load of the edited responses before the tombstones' would leave dlt's
                # working schema unable to merge them ("No `root_key` column", on PostgreSQL).
                apply_feed(run, client, feed)
                if feed is not None and feed.applied:
                    delete_replaced_nested_rows(run.pipeline)  # of the responses it replaced
        except EXPECTED_ERRORS as error:
            # Raised here, at the top, so the failure's own stack is Dagster's frames and this
            # one; the cause, with what to do, is what the terminal and the UI show last.
            failure, cause = expected_failure(error)
            raise failure from cause
        yield from report(run, outcome, deletions, feed)

    return ingestion
