"""Every environment variable of the project, parsed once, here, into one frozen model.

`read_settings()` reads them and returns a `ProjectSettings`; a malformed value fails naming the
variable. Each has a default, so definitions load with none of them set. Two moments call it:

- when the code location loads, for what definitions need then (`LOCATION_FIELDS`): the
  schedules' cron strings, the sensor's interval, the freshness window and the destination's
  name shown as an asset kind. Only those are read then, so a malformed run-time variable fails
  the runs that use it, not the loading of every instance's schedules and sensors;
- when a run starts, for what a resource field left unset falls back to: the destination, the
  DuckDB file, the API generation, the deletions mode, the page size and the request budget.

The API's base URL and key are not read here: the component hands them to the resource as
Dagster `EnvVar`s, so the UI and run config show the variable's name, never the key. The names
of the variables and their defaults are constants of `formbricks/settings.py` (the API's) and
of this module (Dagster's).
"""

import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.errors import AnalyticsConfigurationError
from analytics_assets.formbricks.generations import parse_generation_setting

ENV_SYNC_CRON: Final = "ANALYTICS_SYNC_CRON"
ENV_FULL_REFRESH_CRON: Final = "ANALYTICS_FULL_REFRESH_CRON"
ENV_SENSOR_INTERVAL_SECONDS: Final = "ANALYTICS_SENSOR_INTERVAL_SECONDS"
ENV_FRESHNESS_HOURS: Final = "ANALYTICS_FRESHNESS_HOURS"
ENV_DAGSTER_HOME: Final = "DAGSTER_HOME"
DEFAULT_SYNC_CRON: Final = "0 * * * *"  # hourly, on the hour
DEFAULT_FULL_REFRESH_CRON: Final = "0 3 * * 0"  # weekly, Sunday 03:00
DEFAULT_SENSOR_INTERVAL_SECONDS: Final = 300
# Responses are stale past this age of their newest load (the sync is hourly).
DEFAULT_FRESHNESS_HOURS: Final = 2.0

_DESTINATION_NAME = re.compile(r"[a-z0-9_.]+")


def is_destination_name(value: str) -> bool:
    """A plain destination name (`postgres`, `dlt.destinations.duckdb`), not a connection string."""
    return bool(_DESTINATION_NAME.fullmatch(value))


def destination_kind(value: str | None) -> str:
    """A destination's name as an asset kind (blank: the default destination).

    Anything but a plain name (a DSN pasted into the wrong variable, say) shows as `warehouse`,
    so a password can never become a tag in the UI.
    """
    name = (value or "").strip().lower() or settings.DEFAULT_DESTINATION
    return name if is_destination_name(name) else "warehouse"


@dataclass(frozen=True)
class ProjectSettings:
    """The project's environment, parsed.

    Attributes:
        sync_cron: When the sync schedule runs (`ANALYTICS_SYNC_CRON`).
        full_refresh_cron: When the full-refresh schedule runs (`ANALYTICS_FULL_REFRESH_CRON`).
        sensor_interval_seconds: Least time between two ticks of the new-responses sensor.
        freshness_hours: Age of the newest responses load past which responses are stale.
        destination: The dlt destination's name as given, lower case; checked by the warehouse
            resource, which knows whether it came from a field or from `ANALYTICS_DESTINATION`.
        duckdb_path: The DuckDB file (`ANALYTICS_DUCKDB_PATH`), as given.
        api_generation: `auto`, `legacy` or `current` (`ANALYTICS_API_GENERATION`).
        deletions: `delete` or `flag` (`ANALYTICS_DELETIONS`).
        page_size: Responses per page (`ANALYTICS_API_PAGE_SIZE`).
        requests_per_minute: The request budget; 0 is off (`ANALYTICS_API_REQUESTS_PER_MINUTE`).
        change_feed: `auto` or `off` (`ANALYTICS_API_CHANGE_FEED`).
        changes_per_sync: Edited old responses a sync reads by id
            (`ANALYTICS_API_CHANGES_PER_SYNC`).
        dagster_home: The Dagster instance's folder, when a run has no instance to ask.
    """

    sync_cron: str = DEFAULT_SYNC_CRON
    full_refresh_cron: str = DEFAULT_FULL_REFRESH_CRON
    sensor_interval_seconds: int = DEFAULT_SENSOR_INTERVAL_SECONDS
    freshness_hours: float = DEFAULT_FRESHNESS_HOURS
    destination: str = settings.DEFAULT_DESTINATION
    duckdb_path: str = settings.DEFAULT_DUCKDB_PATH
    api_generation: str = settings.GENERATION_AUTO
    deletions: str = settings.DEFAULT_DELETIONS
    page_size: int = settings.DEFAULT_PAGE_SIZE
    requests_per_minute: int = settings.DEFAULT_REQUESTS_PER_MINUTE
    change_feed: str = settings.CHANGE_FEED_AUTO
    changes_per_sync: int = settings.DEFAULT_CHANGES_PER_SYNC
    dagster_home: str | None = None


