"""The warehouse dlt loads into: a Dagster resource naming the destination and the pipeline.

It does nothing when it is created: the dlt pipeline is built inside a run from its fields.
Fields left unset fall back to the project's settings (`config.read_settings`).

dlt's working folder belongs to the Dagster instance (`<instance root>/dlt_pipelines`), not to
the machine (dlt's own default, `~/.dlt/pipelines`, is one folder for every load on it): two
projects on one machine then share no folder and no lock, so neither waits for the other nor
drops the other's folder. A run without a lasting instance (an ephemeral instance, or the
temporary one `dagster` commands make without DAGSTER_HOME) uses a folder of the destination
instead, beside the DuckDB file (`<file>.dlt/`); see `WarehouseResource.resolved_pipelines_dir`.
"""

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import dlt
from dagster import ConfigurableResource, DagsterInstance
from dlt import Pipeline
from dlt.destinations.sql_client import SqlClientBase
from pydantic import Field

from analytics_assets.config import is_destination_name, read_settings
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.dlt_compat import Destination, get_dlt_pipelines_dir
from analytics_assets.formbricks.errors import AnalyticsConfigurationError
from analytics_assets.warehouse.locks import hold_locks

# dlt's working folder inside the Dagster instance's folder; dlt adds the pipeline's name.
INSTANCE_PIPELINES_FOLDER = "dlt_pipelines"
# dlt's working folder beside the DuckDB file, when there is no lasting instance folder.
DUCKDB_PIPELINES_SUFFIX = ".dlt"
# The folder `dagster` commands create in the working directory when DAGSTER_HOME is unset, and
# remove when they end (`dagster._cli.utils.TMP_DAGSTER_HOME_PREFIX`).
TEMPORARY_INSTANCE_PREFIX = ".tmp_dagster_home_"

T = TypeVar("T")


def instance_folder(instance: Any) -> tuple[Path | None, bool]:
    """The Dagster instance's folder, and whether it outlives the process that made it.

    False for an ephemeral instance (in-process tests, `materialize`) and for the temporary
    instance `dagster asset materialize` or `dagster dev` make without DAGSTER_HOME.
    """
    if instance is None:
        return None, False
    try:
        root = Path(instance.root_directory)
        lasting = not instance.is_ephemeral
    except Exception:  # a stand-in instance of a test, without storage
        return None, False
    return root, lasting and not root.name.startswith(TEMPORARY_INSTANCE_PREFIX)


