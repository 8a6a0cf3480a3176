"""Constants of the project: endpoints, paging, retry policy, names, and settings' defaults.

Everything a reader may want to tune or look up lives here as data, so that the source builder
(`formbricks/__init__.py`) reads as the assembly of these settings into one dlt config. This
module reads no environment variable: it names the API's (`ENV_*`) and their defaults;
`config.py` reads them.
"""

from typing import Final

# Environment variables of the API connection, handed to the resource as Dagster EnvVars.
ENV_API_BASE_URL: Final = "ANALYTICS_API_BASE_URL"
ENV_API_KEY: Final = "ANALYTICS_API_KEY"
# The DuckDB file, read when a run needs it (`config.read_settings`).
ENV_DUCKDB_PATH: Final = "ANALYTICS_DUCKDB_PATH"

DEFAULT_DUCKDB_PATH: Final = "data/warehouse.duckdb"

# dlt names: the source's (its resources' state lives under it), and the pipeline and dataset
# a pipeline gets when nobody names them (a loader instance names its own).
SOURCE_NAME: Final = "analytics_api"
PIPELINE_NAME: Final = "analytics_api"
DATASET_NAME: Final = "analytics"

API_KEY_HEADER: Final = "x-api-key"
DATA_SELECTOR: Final = "data"
PRIMARY_KEY: Final = "id"

# The six resources (assets and tables), in the order dlt extracts them: surveys first, so that
# a wrong base URL shows on the first request of a run.
RESOURCES: Final = (
    "surveys",
    "action_classes",
    "attribute_classes",
    "identified_peoples",
    "responses",
    "webhooks",
)
PAGED_RESOURCE: Final = "responses"
SURVEYS_PATH: Final = "/v1/management/surveys"
RESPONSES_PATH: Final = "/v1/management/responses"

# Two generations of the management API are in use (read from the Formbricks source, tags
# v2.7.2, v3.8.0, 4.9.7 and 5.3.4). Formbricks 3.0 removed people and attribute classes; their
# data lives in contacts (an Enterprise feature) from then on.
ENV_API_GENERATION: Final = "ANALYTICS_API_GENERATION"
GENERATION_AUTO: Final = "auto"
GENERATION_LEGACY: Final = "legacy"  # Formbricks 1.x to 2.7
GENERATION_CURRENT: Final = "current"  # Formbricks 3.0 and later
GENERATION_SETTINGS: Final = (GENERATION_AUTO, GENERATION_LEGACY, GENERATION_CURRENT)
GENERATION_LABELS: Final = {
    GENERATION_LEGACY: "Formbricks 1.x to 2.7",
    GENERATION_CURRENT: "Formbricks 3.0 or later",
}
CONTACTS_PATH: Final = "/v1/management/contacts"
CONTACT_ATTRIBUTES_PATH: Final = "/v1/management/contact-attributes"
CONTACT_ATTRIBUTE_KEYS_PATH: Final = "/v1/management/contact-attribute-keys"
# Detection asks this path once per run: 3.0 and later answer it (200, or 403 on the community
# edition), 2.x has no such route (404). On 3.0+ its records are the attribute classes the run
# loads anyway, so detection costs no extra request there.
GENERATION_PROBE_PATH: Final = CONTACT_ATTRIBUTE_KEYS_PATH

# Resource name -> path below the base URL, per generation. On the current generation
# identified_peoples joins contacts with contact-attributes and the attribute keys.
LEGACY_ENDPOINT_PATHS: Final[dict[str, str]] = {
    "surveys": SURVEYS_PATH,
    "action_classes": "/v1/management/action-classes",
    "attribute_classes": "/v1/management/attribute-classes",
    "identified_peoples": "/v1/management/people",
    "responses": RESPONSES_PATH,
    "webhooks": "/v1/webhooks",
}
CURRENT_ENDPOINT_PATHS: Final[dict[str, str]] = {
    **LEGACY_ENDPOINT_PATHS,
    "attribute_classes": CONTACT_ATTRIBUTE_KEYS_PATH,
    "identified_peoples": CONTACTS_PATH,
}
CURRENT_PEOPLE_PATHS: Final = (CONTACTS_PATH, CONTACT_ATTRIBUTES_PATH, CONTACT_ATTRIBUTE_KEYS_PATH)


def endpoint_paths(generation: str) -> dict[str, str]:
    """Resource name -> the path it reads on `generation` (`legacy` or `current`)."""
    return dict(
        CURRENT_ENDPOINT_PATHS if generation == GENERATION_CURRENT else LEGACY_ENDPOINT_PATHS
    )


