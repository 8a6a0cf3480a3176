"""This project's loader instance, built from the names `defs/formbricks/defs.yaml` spells out.

In-process tests materialize these objects with resources of their own (`conftest.resources`);
`unit/test_component.py` checks that the YAML instance has exactly these names.
"""

from analytics_assets.component.analytics import build_analytics_assets
from analytics_assets.component.automation import build_jobs
from analytics_assets.component.checks import build_raw_table_checks
from analytics_assets.component.ingestion import build_ingestion_assets
from analytics_assets.component.names import LoaderNames

NAMES = LoaderNames()
analytics_api_assets = build_ingestion_assets(NAMES, kind="duckdb")
analytics_marts = build_analytics_assets(NAMES, kind="duckdb")
raw_table_checks = build_raw_table_checks(NAMES)
analytics_api_sync, analytics_api_full_refresh = build_jobs(NAMES, analytics_api_assets)
asset_key_for = NAMES.asset_key