def _home_instance_folder() -> Path | None:
    """The folder of the instance DAGSTER_HOME names, for commands outside a run."""
    home = read_settings().dagster_home
    if not home:
        return None
    try:
        with DagsterInstance.get() as instance:
            return Path(instance.root_directory)
    except Exception:
        # An instance that does not open here (its storage is down, say): its default folder.
        return Path(home).expanduser()


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
        description=(
            "dlt's working folder for pipelines (dlt adds the pipeline's name). Unset means "
            f"`{INSTANCE_PIPELINES_FOLDER}` in the Dagster instance's folder ($DAGSTER_HOME); "
            "without a lasting instance (no DAGSTER_HOME), beside the DuckDB file "
            f"(`<file>{DUCKDB_PIPELINES_SUFFIX}`), or for other destinations in the temporary "
            "instance's folder (dlt restores its state from the destination). Never dlt's "
            "machine-wide `~/.dlt/pipelines`, unless a command outside any instance loads "
            "into a destination other than DuckDB."
        ),
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

    def resolved_pipelines_dir(self, instance: DagsterInstance | None = None) -> Path:
        """dlt's working folder (dlt keeps the pipeline in `<it>/<pipeline_name>`).

        In order: the field; `dlt_pipelines` in the instance's folder, if it outlives the run;
        beside the DuckDB file (`<file>.dlt`); the temporary instance's folder; dlt's default.

        Args:
            instance: The run's Dagster instance; None (a command outside a run) means the one
                DAGSTER_HOME names, if set.
        """
        if self.pipelines_dir:
            return Path(self.pipelines_dir).expanduser().resolve()
        if instance is None:
            root, lasting = _home_instance_folder(), True
        else:
            root, lasting = instance_folder(instance)
        if root is not None and lasting:
            return (root / INSTANCE_PIPELINES_FOLDER).resolve()
        if self.is_duckdb:
            path = self.resolved_duckdb_path()
            return path.with_name(path.name + DUCKDB_PIPELINES_SUFFIX)
        if root is not None:
            # Removed with the instance: the next run restores dlt's state from the destination.
            return (root / INSTANCE_PIPELINES_FOLDER).resolve()
        return Path(get_dlt_pipelines_dir())

    def _writable_duckdb_path(self) -> Path:
        """The DuckDB file, its folder created, checked before a lock or dlt touches it."""
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
        return path

    def _lock_paths(self, pipelines_dir: Path) -> list[Path]:
        """The pipeline's lock in dlt's working folder, then the DuckDB file's, in that order."""
        paths = [pipelines_dir / f".{self.pipeline_name}.lock"]
        if self.is_duckdb:
            duckdb_path = self._writable_duckdb_path()
            paths.append(duckdb_path.with_name(duckdb_path.name + ".lock"))
        return paths

    @contextmanager
    def exclusive_load(
        self, log: logging.Logger, *, instance: DagsterInstance | None = None
    ) -> Iterator[None]:
        """Hold file locks on dlt's working folder and the DuckDB file while a load runs.

        Build the pipeline inside: `dlt.pipeline()` itself may wipe and recreate the folder.

        Args:
            log: Where to say that the load is waiting.
            instance: The run's Dagster instance, whose folder holds dlt's (see
                `resolved_pipelines_dir`).
        """
        folder = self.resolved_pipelines_dir(instance)
        with hold_locks(self._lock_paths(folder), self.lock_timeout_seconds, log):
            yield

    def with_pipeline(
        self,
        work: Callable[[Pipeline], T],
        *,
        instance: DagsterInstance | None = None,
        log: logging.Logger | None = None,
    ) -> T:
        """`work(pipeline)` with the load's locks held: for commands outside a run.

        Args:
            work: What to do with the pipeline (e.g. `drop_responses_tables`).
            instance: The Dagster instance; None means the one DAGSTER_HOME names.
            log: Where to say that it waits for a load; default this module's logger.
        """
        folder = self.resolved_pipelines_dir(instance)
        with hold_locks(
            self._lock_paths(folder), self.lock_timeout_seconds, log or logging.getLogger(__name__)
        ):
            return work(self._pipeline(folder))

    @contextmanager
    def connect(
        self, log: logging.Logger, *, instance: DagsterInstance | None = None
    ) -> Iterator[SqlClientBase]:
        """A SQL client on the warehouse (dataset `analytics`), holding the load's locks.

        Analytics and checks use it to read the raw tables and write their own. They hold what
        a load holds: DuckDB allows one writing process at a time, and a load may wipe and
        rebuild dlt's working folder (`sync_destination`) that building the pipeline and its
        SQL client read (the state file, `list_schemas`). So they wait for a running load of
        the same pipeline instead of failing.

        Args:
            log: Where to say that it waits for a load.
            instance: The run's Dagster instance (`context.instance`); see
                `resolved_pipelines_dir`.
        """
        folder = self.resolved_pipelines_dir(instance)
        with hold_locks(self._lock_paths(folder), self.lock_timeout_seconds, log):
            with self._pipeline(folder).sql_client() as client:
                yield client

    def build_pipeline(
        self, progress: object = None, *, instance: DagsterInstance | None = None
    ) -> Pipeline:
        """The dlt pipeline `analytics_api` into dataset `analytics` of the destination.

        Build it while holding `exclusive_load` (or use `connect` / `with_pipeline`): dlt
        creates, or wipes, its working folder as the pipeline is built.

        Args:
            progress: A dlt progress collector (e.g. `dlt.progress.log(logger=context.log)`).
            instance: The run's Dagster instance, whose folder holds dlt's (see
                `resolved_pipelines_dir`).
        """
        return self._pipeline(self.resolved_pipelines_dir(instance), progress)

    def _pipeline(self, pipelines_dir: Path, progress: object = None) -> Pipeline:
        destination = self.resolved_destination()
        if destination != "duckdb":
            return dlt.pipeline(
                pipeline_name=self.pipeline_name,
                pipelines_dir=str(pipelines_dir),
                destination=destination,
                dataset_name=self.dataset_name,
                progress=progress,  # type: ignore[arg-type]
            )
        path = self._writable_duckdb_path()
        return dlt.pipeline(
            pipeline_name=self.pipeline_name,
            pipelines_dir=str(pipelines_dir),
            destination=dlt.destinations.duckdb(
                credentials={
                    "database": str(path),
                    "global_config": {"memory_limit": self.duckdb_memory_limit},
                }
            ),
            dataset_name=self.dataset_name,
            progress=progress,  # type: ignore[arg-type]
        )
