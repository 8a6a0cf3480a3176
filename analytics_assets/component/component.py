"""`FormbricksLoader`: the whole loader of one Formbricks server, as a Dagster Component.

One `defs.yaml` of `type: analytics_assets.component.FormbricksLoader` builds a complete
instance: the six ingestion assets, the four analytics tables, the raw tables' checks, the sync
and full-refresh jobs and their schedules, the new-responses sensor, the analytics' automation
sensor, and the two resources holding the connection and the warehouse. A second Formbricks
(another organization, a self-hosted server beside the hosted one) is one more `defs.yaml` with
its own `key_prefix`: every name it puts into Dagster, dlt and the warehouse derives from it
(`names.py`), so the two never share a table, a pipeline, a job or a run's lock.

Fields left unset fall back to the project's environment variables (`config.py`), so this
project's own instance behaves as the code location always has.
"""

from dataclasses import dataclass
from datetime import timedelta

from dagster import (
    Component,
    ComponentLoadContext,
    Definitions,
    EnvVar,
    FreshnessPolicy,
    Resolvable,
)

from analytics_assets.component.analytics import build_analytics_assets, build_automation_sensor
from analytics_assets.component.automation import (
    build_jobs,
    build_new_responses_sensor,
    build_schedules,
)
from analytics_assets.component.checks import build_raw_table_checks
from analytics_assets.component.ingestion import build_ingestion_assets
from analytics_assets.component.names import DEFAULT_KEY_PREFIX, LoaderNames
from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.config import LOCATION_FIELDS, destination_kind, read_settings


@dataclass
class FormbricksLoader(Component, Resolvable):
    """Load a Formbricks management API into a warehouse with dlt, and keep it fresh.

    Attributes:
        key_prefix: First part of the raw tables' asset keys; every other name derives from it
            unless set below.
        base_url_env: Environment variable holding the API's base URL
            (default `<KEY_PREFIX>_BASE_URL`: `ANALYTICS_API_BASE_URL` for `analytics_api`).
        api_key_env: Environment variable holding the API key (default `<KEY_PREFIX>_KEY`).
        destination: dlt destination name (duckdb, postgres, snowflake, ...); unset means
            `ANALYTICS_DESTINATION`, else duckdb. Credentials come from dlt's own settings.
        duckdb_path: The DuckDB file; unset means `ANALYTICS_DUCKDB_PATH`, else
            `data/warehouse.duckdb`.
        dataset: Schema of the raw tables (default: the key prefix).
        pipeline_name: dlt's pipeline name, its state and working folder (default: the key prefix).
        analytics_key_prefix: First part of the analytics' asset keys.
        analytics_dataset: Schema of the analytics (default `<dataset>_marts`).
        pool: The Dagster pool of the steps that write this warehouse.
        api_resource_key: Resource key of the API connection (default: the key prefix).
        warehouse_resource_key: Resource key of the warehouse.
        new_responses_sensor: Name of the new-responses sensor.
        automation_sensor: Name of the analytics' automation sensor.
        checks_op: Name of the raw tables' checks step.
        sync_cron: When the sync runs; unset means `ANALYTICS_SYNC_CRON`, else hourly.
        full_refresh_cron: When the full refresh runs; unset means `ANALYTICS_FULL_REFRESH_CRON`,
            else Sundays at 03:00.
        sensor_interval_seconds: Least time between two ticks of the new-responses sensor; unset
            means `ANALYTICS_SENSOR_INTERVAL_SECONDS`, else 300.
        freshness_hours: Responses and the analytics are stale past this age of their newest
            materialization; unset means `ANALYTICS_FRESHNESS_HOURS`, else 2.
        deletions: `delete` or `flag` rows the API no longer returns; unset means
            `ANALYTICS_DELETIONS`, else delete.
    """

    key_prefix: str = DEFAULT_KEY_PREFIX
    base_url_env: str | None = None
    api_key_env: str | None = None
    destination: str | None = None
    duckdb_path: str | None = None
    dataset: str | None = None
    pipeline_name: str | None = None
    analytics_key_prefix: str | None = None
    analytics_dataset: str | None = None
    pool: str | None = None
    api_resource_key: str | None = None
    warehouse_resource_key: str | None = None
    new_responses_sensor: str | None = None
    automation_sensor: str | None = None
    checks_op: str | None = None
    sync_cron: str | None = None
    full_refresh_cron: str | None = None
    sensor_interval_seconds: int | None = None
    freshness_hours: float | None = None
    deletions: str | None = None

    def names(self) -> LoaderNames:
        """Every name of this instance: those set here, the rest derived from `key_prefix`."""
        return LoaderNames.derive(
            self.key_prefix,
            base_url_env=self.base_url_env,
            api_key_env=self.api_key_env,
            dataset=self.dataset,
            pipeline=self.pipeline_name,
            analytics_key_prefix=self.analytics_key_prefix,
            analytics_dataset=self.analytics_dataset,
            pool=self.pool,
            api_resource=self.api_resource_key,
            warehouse_resource=self.warehouse_resource_key,
            new_responses_sensor=self.new_responses_sensor,
            automation_sensor=self.automation_sensor,
            checks_op=self.checks_op,
        )

    def _resources(self, names: LoaderNames) -> dict[str, object]:
        return {
            names.api_resource: AnalyticsApiResource(
                base_url=EnvVar(names.base_url_env),
                api_key=EnvVar(names.api_key_env),
                base_url_env=names.base_url_env,
                api_key_env=names.api_key_env,
            ),
            names.warehouse_resource: WarehouseResource(
                destination=self.destination,
                duckdb_path=self.duckdb_path,
                deletions=self.deletions,
                pipeline_name=names.pipeline,
                dataset_name=names.dataset,
            ),
        }

    def build_defs(self, context: ComponentLoadContext) -> Definitions:
        project = read_settings(fields=LOCATION_FIELDS)
        names = self.names()
        kind = destination_kind(self.destination or project.destination)
        hours = (
            self.freshness_hours if self.freshness_hours is not None else project.freshness_hours
        )
        freshness = FreshnessPolicy.time_window(fail_window=timedelta(hours=hours))
        ingestion = build_ingestion_assets(names, kind=kind, responses_freshness=freshness)
        sync, full_refresh = build_jobs(names, ingestion)
        return Definitions(
            assets=[ingestion, build_analytics_assets(names, kind=kind, freshness=freshness)],
            asset_checks=build_raw_table_checks(names),
            jobs=[sync, full_refresh],
            schedules=build_schedules(
                names,
                sync,
                full_refresh,
                sync_cron=self.sync_cron or project.sync_cron,
                full_refresh_cron=self.full_refresh_cron or project.full_refresh_cron,
            ),
            sensors=[
                build_new_responses_sensor(
                    names, self.sensor_interval_seconds or project.sensor_interval_seconds
                ),
                build_automation_sensor(names),
            ],
            resources=self._resources(names),
        )
