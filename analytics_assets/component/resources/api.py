"""Dagster resources: the API connection (with its key) and the warehouse dlt loads into.

Neither resource does anything when it is created: the HTTP session, the dlt source and the
pipeline are built inside a run (or a sensor tick) from the resource's fields.
`definitions.py` feeds the base URL and key from environment variables through `EnvVar`, so
the key shows up in the UI as `ANALYTICS_API_KEY`, never as its value; fields left unset fall
back to their variable through `environment.run_setting` when a run reads them.
"""

import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dlt
import requests
from dagster import ConfigurableResource
from dlt import Pipeline
from dlt.common.destination import Destination
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.destinations.sql_client import SqlClientBase
from dlt.sources import DltSource
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from filelock import FileLock
from filelock import Timeout as LockTimeout
from pydantic import Field
from requests import Session

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.ledger import RunLedger
from analytics_assets.formbricks.budget import RequestBudget
from analytics_assets.formbricks.contacts import AttributeKeys
from analytics_assets.config import dagster_home, is_destination_name, run_setting
from analytics_assets.formbricks.errors import AnalyticsApiError, AnalyticsConfigurationError
from analytics_assets.formbricks.generations import parse_generation_setting
from analytics_assets.formbricks.client import build_retrying_session, close_session
from analytics_assets.formbricks import build_source

__all__ = ["AnalyticsApiResource", "WarehouseResource"]


def _whole_number(value: int | None, env: str, field: str, default: int, *, minimum: int) -> int:
    """A whole-number setting: the resource field if set, else the environment, else `default`."""
    if value is None:
        raw = run_setting(env, "").strip()
        if not raw:
            return default
        if not raw.isdigit() or int(raw) < minimum:
            raise AnalyticsConfigurationError(
                f"{env}={raw!r} must be a whole number of at least {minimum}."
            )
        return int(raw)
    if value < minimum:
        raise AnalyticsConfigurationError(f"{field} must be at least {minimum}; got {value}.")
    return value


# Whole-number fields that fall back to the environment: (variable, default, least value).
WHOLE_NUMBER_SETTINGS: dict[str, tuple[str, int, int]] = {
    "page_size": (settings.ENV_API_PAGE_SIZE, settings.DEFAULT_PAGE_SIZE, 1),
    "requests_per_minute": (
        settings.ENV_API_REQUESTS_PER_MINUTE,
        settings.DEFAULT_REQUESTS_PER_MINUTE,
        0,
    ),
}


