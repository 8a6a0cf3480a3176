"""What one ingestion run works with: its resources, pipeline, ledger and selection.

`IngestionRun.start` gathers them; `IngestionRun.connection` opens what a load holds open (the
HTTP session with the retry policy and request budget, the load's file locks, dlt's writer
settings), builds the dlt pipeline inside the locks, in the Dagster instance's dlt folder
(`WarehouseResource.resolved_pipelines_dir`), and yields dlt's REST client on the API. The
steps (`steps.py`) take the run and the client explicitly: none of them reaches for shared
state.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import dlt as dlt_library
from dagster import AssetExecutionContext, DagsterInstance
from dlt import Pipeline
from dlt.sources.helpers.rest_client import RESTClient
from requests import Session

from analytics_assets.component.ingestion.config import IngestionConfig
from analytics_assets.component.names import LoaderNames
from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.contacts import AttributeKeys
from analytics_assets.formbricks.errors import SettingNames
from analytics_assets.formbricks.ledger import RunLedger

PROGRESS_LOG_PERIOD_SECONDS = 5.0


def instance_directory(context: Any) -> str | None:
    """The Dagster instance's folder (where shared state such as the request budget lives)."""
    try:
        return context.instance.root_directory
    except Exception:  # a context built in a test without an instance
        return None


def dagster_instance(context: Any) -> DagsterInstance | None:
    """The run's Dagster instance, whose folder holds dlt's working folder; None without one."""
    try:
        return context.instance
    except Exception:  # a context built in a test without an instance
        return None


@dataclass
class IngestionRun:
    """One run of the ingestion assets.

    Attributes:
        context: The asset step's context.
        config: The run's configuration (full refresh, confirmed deletions).
        names: The instance's names.
        api: The API connection resource.
        warehouse: The warehouse resource.
        ledger: The run's ledger: what the API answered and the ids each resource yielded.
        tables: The selected tables (resources), in selection order.
        attribute_keys: The attribute keys, fetched at most once per run.
        session: The HTTP session, while `connection` holds it open.
        pipeline: The dlt pipeline dagster-dlt runs, built by `connection` inside the locks.
    """

    context: AssetExecutionContext
    config: IngestionConfig
    names: LoaderNames
    api: AnalyticsApiResource
    warehouse: WarehouseResource
    ledger: RunLedger
    tables: list[str]
    attribute_keys: AttributeKeys | None = field(default=None)
    session: Session | None = field(default=None)
    pipeline: Pipeline = field(init=False)

    @classmethod
    def start(
        cls, context: AssetExecutionContext, config: IngestionConfig, names: LoaderNames
    ) -> "IngestionRun":
        """The run's parts, from the step's context and the instance's resources."""
        api: AnalyticsApiResource = getattr(context.resources, names.api_resource)
        warehouse: WarehouseResource = getattr(context.resources, names.warehouse_resource)
        setting = api.resolved_generation()
        ledger = RunLedger(
            generation=settings.GENERATION_CURRENT
            if setting == settings.GENERATION_AUTO
            else setting,
            setting=setting,
            setting_names=SettingNames(names.base_url_env, names.api_key_env, names.api_resource),
        )
        tables = [key.path[-1] for key in context.selected_asset_keys]
        return cls(context, config, names, api, warehouse, ledger, tables)

    @property
    def instance(self) -> DagsterInstance | None:
        """The run's Dagster instance: every pipeline of the run is built in its dlt folder."""
        return dagster_instance(self.context)

    @property
    def windows(self) -> dict[str, tuple[str, timedelta]]:
        """The tables read as a window (column, lookback): responses, outside a full refresh."""
        if self.config.full_refresh:
            return {}
        return {
            settings.PAGED_RESOURCE: (
                "created_at",
                timedelta(hours=self.api.responses_lookback_hours),
            )
        }

    @contextmanager
    def connection(self) -> Iterator[RESTClient]:
        """The API client, with the session, the load's locks and dlt's writer settings held.

        The pipeline is built inside the locks: `dlt.pipeline()` may create or wipe its working
        folder, which a load of the same pipeline must not see happen.
        """
        with (
            self.api.open_session(instance_directory(self.context)) as session,
            self.warehouse.exclusive_load(self.context.log, instance=self.instance),
            dlt_library.config.values(
                {
                    # Rows dlt's file writers hold per table before writing (default 5,000):
                    # with a dozen nested tables of wide rows, the buffers are most of
                    # normalize's memory.
                    "data_writer.buffer_max_items": self.warehouse.writer_buffer_max_items,
                    # dlt gzips the files extract writes and normalize reads back at once and
                    # then deletes: a third of extract's time, for disk space held only during
                    # the run.
                    "data_writer.disable_compression": True,
                }
            ),
        ):
            self.session = session
            self.pipeline = self.warehouse.build_pipeline(
                progress=dlt_library.progress.log(
                    log_period=PROGRESS_LOG_PERIOD_SECONDS, logger=self.context.log
                ),
                instance=self.instance,
            )
            client = self.api.rest_client(session)
            self.attribute_keys = AttributeKeys(client, self.ledger)
            yield client
