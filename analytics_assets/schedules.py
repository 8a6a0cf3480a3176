"""Schedules: an hourly incremental sync and a weekly full refresh.

Both start stopped, as Dagster's schedules do by default: switch them on in the UI
(Automation) or with `dagster schedule start`, and run `dagster-daemon` (which
`dagster dev` starts for you) so they tick.
"""

from dagster import DefaultScheduleStatus, ScheduleDefinition
from dagster._utils.schedules import is_valid_cron_string

from analytics_assets.jobs import analytics_api_full_refresh, analytics_api_sync
from analytics_assets.resources import AnalyticsConfigurationError


def _checked_cron(cron: str, setting: str) -> str:
    if not is_valid_cron_string(cron):
        raise AnalyticsConfigurationError(
            f"{setting}={cron!r} is not a cron string (e.g. '0 * * * *' for hourly)."
        )
    return cron


def build_schedules(sync_cron: str, full_refresh_cron: str) -> list[ScheduleDefinition]:
    """The two schedules, on the given cron strings.

    Args:
        sync_cron: When `analytics_api_sync` runs (ANALYTICS_SYNC_CRON).
        full_refresh_cron: When `analytics_api_full_refresh` runs (ANALYTICS_FULL_REFRESH_CRON).
    """
    return [
        ScheduleDefinition(
            name="analytics_api_sync_schedule",
            job=analytics_api_sync,
            cron_schedule=_checked_cron(sync_cron, "ANALYTICS_SYNC_CRON"),
            default_status=DefaultScheduleStatus.STOPPED,
            description="Incremental sync of the analytics API.",
        ),
        ScheduleDefinition(
            name="analytics_api_full_refresh_schedule",
            job=analytics_api_full_refresh,
            cron_schedule=_checked_cron(full_refresh_cron, "ANALYTICS_FULL_REFRESH_CRON"),
            default_status=DefaultScheduleStatus.STOPPED,
            description="Full re-read and merge of the analytics API.",
        ),
    ]