def _whole_number(name: str, raw: str, *, minimum: int) -> int:
    if not raw.strip().isdigit() or int(raw) < minimum:
        raise AnalyticsConfigurationError(
            f"{name}={raw!r} must be a whole number of at least {minimum}."
        )
    return int(raw)


def _sensor_interval(name: str, raw: str) -> int:
    if not raw.strip().isdigit() or int(raw) < 1:
        raise AnalyticsConfigurationError(f"{name}={raw!r} must be a whole number of seconds.")
    return int(raw)


def _hours(name: str, raw: str) -> float:
    try:
        hours = float(raw)
    except ValueError:
        hours = math.nan
    if not (math.isfinite(hours) and hours > 0):
        raise AnalyticsConfigurationError(f"{name}={raw!r} must be a number of hours above 0.")
    return hours


def _deletions(name: str, raw: str) -> str:
    mode = raw.strip().lower() or settings.DEFAULT_DELETIONS
    if mode not in settings.DELETION_MODES:
        raise AnalyticsConfigurationError(
            f"{name}={raw!r} must be `delete` (the warehouse shows what the API shows) or "
            "`flag` (rows the API no longer returns stay, with `deleted_at`)."
        )
    return mode


def _change_feed(name: str, raw: str) -> str:
    setting = raw.strip().lower() or settings.CHANGE_FEED_AUTO
    if setting not in settings.CHANGE_FEED_SETTINGS:
        raise AnalyticsConfigurationError(
            f"{name}={raw!r} must be `auto` (use the v2 change feed where the server has one) "
            "or `off` (edits to responses older than the sync's window wait for the full "
            "refresh)."
        )
    return setting


def _text(name: str, raw: str) -> str:
    return raw


# Field -> (variable, parser of its text). A blank value means the default for the numbers.
_PARSERS: Final[dict[str, tuple[str, Callable[[str, str], object]]]] = {
    "sync_cron": (ENV_SYNC_CRON, _text),
    "full_refresh_cron": (ENV_FULL_REFRESH_CRON, _text),
    "sensor_interval_seconds": (ENV_SENSOR_INTERVAL_SECONDS, _sensor_interval),
    "freshness_hours": (ENV_FRESHNESS_HOURS, _hours),
    "duckdb_path": (settings.ENV_DUCKDB_PATH, _text),
    "api_generation": (settings.ENV_API_GENERATION, lambda _, raw: parse_generation_setting(raw)),
    "deletions": (settings.ENV_DELETIONS, _deletions),
    "page_size": (
        settings.ENV_API_PAGE_SIZE,
        lambda name, raw: _whole_number(name, raw, minimum=1),
    ),
    "requests_per_minute": (
        settings.ENV_API_REQUESTS_PER_MINUTE,
        lambda name, raw: _whole_number(name, raw, minimum=0),
    ),
    "change_feed": (settings.ENV_API_CHANGE_FEED, _change_feed),
    "changes_per_sync": (
        settings.ENV_API_CHANGES_PER_SYNC,
        lambda name, raw: _whole_number(name, raw, minimum=1),
    ),
}
# What the code location needs when it loads; the rest is read when a run starts.
LOCATION_FIELDS: Final = (
    "sync_cron",
    "full_refresh_cron",
    "sensor_interval_seconds",
    "freshness_hours",
    "destination",
)
# Whole-number settings whose variable, set to blanks, means the default.
_BLANK_IS_DEFAULT: Final = ("page_size", "requests_per_minute", "changes_per_sync")


def read_settings(
    environ: Mapping[str, str] | None = None, *, fields: Sequence[str] | None = None
) -> ProjectSettings:
    """The project's settings from `environ` (default: this process's environment), now.

    Args:
        environ: The variables to read.
        fields: Read only these (e.g. `LOCATION_FIELDS`); the others keep their defaults.
    """
    environ = os.environ if environ is None else environ
    wanted = set(fields) if fields is not None else None
    values: dict[str, object] = {}
    for field, (name, parse) in _PARSERS.items():
        if wanted is not None and field not in wanted:
            continue
        raw = environ.get(name)
        if raw is None or (field in _BLANK_IS_DEFAULT and not raw.strip()):
            continue
        values[field] = parse(name, raw)
    destination = environ.get(settings.ENV_DESTINATION)
    if destination is not None and (wanted is None or "destination" in wanted):
        values["destination"] = destination.strip().lower()
    if environ.get(ENV_DAGSTER_HOME):
        values["dagster_home"] = environ[ENV_DAGSTER_HOME]
    return ProjectSettings(**values)  # type: ignore[arg-type]
