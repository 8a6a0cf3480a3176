"""Dagster resources: the API connection (with its key) and the warehouse dlt loads into.

Neither resource does anything when it is created: the dlt source and pipeline are
built inside a run, from the resource's fields, by `build_source` and
`build_pipeline`. `definitions.py` feeds the fields from environment variables
through `EnvVar`, so the key shows up in the UI as `ANALYTICS_API_KEY`, never as
its value.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dlt
from dagster import ConfigurableResource, EnvVar
from dlt.extract.source import DltSource
from dlt.pipeline.pipeline import Pipeline
from pydantic import Field

from analytics_assets import settings
from analytics_assets.source import build_source


class AnalyticsConfigurationError(ValueError):
    """A setting of the project is missing or malformed; raised before any request is made."""


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

    def build_source(self) -> DltSource:
        """The dlt source of the six endpoints, with this resource's key and knobs. No request."""
        return build_source(
            self.validated_base_url(),
            self.validated_api_key(),
            page_size=self.page_size,
            max_retries=self.max_retries,
            backoff_factor=self.backoff_factor,
            max_retry_delay_seconds=self.max_retry_delay_seconds,
            request_timeout_seconds=self.request_timeout_seconds,
        )


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
