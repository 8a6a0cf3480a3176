"""Jobs over the ingestion assets: the incremental sync and the weekly full refresh."""

from dagster import AssetSelection, define_asset_job

from analytics_assets.formbricks import settings
from analytics_assets.component.ingestion import analytics_api_assets

INGESTION_ASSETS = AssetSelection.assets(analytics_api_assets)

analytics_api_sync = define_asset_job(
    name="analytics_api_sync",
    selection=INGESTION_ASSETS,
    description=(
        "Materialize the six ingestion assets. Responses are read newest first only down to "
        f"the lookback window behind the newest loaded `{settings.RESPONSES_CURSOR_FIELD}`; rows "
        "of the five small endpoints that the API no longer returns are removed."
    ),
)

analytics_api_full_refresh = define_asset_job(
    name="analytics_api_full_refresh",
    selection=INGESTION_ASSETS,
    description=(
        "Re-read every endpoint completely and merge on `id`: heals edits older than the "
        "lookback window without dropping or duplicating anything, and removes the responses "
        "the API no longer returns (set `confirm_deletions` to apply a deletion the "
        "mass-deletion guard held back)."
    ),
    config={"ops": {analytics_api_assets.op.name: {"config": {"full_refresh": True}}}},
)
