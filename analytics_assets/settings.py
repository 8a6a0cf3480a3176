"""Constants of the analytics API source: endpoints, paging, retry policy and names.

Everything a reader may want to tune or look up lives here as data, so that
`source.py` reads as the assembly of these settings into one dlt config. This
module reads no environment variables; `definitions.py` wires the ones named
below into resources through Dagster's `EnvVar`.
"""

import re
from typing import Final

# Environment variables read (through Dagster's EnvVar, at run time only).
ENV_API_BASE_URL: Final = "ANALYTICS_API_BASE_URL"
ENV_API_KEY: Final = "ANALYTICS_API_KEY"
ENV_DUCKDB_PATH: Final = "ANALYTICS_DUCKDB_PATH"

DEFAULT_DUCKDB_PATH: Final = "data/warehouse.duckdb"

# dlt names. The source, pipeline and asset prefix share one name so the asset
# keys Dagster computes at import match the ones it computes at run time.
SOURCE_NAME: Final = "analytics_api"
PIPELINE_NAME: Final = "analytics_api"
DATASET_NAME: Final = "analytics"
ASSET_KEY_PREFIX: Final = "analytics_api"
GROUP_NAME: Final = "analytics_api"

# The analytics built on the raw tables: their own schema beside `analytics`, asset keys
# `analytics/<table>`, group `analytics`.
MARTS_DATASET_NAME: Final = "analytics_marts"
MARTS_KEY_PREFIX: Final = "analytics"
MARTS_GROUP_NAME: Final = "analytics"

# Every step that writes the warehouse runs in this Dagster pool (limit 1 in dagster.yaml):
# DuckDB has one writing process at a time, and two dlt loads would collide in dlt's folder.
WAREHOUSE_POOL: Final = "analytics_warehouse"
OWNERS: Final = ["team:data-platform"]

API_KEY_HEADER: Final = "x-api-key"
DATA_SELECTOR: Final = "data"
PRIMARY_KEY: Final = "id"

# Resource (asset and table) name -> path below the base URL.
ENDPOINT_PATHS: Final[dict[str, str]] = {
    "surveys": "/v1/management/surveys",
    "action_classes": "/v1/management/action-classes",
    "attribute_classes": "/v1/management/attribute-classes",
    "identified_peoples": "/v1/management/people",
    "responses": "/v1/management/responses",
    "webhooks": "/v1/webhooks",
}
PAGED_RESOURCE: Final = "responses"

# Nested objects the API sends as null when absent (a response without a contact; `person`
# is the field's name before the API renamed it).
NULLABLE_OBJECT_FIELDS: Final = ("contact", "person")

# The long answers table: `responses.answers` as dlt's child table `responses__answers`.
ANSWERS_FIELD: Final = "answers"

# Paging of /responses: offset paging with `limit` and `skip`, no total count.
DEFAULT_PAGE_SIZE: Final = 100
LIMIT_PARAM: Final = "limit"
OFFSET_PARAM: Final = "skip"

# Incremental loading of /responses. The API has no date filter, so the cursor is applied on the
# client: pages are read newest first until rows fall below (newest loaded createdAt - lookback).
RESPONSES_CURSOR_FIELD: Final = "createdAt"
RESPONSES_INITIAL_CURSOR: Final = "1970-01-01T00:00:00.000Z"
DEFAULT_RESPONSES_LOOKBACK_HOURS: Final = 24.0

# Retry policy: 429 and the gateway-style 5xx are transient; every other 4xx is
# a permanent answer about the request and is not retried.
RETRY_STATUS_CODES: Final = (429, 500, 502, 503, 504)
DEFAULT_MAX_RETRIES: Final = 3  # 4 attempts in all
DEFAULT_BACKOFF_FACTOR: Final = 2.0  # waits 2 s, 4 s, 8 s unless Retry-After says otherwise
DEFAULT_MAX_RETRY_DELAY_SECONDS: Final = 60.0
DEFAULT_REQUEST_TIMEOUT_SECONDS: Final = 60.0

