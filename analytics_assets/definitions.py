"""The Dagster code location: every asset, job, schedule, sensor and resource of the project.

The environment is read in `environment.py`: the schedules' cron strings, the sensor's
interval, the freshness hours and the destination's kind when this module loads (each with a
default, so definitions load with none of them set); the API's base URL and key, handed to the
resource as `EnvVar`s, and the resources' other settings only when a run starts. The README's
Settings table lists every variable.
"""

from dagster import Definitions, EnvVar, in_process_executor
from dagster_dlt import DagsterDltResource

from analytics_assets.formbricks import settings
from analytics_assets.component.ingestion import analytics_api_assets
from analytics_assets.component.checks import build_freshness_checks, raw_table_checks
from analytics_assets.config import location_settings
from analytics_assets.component.jobs import analytics_api_full_refresh, analytics_api_sync
from analytics_assets.component.analytics import analytics_automation_sensor, analytics_marts
from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.component.schedules import build_schedules
from analytics_assets.component.sensors import build_new_responses_sensor

location = location_settings()
freshness_checks, freshness_sensor = build_freshness_checks(location.freshness_hours)

defs = Definitions(
    assets=[analytics_api_assets, analytics_marts],
    asset_checks=[raw_table_checks, *freshness_checks],
    jobs=[analytics_api_sync, analytics_api_full_refresh],
    schedules=build_schedules(
        sync_cron=location.sync_cron, full_refresh_cron=location.full_refresh_cron
    ),
    sensors=[
        build_new_responses_sensor(location.sensor_interval_seconds),
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
