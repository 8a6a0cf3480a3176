"""`new_responses_sensor`: one cheap look at the API per tick, a run when a response is new.

Each tick asks for the newest response only (one request, `limit=1`, no retries), compares it
with the cursor (the newest `createdAt` and `id` seen), and requests a run of the responses
asset and everything downstream of it when a newer one appeared. The first tick only records
the cursor. API errors skip the tick with the reason; the next tick is the retry.
"""

import json

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from analytics_assets.formbricks import settings
from analytics_assets.component.ingestion import asset_key_for, instance_directory
from analytics_assets.formbricks.errors import AnalyticsApiError, AnalyticsConfigurationError
from analytics_assets.component.resources import AnalyticsApiResource

RESPONSES_AND_DOWNSTREAM = AssetSelection.assets(
    asset_key_for(settings.PAGED_RESOURCE)
).downstream()


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


def build_new_responses_sensor(minimum_interval_seconds: int) -> SensorDefinition:
    """The sensor, ticking at most every `minimum_interval_seconds`.

    Args:
        minimum_interval_seconds: From ANALYTICS_SENSOR_INTERVAL_SECONDS.
    """

    @sensor(
        name="new_responses_sensor",
        minimum_interval_seconds=minimum_interval_seconds,
        asset_selection=RESPONSES_AND_DOWNSTREAM,
        default_status=DefaultSensorStatus.STOPPED,
        description=(
            "Asks the API for its newest response (one request per tick) and materializes "
            "responses and everything downstream when a new one appeared."
        ),
    )
    def new_responses_sensor(
        context: SensorEvaluationContext, analytics_api: AnalyticsApiResource
    ) -> SensorResult | SkipReason:
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
