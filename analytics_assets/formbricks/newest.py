"""The newest response, in one request: what the new-responses sensor looks at on each tick."""

from typing import Any

import requests
from requests import Session

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.envelope import data_list
from analytics_assets.formbricks.errors import AnalyticsApiError


def fetch_newest_response(
    session: Session, base_url: str, api_key: str, timeout_seconds: float
) -> dict[str, Any] | None:
    """The newest response (`limit=1`), sent once through `session`.

    Returns:
        The newest response record, or None when the API has no responses.

    Raises:
        AnalyticsApiError: The API answered with an error or a body that is not the envelope.
    """
    path = settings.RESPONSES_PATH
    try:
        response = session.get(
            base_url + path,
            params={settings.LIMIT_PARAM: 1},
            headers={settings.API_KEY_HEADER: api_key},
            timeout=timeout_seconds,
        )
    except requests.RequestException as error:
        raise AnalyticsApiError(f"GET {path}: {type(error).__name__} reaching {base_url}") from None
    records = data_list(response, f"GET {path}")
    if not records:
        return None
    newest = records[0]
    if not isinstance(newest, dict) or not newest.get("id") or not newest.get("createdAt"):
        raise AnalyticsApiError(f"GET {path}: the newest record has no `id` or `createdAt`")
    return newest