def endpoint_label(resource: str) -> str:
    """The endpoints a resource reads on each generation, for descriptions and errors."""
    legacy, current = LEGACY_ENDPOINT_PATHS[resource], CURRENT_ENDPOINT_PATHS[resource]
    if resource == "identified_peoples":
        current = " + ".join(CURRENT_PEOPLE_PATHS)
    if legacy == current:
        return f"GET {legacy}"
    return f"GET {legacy} (Formbricks <= 2.7), GET {current} (3.0 and later)"


# A run fails when one of these is refused: nothing useful can be built without them. The
# others are loaded when the server and key offer them, and skipped with a warning when not.
REQUIRED_RESOURCES: Final = ("surveys", "responses")
# Statuses that mean "this server or key does not offer the endpoint" rather than a failure.
REFUSAL_STATUSES: Final = (403, 404)

# Formbricks 2.7's people endpoint returns at most this many people (`take: ITEMS_PER_PAGE`,
# and the route passes no offset), so a legacy load of exactly this many may be cut short.
LEGACY_PEOPLE_LIMIT: Final = 30

# Nested objects the API sends as null when absent (a response without a contact; `person`
# is the field's name before the API renamed it).
NULLABLE_OBJECT_FIELDS: Final = ("contact", "person")

# The long answers table: `responses.answers` as dlt's child table `responses__answers`.
ANSWERS_FIELD: Final = "answers"

# Paging of /responses: offset paging with `limit` and `skip`, no total count. The original
# config's 100 stays the default: the API sets no maximum, but nothing promises a proxy in front
# of it accepts more (see the README's Performance section).
ENV_API_PAGE_SIZE: Final = "ANALYTICS_API_PAGE_SIZE"
DEFAULT_PAGE_SIZE: Final = 100
LIMIT_PARAM: Final = "limit"
OFFSET_PARAM: Final = "skip"

# Incremental loading of /responses. The API has no date filter, so the cursor is applied on the
# client: pages are read newest first until rows fall below (newest loaded createdAt - lookback).
RESPONSES_CURSOR_FIELD: Final = "createdAt"
RESPONSES_INITIAL_CURSOR: Final = "1970-01-01T00:00:00.000Z"
DEFAULT_RESPONSES_LOOKBACK_HOURS: Final = 24.0

# The change feed (`feed.py`): v2 lists responses by `updatedAt` since Formbricks 4.2.0, so a
# sync also applies edits to responses older than its window. `auto` uses it where the server
# has it; `off` syncs as before it (edits to old responses wait for the full refresh).
ENV_API_CHANGE_FEED: Final = "ANALYTICS_API_CHANGE_FEED"
CHANGE_FEED_AUTO: Final = "auto"
CHANGE_FEED_OFF: Final = "off"
CHANGE_FEED_SETTINGS: Final = (CHANGE_FEED_AUTO, CHANGE_FEED_OFF)
V2_RESPONSES_PATH: Final = "/v2/management/responses"
# v2's largest page: a `limit` above it is a 422, not clamped.
V2_PAGE_SIZE: Final = 250
# Edited old responses one sync reads by id (one v1 request each). 50 requests are half a
# minute of the API's 100 a minute, with the sync's own few pages: the rest wait a sync.
ENV_API_CHANGES_PER_SYNC: Final = "ANALYTICS_API_CHANGES_PER_SYNC"
DEFAULT_CHANGES_PER_SYNC: Final = 50
# The feed is read from its mark minus this margin: an edit whose transaction committed after
# a later one (its `updatedAt` is earlier) is still seen.
DEFAULT_CHANGE_FEED_MARGIN_MINUTES: Final = 10.0
# Where the mark lives in the responses resource's dlt state (in the destination).
CHANGE_FEED_STATE_KEY: Final = "change_feed"

# Retry policy: 429 and the gateway-style 5xx are transient; every other 4xx is
# a permanent answer about the request and is not retried.
RETRY_STATUS_CODES: Final = (429, 500, 502, 503, 504)
DEFAULT_MAX_RETRIES: Final = 3  # 4 attempts in all
DEFAULT_BACKOFF_FACTOR: Final = 2.0  # waits 2 s, 4 s, 8 s unless Retry-After says otherwise
DEFAULT_MAX_RETRY_DELAY_SECONDS: Final = 60.0
# The API's rate-limit window. Its limiter counts fixed windows aligned to the clock and its 429s
# carry no Retry-After, so a 429 without one waits for the next window to begin, plus a margin
# (the session supplies it as the Retry-After dlt's retrying client honours; `client.py`).
DEFAULT_RATE_LIMIT_WINDOW_SECONDS: Final = 60.0
DEFAULT_REQUEST_TIMEOUT_SECONDS: Final = 60.0

