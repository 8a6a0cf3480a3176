"""Every setting the project reads from the environment, read here and nowhere else.

Two moments read them:

- When the code location loads, `location_settings()` returns them as one frozen object: the
  schedules' cron strings (`ANALYTICS_SYNC_CRON`, `ANALYTICS_FULL_REFRESH_CRON`), the sensor's
  least interval (`ANALYTICS_SENSOR_INTERVAL_SECONDS`) and the freshness check's hours
  (`ANALYTICS_FRESHNESS_HOURS`). Each has a default, so definitions load with none of them set,
  and a malformed one fails the load naming the variable. The destination's name shown as an
  asset kind (`ANALYTICS_DESTINATION`) is read by `destination_kind()` as the asset modules
  load: their decorators need it then.
- When a run starts, a resource field left unset falls back to its variable through
  `run_setting`: `ANALYTICS_DESTINATION`, `ANALYTICS_DUCKDB_PATH`, `ANALYTICS_API_GENERATION`,
  `ANALYTICS_DELETIONS`, `ANALYTICS_API_PAGE_SIZE`, `ANALYTICS_API_REQUESTS_PER_MINUTE`.
  The request budget's file defaults to the instance folder, `DAGSTER_HOME` (`dagster_home()`).
  `ANALYTICS_API_BASE_URL` and `ANALYTICS_API_KEY` are not read here: `definitions.py` hands
  them to the resource as Dagster `EnvVar`s, so the UI and run config show the variable's name,
  never the key.

The names and defaults are constants of `settings.py`.
"""

import math
import re
from dataclasses import dataclass

from dagster import EnvVar

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.errors import AnalyticsConfigurationError

_DESTINATION_NAME = re.compile(r"[a-z0-9_.]+")


def run_setting(name: str, default: str) -> str:
    """The variable `name`, or `default` when it is unset (read when a run needs it)."""
    value = EnvVar(name).get_value(default)
    return default if value is None else value


def dagster_home() -> str | None:
    """Dagster's instance folder (`DAGSTER_HOME`), when a run has no instance to ask."""
    return EnvVar("DAGSTER_HOME").get_value()


def is_destination_name(value: str) -> bool:
    """A plain destination name (`postgres`, `dlt.destinations.duckdb`), not a connection string."""
    return bool(_DESTINATION_NAME.fullmatch(value))


@dataclass(frozen=True)
class LocationSettings:
    """The settings read when the code location loads.

    Attributes:
        sync_cron: When `analytics_api_sync_schedule` runs.
        full_refresh_cron: When `analytics_api_full_refresh_schedule` runs.
        sensor_interval_seconds: Least time between two ticks of `new_responses_sensor`.
        freshness_hours: Age of the newest responses load past which `freshness_check` warns.
    """

    sync_cron: str
    full_refresh_cron: str
    sensor_interval_seconds: int
    freshness_hours: float


def _sensor_interval_seconds() -> int:
    raw = run_setting(
        settings.ENV_SENSOR_INTERVAL_SECONDS, str(settings.DEFAULT_SENSOR_INTERVAL_SECONDS)
    )
    if not raw.strip().isdigit() or int(raw) < 1:
        raise AnalyticsConfigurationError(
            f"{settings.ENV_SENSOR_INTERVAL_SECONDS}={raw!r} must be a whole number of seconds."
        )
    return int(raw)


def _freshness_hours() -> float:
    raw = run_setting(settings.ENV_FRESHNESS_HOURS, str(settings.DEFAULT_FRESHNESS_HOURS))
    try:
        hours = float(raw)
    except ValueError:
        hours = math.nan
    if not (math.isfinite(hours) and hours > 0):
        raise AnalyticsConfigurationError(
            f"{settings.ENV_FRESHNESS_HOURS}={raw!r} must be a number of hours above 0."
        )
    return hours


def destination_kind() -> str:
    """The destination's name for the assets' kinds, read when `assets.py` and `marts.py` load.

    Anything but a plain name (a DSN pasted into the wrong variable, say) shows as
    `warehouse`, so a password can never become a tag in the UI.
    """
    raw = run_setting(settings.ENV_DESTINATION, settings.DEFAULT_DESTINATION)
    name = (raw or settings.DEFAULT_DESTINATION).strip().lower() or settings.DEFAULT_DESTINATION
    return name if is_destination_name(name) else "warehouse"


def location_settings() -> LocationSettings:
    """The settings of the code location, read from the environment now."""
    return LocationSettings(
        sync_cron=run_setting(settings.ENV_SYNC_CRON, settings.DEFAULT_SYNC_CRON),
        full_refresh_cron=run_setting(
            settings.ENV_FULL_REFRESH_CRON, settings.DEFAULT_FULL_REFRESH_CRON
        ),
        sensor_interval_seconds=_sensor_interval_seconds(),
        freshness_hours=_freshness_hours(),
    )
