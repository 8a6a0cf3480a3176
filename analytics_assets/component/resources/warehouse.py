"""The warehouse dlt loads into: a Dagster resource naming the destination and the pipeline.

It does nothing when it is created: the dlt pipeline is built inside a run from its fields.
Fields left unset fall back to the project's settings (`config.read_settings`).
"""

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dlt
from dagster import ConfigurableResource
from dlt import Pipeline
from dlt.destinations.sql_client import SqlClientBase
from pydantic import Field

from analytics_assets.config import is_destination_name, read_settings
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.dlt_compat import Destination
from analytics_assets.formbricks.errors import AnalyticsConfigurationError
from analytics_assets.warehouse.locks import hold_locks


class WarehouseResource(ConfigurableResource):
    """Where dlt loads: a DuckDB file or any dlt destination, and dlt's working folder."""

    destination: str | None = Field(
        default=None,
        description=(
            f"dlt destination name (duckdb, postgres, snowflake, bigquery, motherduck, ...). "
            f"Unset means `${settings.ENV_DESTINATION}`, else `{settings.DEFAULT_DESTINATION}`. "
            "Credentials come from dlt's own settings, e.g. DESTINATION__POSTGRES__CREDENTIALS."
        ),
    )

    duckdb_path: str | None = Field(
        default=None,
        description=(
            f"DuckDB database file. Unset means `${settings.ENV_DUCKDB_PATH}`, "
            f"else `{settings.DEFAULT_DUCKDB_PATH}` (relative to the working directory)."
        ),
    )
    pipelines_dir: str | None = Field(
        default=None,
        description="dlt's working folder for pipelines; unset means dlt's default.",
    )
    pipeline_name: str = Field(
        default=settings.PIPELINE_NAME,
        description="dlt's pipeline name: its state in the destination and its working folder.",
    )
    dataset_name: str = Field(
        default=settings.DATASET_NAME,
        description="The schema (dlt dataset) the raw tables load into.",
    )
    lock_timeout_seconds: float = Field(
        default=3600.0,
        description="How long a load waits for another load of the same pipeline to finish.",
    )
    duckdb_memory_limit: str = Field(
        default=settings.DEFAULT_DUCKDB_MEMORY_LIMIT,
        description=(
            "DuckDB's `memory_limit` for loads, analytics and checks; past it DuckDB spills to "
            "disk. DuckDB's own default (80% of RAM) lets a merge of a large load take "
            "hundreds of MB."
        ),
    )
    writer_buffer_max_items: int = Field(
        default=settings.DEFAULT_WRITER_BUFFER_MAX_ITEMS,
        description=(
            "Rows dlt's file writers buffer per table before writing (dlt's default: 5,000); "
            "lower keeps a large load's memory flat."
        ),
    )
    deletions: str | None = Field(
        default=None,
        description=(
            "What a complete read does to rows the API no longer returns: `delete` them (with "
            "their nested rows) or `flag` them with `deleted_at`. Unset means "
            f"`${settings.ENV_DELETIONS}`, else `{settings.DEFAULT_DELETIONS}`."
        ),
    )
    loader_file_format: str | None = Field(
        default=None,
        description=(
            "dlt's load file format. Unset means Parquet on DuckDB (it bulk-loads it about 20 "
            "times faster than INSERT VALUES files, see benchmarks/) and the destination's "
            "preferred format elsewhere."
        ),
    )

    def resolved_deletions(self) -> str:
        """`delete` or `flag`: the field, else `ANALYTICS_DELETIONS`, else `delete`."""
        if self.deletions is None:
            return read_settings().deletions
        raw = self.deletions
        mode = (raw or "").strip().lower() or settings.DEFAULT_DELETIONS
        if mode not in settings.DELETION_MODES:
            raise AnalyticsConfigurationError(
                f"{settings.ENV_DELETIONS}={raw!r} must be `delete` (the warehouse shows what the "
                "API shows) or `flag` (rows the API no longer returns stay, with `deleted_at`)."
            )
        return mode

    def resolved_destination(self) -> str:
        """The dlt destination name, checked against the destinations dlt knows."""
        source = (
            "resource warehouse, field destination"
            if self.destination
            else f"environment variable {settings.ENV_DESTINATION}"
        )
        name = (self.destination or read_settings().destination).strip().lower()
        if not name:
            raise AnalyticsConfigurationError(f"The destination ({source}) is set but empty.")
        if not is_destination_name(name):
            # Never echoed: a value that is not a name may be a connection string with a password.
            raise AnalyticsConfigurationError(
                f"The destination ({source}) must be a dlt destination name such as duckdb or "
                "postgres, not a connection string; its value is not shown. Credentials go in "
                "dlt's settings, e.g. DESTINATION__POSTGRES__CREDENTIALS."
            )
        try:
            Destination.from_reference(name)
        except Exception:
            raise AnalyticsConfigurationError(
                f"The destination ({source}) {name!r} is not a dlt destination "
                "(e.g. duckdb, postgres, snowflake, bigquery, motherduck)."
            ) from None
        return name

    @property
    def is_duckdb(self) -> bool:
        return self.resolved_destination() == "duckdb"

    def resolved_loader_file_format(self) -> str | None:
        """The load file format: as configured, else Parquet on DuckDB, else dlt's choice."""
        if self.loader_file_format:
            return self.loader_file_format
        return settings.DUCKDB_LOADER_FILE_FORMAT if self.is_duckdb else None

    def resolved_duckdb_path(self) -> Path:
        """The DuckDB file to load into, checked for the problems DuckDB would report late."""
        raw = self.duckdb_path or read_settings().duckdb_path
        if not raw or not raw.strip():
            raise AnalyticsConfigurationError(f"{settings.ENV_DUCKDB_PATH} is set but empty.")
        path = Path(raw).expanduser().resolve()
        if path.stem == self.dataset_name:
            # DuckDB names the catalog after the file stem; a catalog and a schema both called
            # `analytics` make dlt's SQL fail with "Ambiguous reference to catalog or schema".
            raise AnalyticsConfigurationError(
                f"{settings.ENV_DUCKDB_PATH}={raw!r}: the file name must not be "
                f"'{self.dataset_name}.duckdb', the name of the dataset it holds; "
                f"use e.g. {settings.DEFAULT_DUCKDB_PATH!r}."
            )
        if path.is_dir():
            raise AnalyticsConfigurationError(
                f"{settings.ENV_DUCKDB_PATH}={raw!r} is a directory; give a file path."
            )
        return path

    def _lock_paths(self, pipeline: Pipeline | None) -> list[Path]:
        paths = []
        if self.is_duckdb:
            duckdb_path = self.resolved_duckdb_path()
            paths.append(duckdb_path.with_name(duckdb_path.name + ".lock"))
        if pipeline is not None:
            paths.insert(0, Path(pipeline.pipelines_dir) / f".{pipeline.pipeline_name}.lock")
        return paths

    @contextmanager
    def exclusive_load(self, pipeline: Pipeline, log: logging.Logger) -> Iterator[None]:
        """Hold file locks on dlt's working folder and the DuckDB file while a load runs.

        Args:
            pipeline: The pipeline about to load.
            log: Where to say that the load is waiting.
        """
        with hold_locks(self._lock_paths(pipeline), self.lock_timeout_seconds, log):
            yield

    @contextmanager
    def connect(self, log: logging.Logger) -> Iterator[SqlClientBase]:
        """A SQL client on the warehouse (dataset `analytics`), holding the DuckDB file's lock.

        Analytics and checks use it to read the raw tables and write their own; DuckDB allows one
        writing process at a time, so they wait for a running load instead of failing.
        """
        pipeline = self.build_pipeline()
        with (
            hold_locks(self._lock_paths(None), self.lock_timeout_seconds, log),
            pipeline.sql_client() as client,
        ):
            yield client

    def build_pipeline(self, progress: object = None) -> Pipeline:
        """The dlt pipeline `analytics_api` into dataset `analytics` of the destination.

        Args:
            progress: A dlt progress collector (e.g. `dlt.progress.log(logger=context.log)`).
        """
        destination = self.resolved_destination()
        if destination != "duckdb":
            return dlt.pipeline(
                pipeline_name=self.pipeline_name,
                pipelines_dir=self.pipelines_dir,
                destination=destination,
                dataset_name=self.dataset_name,
                progress=progress,  # type: ignore[arg-type]
            )
        path = self.resolved_duckdb_path()
        blocking = next((p for p in (path.parent, *path.parent.parents) if p.is_file()), None)
        if blocking is not None:
            raise AnalyticsConfigurationError(
                f"{settings.ENV_DUCKDB_PATH}: {str(blocking)!r} is a file, not a folder; the "
                f"DuckDB file {str(path)!r} cannot be created below it."
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise AnalyticsConfigurationError(
                f"{settings.ENV_DUCKDB_PATH}: cannot create the folder {str(path.parent)!r}: "
                f"{error.strerror}."
            ) from None
        if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise AnalyticsConfigurationError(
                f"{settings.ENV_DUCKDB_PATH}: {str(path)!r} is not writable by this process."
            )
        return dlt.pipeline(
            pipeline_name=self.pipeline_name,
            pipelines_dir=self.pipelines_dir,
            destination=dlt.destinations.duckdb(
                credentials={
                    "database": str(path),
                    "global_config": {"memory_limit": self.duckdb_memory_limit},
                }
            ),
            dataset_name=self.dataset_name,
            progress=progress,  # type: ignore[arg-type]
        )
