"""The Dagster code location: every asset, job, schedule, sensor and resource of the project.

Read at run time only, through `EnvVar` (definitions load with none of them set):

- `ANALYTICS_API_BASE_URL`: root of the API, e.g. `https://app.formbricks.com/api`.
- `ANALYTICS_API_KEY`: management API key.
- `ANALYTICS_DUCKDB_PATH`: DuckDB file to load into (default `data/warehouse.duckdb`).
- `ANALYTICS_DESTINATION`: dlt destination name (default `duckdb`); also read when the code
  location loads, to label the assets' kinds.
- `ANALYTICS_API_GENERATION`: `auto` (default), `legacy` (Formbricks 1.x-2.7) or `current` (3.0+).
- `ANALYTICS_DELETIONS`: `delete` (default) or `flag`: what happens to rows the API no longer
  returns.

Read when the code location loads, each optional with a default:

- `ANALYTICS_SYNC_CRON`: incremental sync schedule (default hourly, `0 * * * *`).
- `ANALYTICS_FULL_REFRESH_CRON`: full refresh schedule (default Sundays 03:00, `0 3 * * 0`).
- `ANALYTICS_SENSOR_INTERVAL_SECONDS`: least time between new-response sensor ticks (default 300).
- `ANALYTICS_FRESHNESS_HOURS`: oldest acceptable age of the newest responses load before the
  freshness check warns (default 2).
"""

from dagster import Definitions, EnvVar, in_process_executor
from dagster_dlt import DagsterDltResource

from analytics_assets import settings
from analytics_assets.assets import analytics_api_assets
from analytics_assets.checks import (
    DEFAULT_FRESHNESS_HOURS,
    ENV_FRESHNESS_HOURS,
    build_freshness_checks,
    raw_table_checks,
)
from analytics_assets.errors import AnalyticsConfigurationError
from analytics_assets.jobs import analytics_api_full_refresh, analytics_api_sync
from analytics_assets.marts import analytics_automation_sensor, analytics_marts
from analytics_assets.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.schedules import build_schedules
from analytics_assets.sensors import build_new_responses_sensor


def _sensor_interval_seconds() -> int:
    raw = EnvVar(settings.ENV_SENSOR_INTERVAL_SECONDS).get_value(
        str(settings.DEFAULT_SENSOR_INTERVAL_SECONDS)
    )
    if not (raw or "").strip().isdigit() or int(raw) < 1:
        raise AnalyticsConfigurationError(
            f"{settings.ENV_SENSOR_INTERVAL_SECONDS}={raw!r} must be a whole number of seconds."
        )
    return int(raw)


def _freshness_hours() -> float:
    raw = EnvVar(ENV_FRESHNESS_HOURS).get_value(str(DEFAULT_FRESHNESS_HOURS)) or ""
    try:
        return float(raw)
    except ValueError:
        raise AnalyticsConfigurationError(
            f"{ENV_FRESHNESS_HOURS}={raw!r} must be a number of hours above 0."
        ) from None


freshness_checks, freshness_sensor = build_freshness_checks(_freshness_hours())

defs = Definitions(
    assets=[analytics_api_assets, analytics_marts],
    asset_checks=[raw_table_checks, *freshness_checks],
    jobs=[analytics_api_sync, analytics_api_full_refresh],
    schedules=build_schedules(
        sync_cron=EnvVar(settings.ENV_SYNC_CRON).get_value(settings.DEFAULT_SYNC_CRON) or "",
        full_refresh_cron=EnvVar(settings.ENV_FULL_REFRESH_CRON).get_value(
            settings.DEFAULT_FULL_REFRESH_CRON
        )
        or "",
    ),
    sensors=[
        build_new_responses_sensor(_sensor_interval_seconds()),
        analytics_automation_sensor,
        freshness_sensor,
    ],
    # Every step that writes the warehouse waits for the one slot of its pool, so steps never
    # run side by side anyway; running them in the run's own process saves a Python process
    # (and its imports, seconds each) per step.
    executor=in_process_executor,
    resources={
        "dlt": DagsterDltResource(),
        "analytics_api": AnalyticsApiResource(
            base_url=EnvVar(settings.ENV_API_BASE_URL),
            api_key=EnvVar(settings.ENV_API_KEY),
        ),
        "warehouse": WarehouseResource(),
    },
)
