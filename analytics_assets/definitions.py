"""The Dagster code location: every asset, job, schedule, sensor and resource of the project.

Reads these environment variables at run time only (through `EnvVar`), so the
definitions load with none of them set:

- `ANALYTICS_API_BASE_URL`: root of the API, e.g. `https://app.formbricks.com/api`.
- `ANALYTICS_API_KEY`: management API key.
- `ANALYTICS_DUCKDB_PATH`: DuckDB file to load into (default `data/warehouse.duckdb`).
"""

from dagster import Definitions, EnvVar
from dagster_dlt import DagsterDltResource

from analytics_assets import settings
from analytics_assets.assets import analytics_api_assets
from analytics_assets.resources import AnalyticsApiResource, WarehouseResource

defs = Definitions(
    assets=[analytics_api_assets],
    resources={
        "dlt": DagsterDltResource(),
        "analytics_api": AnalyticsApiResource(
            base_url=EnvVar(settings.ENV_API_BASE_URL),
            api_key=EnvVar(settings.ENV_API_KEY),
        ),
        "warehouse": WarehouseResource(),
    },
)