RESOURCE_DESCRIPTIONS: Final[dict[str, str]] = {
    "surveys": (
        "Surveys of the environment, with their questions (child table `surveys__questions`), "
        "endings and triggers. Loaded whole on every run from `GET /v1/management/surveys` "
        "and merged on `id`."
    ),
    "action_classes": (
        "Action classes (code, no-code and automatic actions that can trigger surveys). Loaded "
        "whole from `GET /v1/management/action-classes` and merged on `id`."
    ),
    "attribute_classes": (
        "Attribute classes (the attributes people can carry, such as email or plan). Loaded "
        "whole from `GET /v1/management/attribute-classes` and merged on `id`."
    ),
    "identified_peoples": (
        "Identified people (contacts) with their attributes as a JSON object. Loaded whole "
        "from `GET /v1/management/people` and merged on `id`."
    ),
    "responses": (
        "Survey responses: answers (`data`, JSON keyed by question id), time to complete "
        "(`ttc`), metadata, contact, tags (`responses__tags`) and notes. Read newest first from "
        "`GET /v1/management/responses` in pages of `limit`/`skip` and merged on `id`."
    ),
    "webhooks": (
        "Webhooks registered on the environment, with their triggers and survey filters. "
        "Loaded whole from `GET /v1/webhooks` and merged on `id`."
    ),
}

# Automation. Read when the code location loads (schedules and sensors are defined then), each
# with a default, so definitions load with none of them set.
ENV_SYNC_CRON: Final = "ANALYTICS_SYNC_CRON"
ENV_FULL_REFRESH_CRON: Final = "ANALYTICS_FULL_REFRESH_CRON"
ENV_SENSOR_INTERVAL_SECONDS: Final = "ANALYTICS_SENSOR_INTERVAL_SECONDS"
DEFAULT_SYNC_CRON: Final = "0 * * * *"  # hourly, on the hour
DEFAULT_FULL_REFRESH_CRON: Final = "0 3 * * 0"  # weekly, Sunday 03:00
DEFAULT_SENSOR_INTERVAL_SECONDS: Final = 300

# Client-side request budget (the API allows 100 requests a minute per key), kept in a SQLite
# file that every process of one Dagster instance shares: runs and the sensor alike.
DEFAULT_REQUESTS_PER_MINUTE: Final = 100
REQUEST_BUDGET_FILE: Final = "analytics_api_request_budget.sqlite"

# dlt's load file format for DuckDB: Parquet loads ~20x faster than INSERT VALUES (benchmarks/).
# Other destinations get their own preferred format unless `warehouse.loader_file_format` says.
DUCKDB_LOADER_FILE_FORMAT: Final = "parquet"

# The destination, by dlt's name for it; its credentials come from dlt's own settings
# (e.g. DESTINATION__POSTGRES__CREDENTIALS). DuckDB uses ANALYTICS_DUCKDB_PATH instead.
ENV_DESTINATION: Final = "ANALYTICS_DESTINATION"
DEFAULT_DESTINATION: Final = "duckdb"
_DESTINATION_NAME: Final = re.compile(r"[a-z0-9_.]+")


def is_destination_name(value: str) -> bool:
    """A plain destination name (`postgres`, `dlt.destinations.duckdb`), not a connection string."""
    return bool(_DESTINATION_NAME.fullmatch(value))


def destination_kind() -> str:
    """The destination's name for asset kinds, read when the code location loads.

    Anything but a plain name (a DSN pasted into the wrong variable, say) shows as `warehouse`, so
    a password can never become a tag in the UI.
    """
    from dagster import EnvVar

    raw = EnvVar(ENV_DESTINATION).get_value(DEFAULT_DESTINATION) or DEFAULT_DESTINATION
    name = raw.strip().lower()
    return name if is_destination_name(name) else "warehouse"


# DuckDB's memory limit for the project's connections (its default is 80% of RAM).
DEFAULT_DUCKDB_MEMORY_LIMIT: Final = "128MB"

# Rows dlt's writers buffer per table (dlt's default 5,000): 1,000 cut normalize's memory of
# 100k responses by ~130 MB at no measurable cost in time (benchmarks/).
DEFAULT_WRITER_BUFFER_MAX_ITEMS: Final = 1000
