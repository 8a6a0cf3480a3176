"""Dagster resources: the API connection (with its key) and the warehouse dlt loads into.

Neither resource does anything when it is created: the dlt source and pipeline are
built inside a run, from the resource's fields, by `build_source` and
`build_pipeline`. `definitions.py` feeds the fields from environment variables
through `EnvVar`, so the key shows up in the UI as `ANALYTICS_API_KEY`, never as
its value.
"""

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dlt
import requests
from dagster import ConfigurableResource, EnvVar
from dlt.extract.source import DltSource
from filelock import FileLock
from filelock import Timeout as LockTimeout
from dlt.pipeline.pipeline import Pipeline
from pydantic import Field

from analytics_assets import settings
from analytics_assets.source import build_source


class AnalyticsConfigurationError(ValueError):
    """A setting of the project is missing or malformed; raised before any request is made."""


class AnalyticsApiError(RuntimeError):
    """The API answered with an error status or a body that breaks its contract."""


class AnalyticsApiResource(ConfigurableResource):
    """Connection to the analytics (Formbricks-style) management API.

    Holds the API key; `build_source` turns it into the dlt source at run time.
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
    page_size: int = Field(
        default=settings.DEFAULT_PAGE_SIZE, description="Responses requested per page (`limit`)."
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
        description="Longest single wait between attempts, `Retry-After` included.",
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

    def validated_api_key(self) -> str:
        """The API key, or a configuration error naming the setting (never the value)."""
        if not self.api_key.strip():
            raise AnalyticsConfigurationError(
                f"{settings.ENV_API_KEY} is empty: set it to a management API key."
            )
        return self.api_key.strip()

    def build_source(self, *, full_refresh: bool = False) -> DltSource:
        """The dlt source of the six endpoints, with this resource's key and knobs. No request.

        Args:
            full_refresh: Read every response instead of the incremental window.
        """
        if self.responses_lookback_hours < 0:
            raise AnalyticsConfigurationError(
                "analytics_api.responses_lookback_hours must be 0 or more; "
                f"got {self.responses_lookback_hours}."
            )
        return build_source(
            self.validated_base_url(),
            self.validated_api_key(),
            page_size=self.page_size,
            max_retries=self.max_retries,
            backoff_factor=self.backoff_factor,
            max_retry_delay_seconds=self.max_retry_delay_seconds,
            request_timeout_seconds=self.request_timeout_seconds,
            responses_lookback_seconds=(
                None if full_refresh else self.responses_lookback_hours * 3600
            ),
        )

    def fetch_newest_response(self, timeout_seconds: float = 10.0) -> dict[str, Any] | None:
        """The newest response, from exactly one request (`limit=1`) and no retries.

        Made for sensors: a tick must stay cheap and short, and the next tick is the retry.

        Returns:
            The newest response record, or None when the API has no responses.

        Raises:
            AnalyticsApiError: The API answered with an error or a body that is not the envelope.
        """
        path = settings.ENDPOINT_PATHS[settings.PAGED_RESOURCE]
        url = self.validated_base_url() + path
        try:
            response = requests.get(
                url,
                params={settings.LIMIT_PARAM: 1},
                headers={settings.API_KEY_HEADER: self.validated_api_key()},
                timeout=timeout_seconds,
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
                f"GET {path}: the body is not a {{\"data\": [...]}} envelope"
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
    """Where dlt loads: a DuckDB file, and dlt's working folder for the pipeline."""

    duckdb_path: str | None = Field(
        default=None,
        description=(
            f"DuckDB database file. Unset means `${settings.ENV_DUCKDB_PATH}`, "
            f"else `{settings.DEFAULT_DUCKDB_PATH}` (relative to the working directory)."
        ),
    )
    pipelines_dir: str | None = Field(
        default=None,
        description="dlt's working folder for pipelines; unset means dlt's default (~/.dlt/pipelines).",
    )
    lock_timeout_seconds: float = Field(
        default=3600.0,
        description="How long a load waits for another load of the same pipeline to finish.",
    )

    def resolved_duckdb_path(self) -> Path:
        """The DuckDB file to load into, checked for the problems DuckDB would report late."""
        raw = self.duckdb_path or EnvVar(settings.ENV_DUCKDB_PATH).get_value(
            settings.DEFAULT_DUCKDB_PATH
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
        duckdb_path = self.resolved_duckdb_path()
        lock_paths = [
            Path(pipeline.pipelines_dir) / f".{pipeline.pipeline_name}.lock",
            duckdb_path.with_name(duckdb_path.name + ".lock"),
        ]
        with ExitStack() as held:
            for lock_path in lock_paths:
                lock_path.parent.mkdir(parents=True, exist_ok=True)
                lock = FileLock(lock_path)
                try:
                    lock.acquire(timeout=0)
                except LockTimeout:
                    log.info(f"Another load holds {lock_path}; waiting for it to finish.")
                    try:
                        lock.acquire(timeout=self.lock_timeout_seconds)
                    except LockTimeout:
                        raise AnalyticsConfigurationError(
                            f"Another load of pipeline {pipeline.pipeline_name!r} held "
                            f"{lock_path} for more than {self.lock_timeout_seconds:.0f} s; "
                            "is a run stuck? (warehouse.lock_timeout_seconds)"
                        ) from None
                held.callback(lock.release)
            yield

    def build_pipeline(self, progress: object = None) -> Pipeline:
        """The dlt pipeline `analytics_api` into dataset `analytics` of the DuckDB file.

        Args:
            progress: A dlt progress collector (e.g. `dlt.progress.log(logger=context.log)`).
        """
        path = self.resolved_duckdb_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise AnalyticsConfigurationError(
                f"{settings.ENV_DUCKDB_PATH}: cannot create the folder {str(path.parent)!r}: "
                f"{error.strerror}."
            ) from None
        return dlt.pipeline(
            pipeline_name=settings.PIPELINE_NAME,
            pipelines_dir=self.pipelines_dir,
            destination=dlt.destinations.duckdb(credentials=str(path)),
            dataset_name=settings.DATASET_NAME,
            progress=progress,  # type: ignore[arg-type]
        )
