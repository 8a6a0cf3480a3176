"""The names of one loader instance: asset keys, datasets, pipeline, jobs, resources, pool.

A code location may hold several instances of the component (two Formbricks organizations, a
hosted and a self-hosted server). Every name one of them puts into Dagster, dlt or the warehouse
comes from its `LoaderNames`, so that no two instances share a key, a dataset, a pipeline (and
so dlt's working folder), a job or a resource. `LoaderNames.derive(key_prefix)` gives each name
from the key prefix; this project's own instance (`defs/formbricks/defs.yaml`) spells out the
names it has always had, which the defaults of `LoaderNames()` are.
"""

from dataclasses import dataclass, fields
from typing import Any

from dagster import AssetKey

DEFAULT_KEY_PREFIX = "analytics_api"


@dataclass(frozen=True)
class LoaderNames:
    """Every name of one instance.

    Attributes:
        key_prefix: First part of the raw tables' asset keys (`<key_prefix>/responses`); also
            their group and the prefix of the jobs' and schedules' names.
        dataset: The warehouse schema (dlt dataset) the raw tables load into.
        pipeline: dlt's pipeline name: its state in the destination and its working folder.
        analytics_key_prefix: First part of the analytics tables' asset keys; also their group.
        analytics_dataset: The schema of the analytics tables and their views.
        pool: The Dagster pool every step that writes this instance's warehouse runs in.
        base_url_env: Environment variable holding the API's base URL.
        api_key_env: Environment variable holding the API key.
        api_resource: Resource key of the API connection.
        warehouse_resource: Resource key of the warehouse.
        new_responses_sensor: Name of the sensor that starts a sync on new responses.
        automation_sensor: Name of the sensor evaluating the analytics' automation conditions.
        checks_op: Name of the step that runs the raw tables' warehouse checks.
    """

    key_prefix: str = DEFAULT_KEY_PREFIX
    dataset: str = "analytics"
    pipeline: str = DEFAULT_KEY_PREFIX
    analytics_key_prefix: str = "analytics"
    analytics_dataset: str = "analytics_marts"
    pool: str = "analytics_warehouse"
    base_url_env: str = "ANALYTICS_API_BASE_URL"
    api_key_env: str = "ANALYTICS_API_KEY"
    api_resource: str = "analytics_api"
    warehouse_resource: str = "warehouse"
    new_responses_sensor: str = "new_responses_sensor"
    automation_sensor: str = "analytics_automation_sensor"
    checks_op: str = "raw_table_checks"

    @classmethod
    def derive(cls, key_prefix: str, **overrides: Any) -> "LoaderNames":
        """Every name derived from `key_prefix`, except those given in `overrides`.

        None in `overrides` means "derive it".
        """
        upper = key_prefix.upper()
        derived = {
            "key_prefix": key_prefix,
            "dataset": key_prefix,
            "pipeline": key_prefix,
            "analytics_key_prefix": f"{key_prefix}_analytics",
            "pool": f"{key_prefix}_warehouse",
            "base_url_env": f"{upper}_BASE_URL",
            "api_key_env": f"{upper}_KEY",
            "api_resource": key_prefix,
            "warehouse_resource": f"{key_prefix}_warehouse",
            "new_responses_sensor": f"{key_prefix}_new_responses_sensor",
            "automation_sensor": f"{key_prefix}_analytics_automation_sensor",
            "checks_op": f"{key_prefix}_raw_table_checks",
        }
        derived.update({name: value for name, value in overrides.items() if value is not None})
        derived.setdefault("analytics_dataset", f"{derived['dataset']}_marts")
        known = {field.name for field in fields(cls)}
        unknown = set(derived) - known
        if unknown:
            raise TypeError(f"LoaderNames has no {', '.join(sorted(unknown))}")
        return cls(**derived)

    def asset_key(self, table: str) -> AssetKey:
        """The asset key of one raw table, e.g. `analytics_api/responses`."""
        return AssetKey([self.key_prefix, table])

    def analytics_key(self, table: str) -> AssetKey:
        """The asset key of one analytics table, e.g. `analytics/survey_summary`."""
        return AssetKey([self.analytics_key_prefix, table])

    @property
    def group(self) -> str:
        return self.key_prefix

    @property
    def analytics_group(self) -> str:
        return self.analytics_key_prefix

    @property
    def ingestion_op(self) -> str:
        return f"{self.key_prefix}_ingestion"

    @property
    def analytics_op(self) -> str:
        """The analytics step's name: `analytics_marts` for this project's instance."""
        return f"{self.analytics_dataset}"

    @property
    def sync_job(self) -> str:
        return f"{self.key_prefix}_sync"

    @property
    def full_refresh_job(self) -> str:
        return f"{self.key_prefix}_full_refresh"

    @property
    def sync_schedule(self) -> str:
        return f"{self.sync_job}_schedule"

    @property
    def full_refresh_schedule(self) -> str:
        return f"{self.full_refresh_job}_schedule"
