"""The six ingestion assets: one dlt resource of the analytics API per Dagster asset.

`@dlt_assets` needs a dlt source when this module is imported, before any
resource or environment exists. It gets one built with a placeholder key (no
request is made while building it) and no pipeline; the real source and
pipeline are built from the resources inside the run and handed to
`DagsterDltResource.run`, with the same source and resource names, so the asset
keys match.
"""

from collections.abc import Iterator, Sequence

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue
from dagster._core.definitions.metadata.metadata_set import TableMetadataSet
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.common.runtime.collector import LogCollector
from dlt.pipeline.pipeline import Pipeline

from analytics_assets import settings
from analytics_assets.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.source import build_source

# Placeholders for the import-time source: never sent anywhere, since that source is only
# read for its resource names and hints.
_PLACEHOLDER_BASE_URL = "https://analytics-api.invalid/api"
_PLACEHOLDER_API_KEY = "placeholder"  # noqa: S105

POOL = "analytics_api_dlt"
PROGRESS_LOG_PERIOD_SECONDS = 5.0


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
                kinds={"dlt", "duckdb"},
                metadata={
                    **TableMetadataSet(table_name=f"{settings.DATASET_NAME}.{name}"),
                    "endpoint": settings.ENDPOINT_PATHS[name],
                },
            )
        )


def _table_row_counts(pipeline: Pipeline, table_names: Sequence[str]) -> dict[str, int]:
    """Rows in each table after the load, counted in the destination in one connection."""
    counts: dict[str, int] = {}
    with pipeline.sql_client() as client:
        for table_name in table_names:
            qualified = client.make_qualified_table_name(table_name)
            with client.execute_query(f"SELECT count(*) FROM {qualified}") as cursor:
                counts[table_name] = int(cursor.fetchone()[0])
    return counts


@dlt_assets(
    dlt_source=build_source(_PLACEHOLDER_BASE_URL, _PLACEHOLDER_API_KEY),
    # No pipeline at import: dlt.pipeline() creates its working folder on disk, and the
    # destination path is only known at run time. The run passes the real one.
    dlt_pipeline=None,  # type: ignore[arg-type]
    name="analytics_api_ingestion",
    dagster_dlt_translator=AnalyticsApiTranslator(),
    pool=POOL,
)
def analytics_api_assets(
    context: AssetExecutionContext,
    dlt: DagsterDltResource,
    analytics_api: AnalyticsApiResource,
    warehouse: WarehouseResource,
) -> Iterator[MaterializeResult]:
    """Load the selected endpoints of the analytics API into the warehouse with dlt."""
    source = analytics_api.build_source()
    pipeline = warehouse.build_pipeline(
        progress=LogCollector(log_period=PROGRESS_LOG_PERIOD_SECONDS, logger=context.log)
    )
    results = list(
        dlt.run(
            context=context,
            dlt_source=source,
            dlt_pipeline=pipeline,
            dagster_dlt_translator=AnalyticsApiTranslator(),
        )
    )
    row_counts = _table_row_counts(pipeline, [result.asset_key.path[-1] for result in results])
    row_counts_loaded = pipeline.last_trace.last_normalize_info.row_counts
    for result in results:
        table_name = result.asset_key.path[-1]
        yield result._replace(
            metadata={
                **(result.metadata or {}),
                **TableMetadataSet(
                    row_count=row_counts[table_name],
                    table_name=f"{settings.DATASET_NAME}.{table_name}",
                ),
                "rows_loaded": MetadataValue.int(row_counts_loaded.get(table_name, 0)),
            }
        )
