"""Schedules: an hourly incremental sync and a weekly full refresh.

Both start stopped, as Dagster's schedules do by default: switch them on in the UI
(Automation) or with `dagster schedule start`, and run `dagster-daemon` (which
`dagster dev` starts for you) so they tick.
"""

from dagster import DagsterInvalidDefinitionError, DefaultScheduleStatus, ScheduleDefinition

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.errors import AnalyticsConfigurationError
from analytics_assets.component.jobs import analytics_api_full_refresh, analytics_api_sync


def _schedule(name: str, cron: str, setting: str, **kwargs: object) -> ScheduleDefinition:
    """A schedule on `cron`; Dagster's own check of the cron string, reported as our setting."""
    try:
        return ScheduleDefinition(name=name, cron_schedule=cron, **kwargs)  # type: ignore[arg-type]
    except DagsterInvalidDefinitionError:
        raise AnalyticsConfigurationError(
            f"{setting}={cron!r} is not a cron string (e.g. '0 * * * *' for hourly)."
        ) from None


def build_schedules(sync_cron: str, full_refresh_cron: str) -> list[ScheduleDefinition]:
    """The two schedules, on the given cron strings.

    Args:
        sync_cron: When `analytics_api_sync` runs (ANALYTICS_SYNC_CRON).
        full_refresh_cron: When `analytics_api_full_refresh` runs (ANALYTICS_FULL_REFRESH_CRON).
    """
    return [
        _schedule(
            "analytics_api_sync_schedule",
            sync_cron,
            settings.ENV_SYNC_CRON,
            job=analytics_api_sync,
            default_status=DefaultScheduleStatus.STOPPED,
            description="Incremental sync of the analytics API.",
        ),
        _schedule(
            "analytics_api_full_refresh_schedule",
            full_refresh_cron,
            settings.ENV_FULL_REFRESH_CRON,
            job=analytics_api_full_refresh,
            default_status=DefaultScheduleStatus.STOPPED,
            description="Full re-read and merge of the analytics API.",
        ),
    ]