class AnalyticsApiResource(ConfigurableResource):
    """Connection to the analytics (Formbricks-style) management API.

    Holds the API key; `open_session` and `build_source` turn it into an HTTP session and the
    dlt source at run time.
    """

    base_url: str = Field(
        description=(
            "Root the API paths hang off, e.g. `https://app.formbricks.com/api` "
            f"(from `{settings.ENV_API_BASE_URL}`)."
        )
    )
    api_key: str = Field(
        description=f"Management API key, sent as `x-api-key` (from `{settings.ENV_API_KEY}`)."
    )
    page_size: int | None = Field(
        default=None,
        description=(
            "Responses requested per page (`limit`). Unset means "
            f"`${settings.ENV_API_PAGE_SIZE}`, else {settings.DEFAULT_PAGE_SIZE}."
        ),
    )
    max_retries: int = Field(
        default=settings.DEFAULT_MAX_RETRIES,
        description="Retries of a 429, 5xx, timeout or dropped connection after the first attempt.",
    )
    backoff_factor: float = Field(
        default=settings.DEFAULT_BACKOFF_FACTOR,
        description="Exponential backoff multiplier in seconds (waits factor * 2**n).",
    )
    max_retry_delay_seconds: float = Field(
        default=settings.DEFAULT_MAX_RETRY_DELAY_SECONDS,
        description=(
            "Longest single wait between attempts, `Retry-After` included; never less than the "
            "API's window (`request_budget_period_seconds`), which a 429 without Retry-After "
            "waits."
        ),
    )
    request_timeout_seconds: float = Field(
        default=settings.DEFAULT_REQUEST_TIMEOUT_SECONDS,
        description="Connect and read timeout of each request.",
    )
    responses_lookback_hours: float = Field(
        default=settings.DEFAULT_RESPONSES_LOOKBACK_HOURS,
        description=(
            "How far behind the newest loaded `createdAt` each incremental sync re-reads "
            "responses, so recent edits (finished later, tagged) are merged."
        ),
    )
    requests_per_minute: int | None = Field(
        default=None,
        description=(
            "Client-side request budget, shared by every run and sensor using the same budget "
            "file (the hosted API allows 100 a minute per key). 0 turns the budget off. Unset "
            f"means `${settings.ENV_API_REQUESTS_PER_MINUTE}`, else "
            f"{settings.DEFAULT_REQUESTS_PER_MINUTE}."
        ),
    )
    request_budget_period_seconds: float = Field(
        default=settings.DEFAULT_RATE_LIMIT_WINDOW_SECONDS,
        description=(
            "The API's rate-limit window, in seconds; the budget holds each token 2% (at least "
            "0.25 s) longer, for requests delayed on their way, and a 429 without Retry-After "
            "waits this long before its retry."
        ),
    )
    api_generation: str | None = Field(
        default=None,
        description=(
            "Which generation of the Formbricks API the server speaks: `auto` (detected on "
            "every run with one request), `legacy` (Formbricks 1.x-2.7: people and attribute "
            "classes) or `current` (3.0 and later: contacts). Unset means "
            f"`${settings.ENV_API_GENERATION}`, else `auto`."
        ),
    )
    request_budget_path: str | None = Field(
        default=None,
        description=(
            "SQLite file holding the shared request budget. Unset means "
            f"`{settings.REQUEST_BUDGET_FILE}` in the Dagster instance's folder."
        ),
    )

    def validated_base_url(self) -> str:
        """The base URL without a trailing slash, or a configuration error naming the setting."""
        base_url = self.base_url.strip().rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AnalyticsConfigurationError(
                f"{settings.ENV_API_BASE_URL} must be an http(s) URL such as "
                f"https://app.formbricks.com/api; got {base_url!r}."
            )
        return base_url

    def resolved_page_size(self) -> int:
        """Responses per page: the field, else `ANALYTICS_API_PAGE_SIZE`, else 100."""
        return self._whole_number("page_size")

    def resolved_requests_per_minute(self) -> int:
        """The request budget: the field, else `ANALYTICS_API_REQUESTS_PER_MINUTE`, else 100."""
        return self._whole_number("requests_per_minute")

    def _whole_number(self, field: str) -> int:
        env, default, minimum = WHOLE_NUMBER_SETTINGS[field]
        return _whole_number(
            getattr(self, field), env, f"analytics_api.{field}", default, minimum=minimum
        )

    def resolved_generation(self) -> str:
        """`auto`, `legacy` or `current`: the field, else `ANALYTICS_API_GENERATION`, else auto."""
        raw = self.api_generation
        if raw is None:
            raw = run_setting(settings.ENV_API_GENERATION, settings.GENERATION_AUTO)
        return parse_generation_setting(raw)

    def validated_api_key(self) -> str:
        """The API key, or a configuration error naming the setting (never the value)."""
        if not self.api_key.strip():
            raise AnalyticsConfigurationError(
                f"{settings.ENV_API_KEY} is empty: set it to a management API key."
            )
        return self.api_key.strip()

    def request_budget(
        self, instance_dir: str | None, max_wait_seconds: float | None = None
    ) -> RequestBudget | None:
        """The shared request budget, or None when `requests_per_minute` is 0.

        Args:
            instance_dir: The Dagster instance's folder, where the budget file lives by default.
            max_wait_seconds: Longest wait for the budget; None waits as long as it takes.
        """
        requests_per_minute = self.resolved_requests_per_minute()
        if self.request_budget_period_seconds <= 0:
            raise AnalyticsConfigurationError(
                "analytics_api.request_budget_period_seconds must be more than 0."
            )
        if requests_per_minute == 0:
            return None
        if self.request_budget_path:
            path = Path(self.request_budget_path).expanduser()
        else:
            folder = instance_dir or dagster_home() or Path.cwd() / "data"
            path = Path(folder) / settings.REQUEST_BUDGET_FILE
        return RequestBudget(
            requests=requests_per_minute,
            period_seconds=self.request_budget_period_seconds,
            state_path=path.resolve(),
            max_wait_seconds=max_wait_seconds,
        )

    @contextmanager
    def open_session(
        self,
        instance_dir: str | None = None,
        *,
        retries: bool = True,
        max_wait_seconds: float | None = None,
    ) -> Iterator[Session]:
        """An HTTP session with this resource's retry policy and request budget, closed after.

        Args:
            instance_dir: The Dagster instance's folder (where the budget file lives).
            retries: False sends each request once (sensors: the next tick is the retry).
            max_wait_seconds: Longest wait for the request budget; None waits.
        """
        self.validated_base_url()
        session = build_retrying_session(
            max_retries=self.max_retries if retries else 0,
            backoff_factor=self.backoff_factor,
            max_retry_delay_seconds=self.max_retry_delay_seconds,
            request_timeout_seconds=self.request_timeout_seconds,
            budget=self.request_budget(instance_dir, max_wait_seconds),
            rate_limit_window_seconds=self.request_budget_period_seconds,
        )
        try:
            yield session
        finally:
            close_session(session)

    def rest_client(self, session: Session) -> RESTClient:
        """dlt's REST client on this API with the key, over `session` (for the generation probe)."""
        return RESTClient(
            base_url=self.validated_base_url(),
            auth=APIKeyAuth(
                name=settings.API_KEY_HEADER,
                api_key=self.validated_api_key(),
                location="header",
            ),
            session=session,
        )

    def build_source(
        self,
        session: Session,
        *,
        full_refresh: bool = False,
        ledger: RunLedger | None = None,
        attribute_keys: AttributeKeys | None = None,
        responses_as_arrow: bool = True,
    ) -> DltSource:
        """The dlt source of the six endpoints, with this resource's key and knobs. No request.

        Args:
            session: From `open_session`.
            full_refresh: Read every response instead of the incremental window.
            ledger: The run's ledger; its `generation` picks the endpoints (default: the
                current generation).
            attribute_keys: The attribute keys the generation probe fetched, if it did.
            responses_as_arrow: Build the responses tables as Arrow (`response_tables.py`);
                False: through dlt's row normalizer.
        """
        if self.responses_lookback_hours < 0:
            raise AnalyticsConfigurationError(
                "analytics_api.responses_lookback_hours must be 0 or more; "
                f"got {self.responses_lookback_hours}."
            )
        page_size = self.resolved_page_size()
        return build_source(
            self.validated_base_url(),
            self.validated_api_key(),
            session=session,
            page_size=page_size,
            responses_lookback_seconds=(
                None if full_refresh else self.responses_lookback_hours * 3600
            ),
            ledger=ledger,
            attribute_keys=attribute_keys,
            responses_as_arrow=responses_as_arrow,
        )

    def fetch_newest_response(
        self, instance_dir: str | None = None, timeout_seconds: float = 10.0
    ) -> dict[str, Any] | None:
        """The newest response, from exactly one request (`limit=1`) and no retries.

        Made for sensors: a tick must stay cheap and short, and the next tick is the retry. The
        request takes its token from the same budget as the runs.

        Returns:
            The newest response record, or None when the API has no responses.

        Raises:
            AnalyticsApiError: The API answered with an error or a body that is not the envelope.
        """
        path = settings.RESPONSES_PATH
        url = self.validated_base_url() + path
        headers = {settings.API_KEY_HEADER: self.validated_api_key()}
        with self.open_session(
            instance_dir, retries=False, max_wait_seconds=timeout_seconds
        ) as session:
            try:
                response = session.get(
                    url, params={settings.LIMIT_PARAM: 1}, headers=headers, timeout=timeout_seconds
                )
            except requests.RequestException as error:
                raise AnalyticsApiError(
                    f"GET {path}: {type(error).__name__} reaching {self.validated_base_url()}"
                ) from None
        if response.status_code != 200:
            raise AnalyticsApiError(f"GET {path}: HTTP {response.status_code}")
        try:
            records = response.json()[settings.DATA_SELECTOR]
        except (ValueError, KeyError, TypeError):
            raise AnalyticsApiError(
                f'GET {path}: the body is not a {{"data": [...]}} envelope'
            ) from None
        if not isinstance(records, list):
            raise AnalyticsApiError(f"GET {path}: `data` is not a list")
        if not records:
            return None
        newest = records[0]
        if not isinstance(newest, dict) or not newest.get("id") or not newest.get("createdAt"):
            raise AnalyticsApiError(f"GET {path}: the newest record has no `id` or `createdAt`")
        return newest


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
        raw = self.deletions
        if raw is None:
            raw = run_setting(settings.ENV_DELETIONS, settings.DEFAULT_DELETIONS)
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
        raw = self.destination or run_setting(
            settings.ENV_DESTINATION, settings.DEFAULT_DESTINATION
        )
        name = (raw or "").strip().lower()
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
        raw = self.duckdb_path or run_setting(
            settings.ENV_DUCKDB_PATH, settings.DEFAULT_DUCKDB_PATH
        )
        if not raw or not raw.strip():
            raise AnalyticsConfigurationError(f"{settings.ENV_DUCKDB_PATH} is set but empty.")
        path = Path(raw).expanduser().resolve()
        if path.stem == settings.DATASET_NAME:
            # DuckDB names the catalog after the file stem; a catalog and a schema both called
            # `analytics` make dlt's SQL fail with "Ambiguous reference to catalog or schema".
            raise AnalyticsConfigurationError(
                f"{settings.ENV_DUCKDB_PATH}={raw!r}: the file name must not be "
                f"'{settings.DATASET_NAME}.duckdb', the name of the dataset it holds; "
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
    def _hold_locks(self, lock_paths: list[Path], log: logging.Logger) -> Iterator[None]:
        """Take file locks in a fixed order, waiting up to `lock_timeout_seconds` for each."""
        with ExitStack() as held:
            for lock_path in lock_paths:
                lock_path.parent.mkdir(parents=True, exist_ok=True)
                lock = FileLock(lock_path)
                try:
                    lock.acquire(timeout=0)
                except LockTimeout:
                    log.info(f"Another process holds {lock_path}; waiting for it to finish.")
                    try:
                        lock.acquire(timeout=self.lock_timeout_seconds)
                    except LockTimeout:
                        raise AnalyticsConfigurationError(
                            f"Another process held {lock_path} for more than "
                            f"{self.lock_timeout_seconds:.0f} s; is a run stuck? "
                            "(warehouse.lock_timeout_seconds)"
                        ) from None
                held.callback(lock.release)
            yield

    @contextmanager
    def exclusive_load(self, pipeline: Pipeline, log: logging.Logger) -> Iterator[None]:
        """Hold file locks on dlt's working folder and the DuckDB file while a load runs.

        The Dagster pool is what queues overlapping runs, but on SQLite instance storage two runs
        started in the same instant can both get its one slot. These locks make the second load
        wait for the first on the same machine whatever the instance storage.

        Args:
            pipeline: The pipeline about to load.
            log: Where to say that the load is waiting.
        """
        with self._hold_locks(self._lock_paths(pipeline), log):
            yield

    @contextmanager
    def connect(self, log: logging.Logger) -> Iterator[SqlClientBase]:
        """A SQL client on the warehouse (dataset `analytics`), holding the DuckDB file's lock.

        Analytics and checks use it to read the raw tables and write their own; DuckDB allows one
        writing process at a time, so they wait for a running load instead of failing.
        """
        pipeline = self.build_pipeline()
        with self._hold_locks(self._lock_paths(None), log), pipeline.sql_client() as client:
            yield client

    def build_pipeline(self, progress: object = None) -> Pipeline:
        """The dlt pipeline `analytics_api` into dataset `analytics` of the destination.

        Args:
            progress: A dlt progress collector (e.g. `dlt.progress.log(logger=context.log)`).
        """
        destination = self.resolved_destination()
        if destination != "duckdb":
            return dlt.pipeline(
                pipeline_name=settings.PIPELINE_NAME,
                pipelines_dir=self.pipelines_dir,
                destination=destination,
                dataset_name=settings.DATASET_NAME,
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
            pipeline_name=settings.PIPELINE_NAME,
            pipelines_dir=self.pipelines_dir,
            destination=dlt.destinations.duckdb(
                credentials=DuckDbCredentials(
                    str(path), global_config={"memory_limit": self.duckdb_memory_limit}
                )
            ),
            dataset_name=settings.DATASET_NAME,
            progress=progress,  # type: ignore[arg-type]
        )