RESOURCE_DESCRIPTIONS: Final[dict[str, str]] = {
    "surveys": (
        "Surveys of the workspace, with their questions (child table `surveys__questions`), "
        "endings and triggers. Loaded whole on every run from `GET /v1/management/surveys` "
        "and merged on `id`."
    ),
    "action_classes": (
        "Action classes (code, no-code and automatic actions that can trigger surveys). Loaded "
        "whole from `GET /v1/management/action-classes` and merged on `id`."
    ),
    "attribute_classes": (
        "The attributes people can carry (email, plan, ...): `name` is the attribute's key. "
        "Formbricks 1.x-2.7: `GET /v1/management/attribute-classes`. Formbricks 3.0 and later: "
        "the contact attribute keys, `GET /v1/management/contact-attribute-keys` (Enterprise; "
        "empty on the community edition). Loaded whole and merged on `id`."
    ),
    "identified_peoples": (
        "Identified people with `user_id` and their attributes as a JSON object. Formbricks "
        "1.x-2.7: `GET /v1/management/people`. Formbricks 3.0 and later: the contacts, joined "
        "with `GET /v1/management/contact-attributes` and the attribute keys (Enterprise; empty "
        "on the community edition). Loaded whole and merged on `id`."
    ),
    "responses": (
        "Survey responses: answers (`data`, JSON keyed by question id), time to complete "
        "(`ttc`), metadata, contact, tags (`responses__tags`) and notes (until Formbricks 4.0). "
        "Read newest first from `GET /v1/management/responses` in pages of `limit`/`skip` and "
        "merged on `id`."
    ),
    "webhooks": (
        "Webhooks registered on the workspace, with their triggers and survey filters. "
        "Loaded whole from `GET /v1/webhooks` and merged on `id`."
    ),
}


# Client-side request budget (the API allows 100 requests a minute per key), kept in a SQLite
# file that every process of one Dagster instance shares: runs and the sensor alike.
ENV_API_REQUESTS_PER_MINUTE: Final = "ANALYTICS_API_REQUESTS_PER_MINUTE"
DEFAULT_REQUESTS_PER_MINUTE: Final = 100
REQUEST_BUDGET_FILE: Final = "analytics_api_request_budget.sqlite"

# dlt's load file format for DuckDB: Parquet loads ~20x faster than INSERT VALUES (benchmarks/).
# Other destinations get their own preferred format unless `warehouse.loader_file_format` says.
DUCKDB_LOADER_FILE_FORMAT: Final = "parquet"

# Responses built into Arrow tables at a time (`arrow/`): dlt's cost per Arrow item
# is paid once per batch instead of once per page, and a batch's rows stay small in memory.
RESPONSES_ARROW_BATCH: Final = 2_500

# The destination, by dlt's name for it; its credentials come from dlt's own settings
# (e.g. DESTINATION__POSTGRES__CREDENTIALS). DuckDB uses ANALYTICS_DUCKDB_PATH instead.
ENV_DESTINATION: Final = "ANALYTICS_DESTINATION"
DEFAULT_DESTINATION: Final = "duckdb"


# What a complete read does to rows the API no longer returns (`deletions.py`): delete them,
# with their nested rows, or keep them with `deleted_at` set.
ENV_DELETIONS: Final = "ANALYTICS_DELETIONS"
DELETIONS_DELETE: Final = "delete"
DELETIONS_FLAG: Final = "flag"
DELETION_MODES: Final = (DELETIONS_DELETE, DELETIONS_FLAG)
DEFAULT_DELETIONS: Final = DELETIONS_DELETE
# The guard against a partial list (a wrong key scope, a proxy): a read that would remove more
# than this share of a table holding at least MASS_DELETION_MIN_ROWS rows deletes nothing from
# it unless the run confirms it (`confirm_deletions`).
MASS_DELETION_SHARE: Final = 0.5
MASS_DELETION_MIN_ROWS: Final = 20

# DuckDB's memory limit for the project's connections (its default is 80% of RAM).
DEFAULT_DUCKDB_MEMORY_LIMIT: Final = "128MB"

# Rows dlt's writers buffer per table (dlt's default 5,000): 1,000 cut normalize's memory of
# 100k responses by ~130 MB at no measurable cost in time (benchmarks/).
DEFAULT_WRITER_BUFFER_MAX_ITEMS: Final = 1000
