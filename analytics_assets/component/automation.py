"""What runs one instance's loads: its two jobs, their schedules and the new-responses sensor.

- The sync job materializes the six ingestion assets, reading responses only down to the
  lookback window; the full-refresh job re-reads everything (`full_refresh: true`).
- Both schedules start stopped, as Dagster's do by default: switch them on in the UI
  (Automation) or with `dagster schedule start`, and run `dagster-daemon` (which `dg dev` and
  `dagster dev` start for you) so they tick.
- The sensor takes one cheap look at the API per tick: it asks for the newest response only
  (one request, `limit=1`, no retries), compares it with the cursor (the newest `createdAt` and
  `id` seen), and requests a run of responses and everything downstream when a newer one
  appeared. The first tick only records the cursor. API errors skip the tick with the reason;
  the next tick is the retry.
"""

import json
from typing import Any

from dagster import (
    AssetsDefinition,
    AssetSelection,
    DagsterInvalidDefinitionError,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    sensor,
)

from analytics_assets.component.ingestion.run import instance_directory
from analytics_assets.component.names import LoaderNames
from analytics_assets.config import ENV_FULL_REFRESH_CRON, ENV_SYNC_CRON
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.errors import AnalyticsApiError, AnalyticsConfigurationError


def build_jobs(names: LoaderNames, ingestion: AssetsDefinition) -> tuple[Any, Any]:
    """The sync job and the full-refresh job over the ingestion assets (as `define_asset_job`
    returns them: Dagster exports no name for their type)."""
    selection = AssetSelection.assets(ingestion)
    sync = define_asset_job(
        name=names.sync_job,
        selection=selection,
        description=(
            "Materialize the six ingestion assets. Responses are read newest first only down to "
            f"the lookback window behind the newest loaded `{settings.RESPONSES_CURSOR_FIELD}`; "
            "rows of the five small endpoints that the API no longer returns are removed."
        ),
    )
    full_refresh = define_asset_job(
        name=names.full_refresh_job,
        selection=selection,
        description=(
            "Re-read every endpoint completely and merge on `id`: heals edits older than the "
            "lookback window without dropping or duplicating anything, and removes the "
            "responses the API no longer returns (set `confirm_deletions` to apply a deletion "
            "the mass-deletion guard held back)."
        ),
        config={"ops": {ingestion.op.name: {"config": {"full_refresh": True}}}},
    )
    return sync, full_refresh


def _schedule(name: str, cron: str, setting: str, **kwargs: object) -> ScheduleDefinition:
    """A schedule on `cron`; Dagster's own check of the cron string, reported as our setting."""
    try:
        return ScheduleDefinition(name=name, cron_schedule=cron, **kwargs)  # type: ignore[arg-type]
    except DagsterInvalidDefinitionError:
        raise AnalyticsConfigurationError(
            f"{setting}={cron!r} is not a cron string (e.g. '0 * * * *' for hourly)."
        ) from None


def build_schedules(
    names: LoaderNames,
    sync: Any,
    full_refresh: Any,
    *,
    sync_cron: str,
    full_refresh_cron: str,
) -> list[ScheduleDefinition]:
    """The two schedules, on the given cron strings (stopped until switched on)."""
    return [
        _schedule(
            names.sync_schedule,
            sync_cron,
            ENV_SYNC_CRON,
            job=sync,
            default_status=DefaultScheduleStatus.STOPPED,
            description="Incremental sync of the analytics API.",
        ),
        _schedule(
            names.full_refresh_schedule,
            full_refresh_cron,
            ENV_FULL_REFRESH_CRON,
            job=full_refresh,
            default_status=DefaultScheduleStatus.STOPPED,
            description="Full re-read and merge of the analytics API.",
        ),
    ]


def _marker(record: dict) -> dict[str, str]:
    return {"created_at": str(record["createdAt"]), "id": str(record["id"])}


def _read_cursor(cursor: str | None) -> dict[str, str] | None:
    """The marker a previous tick stored, or None for no cursor or one this sensor did not write."""
    if not cursor:
        return None
    try:
        marker = json.loads(cursor)
        return {"created_at": str(marker["created_at"]), "id": str(marker["id"])}
    except (ValueError, TypeError, KeyError):
        return None


def _describe(marker: dict[str, str]) -> str:
    return f"{marker['id']} created {marker['created_at']}"


def build_new_responses_sensor(
    names: LoaderNames, minimum_interval_seconds: int
) -> SensorDefinition:
    """The sensor, ticking at most every `minimum_interval_seconds`.

    Args:
        names: The instance's names (the sensor's, the responses asset's, the API resource's).
        minimum_interval_seconds: From ANALYTICS_SENSOR_INTERVAL_SECONDS.
    """

    @sensor(
        name=names.new_responses_sensor,
        minimum_interval_seconds=minimum_interval_seconds,
        asset_selection=AssetSelection.assets(
            names.asset_key(settings.PAGED_RESOURCE)
        ).downstream(),
        required_resource_keys={names.api_resource},
        default_status=DefaultSensorStatus.STOPPED,
        description=(
            "Asks the API for its newest response (one request per tick) and materializes "
            "responses and everything downstream when a new one appeared."
        ),
    )
    # The API resource's key is the instance's, so it cannot be a parameter's name: a tick
    # reads it from the context; a direct invocation (tests) passes it as a keyword too.
    def new_responses_sensor(
        context: SensorEvaluationContext, **_: object
    ) -> SensorResult | SkipReason:
        analytics_api = getattr(context.resources, names.api_resource)
        try:
            newest = analytics_api.fetch_newest_response(instance_directory(context))
        except (AnalyticsApiError, AnalyticsConfigurationError) as error:
            return SkipReason(f"Could not read the newest response: {error}. Trying next tick.")
        if newest is None:
            return SkipReason("The API has no responses yet.")

        seen = _marker(newest)
        previous = _read_cursor(context.cursor)
        if previous is None:
            first = "First tick" if context.cursor is None else "Unreadable cursor"
            return SensorResult(
                skip_reason=SkipReason(
                    f"{first}: recorded the newest response ({_describe(seen)}) as the "
                    "starting point; the next new response triggers a run."
                ),
                cursor=json.dumps(seen),
            )
        if (seen["created_at"], seen["id"]) <= (previous["created_at"], previous["id"]):
            return SkipReason(f"No new response: the newest is still {_describe(previous)}.")
        return SensorResult(
            run_requests=[RunRequest(run_key=f"responses-{seen['created_at']}-{seen['id']}")],
            cursor=json.dumps(seen),
        )

    return new_responses_sensor
