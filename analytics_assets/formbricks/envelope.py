"""The API's envelope: every list comes back as `{"data": [records with an id]}`.

`check_envelope` refuses anything else, naming the endpoint: dlt's `data_selector` would find
nothing in `{"items": []}` and load nothing, reporting success, and a proxy's HTML page would fail
deep inside dlt with a JSON error. Written by hand because dlt has no such check.
"""

from typing import Any
from urllib.parse import urlsplit

import orjson
from requests import Response

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.errors import AnalyticsApiError


def data_list(response: Response, label: str) -> list[Any]:
    """The `data` list of a 200 envelope, or an error naming the request (`label`).

    For the project's own requests outside dlt (the sensor's, the change feed's).
    """
    if response.status_code != 200:
        raise AnalyticsApiError(f"{label}: HTTP {response.status_code}")
    try:
        records = response.json()[settings.DATA_SELECTOR]
    except (ValueError, KeyError, TypeError):
        raise AnalyticsApiError(f'{label}: the body is not a {{"data": [...]}} envelope') from None
    if not isinstance(records, list):
        raise AnalyticsApiError(f"{label}: `data` is not a list")
    return records


def check_envelope(response: Response, *args: Any, **kwargs: Any) -> Response:
    """Fail on a body that is not `{"data": [records with id]}`, naming the endpoint.

    dlt's `data_selector` finds nothing in `{"items": []}` and loads nothing, reporting success;
    a proxy's HTML page fails deep in dlt with a JSON error. Error statuses pass through untouched
    for the retry policy and dlt's status check. The parsed body is kept on the response so dlt
    does not parse it a second time.
    """
    if not response.ok:
        return response
    path = urlsplit(response.url).path
    try:
        # orjson: about three times faster than the simplejson requests would use, on every page.
        # It refuses a byte-order mark, which requests' parser accepts, so a body it refuses
        # gets that parser before being called not JSON. Both refuse NaN, which Formbricks
        # (JSON.stringify) never writes.
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = response.json()
    except ValueError:
        content_type = response.headers.get("Content-Type", "none")
        raise AnalyticsApiError(
            f"GET {path} answered HTTP {response.status_code} with a body that is not JSON "
            f"(Content-Type: {content_type}); a proxy or login page may be in the way."
        ) from None
    if not isinstance(body, dict) or settings.DATA_SELECTOR not in body:
        keys = sorted(body)[:5] if isinstance(body, dict) else type(body).__name__
        raise AnalyticsApiError(
            f'GET {path} answered without the {{"data": [...]}} envelope (got {keys}); '
            "refusing to load nothing and call it a success."
        )
    records = body[settings.DATA_SELECTOR]
    if not isinstance(records, list):
        raise AnalyticsApiError(
            f"GET {path}: `data` is a {type(records).__name__}, not a list of records."
        )
    for position, record in enumerate(records):
        if not isinstance(record, dict) or record.get(settings.PRIMARY_KEY) in (None, ""):
            raise AnalyticsApiError(
                f"GET {path}: record {position} of the page has no `{settings.PRIMARY_KEY}`; "
                "it cannot be merged."
            )
    response.json = lambda *a, **k: body  # type: ignore[method-assign]
    return response
