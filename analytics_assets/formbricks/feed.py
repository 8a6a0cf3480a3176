"""The change feed: every response whose `updatedAt` moved since a mark, from the v2 API.

v1 lists responses newest first by `createdAt` and cannot filter, so a sync re-reads only a
window of recent responses. Since Formbricks 4.2.0, `GET /v2/management/responses` filters on
`updatedAt` (`filterDateField=updatedAt`, `startDate` inclusive), which finds an edit to a
response of any age. Written by hand, because its paging has two traps no dlt paginator covers:

- No total, and no id tie-breaker: responses sharing an `updatedAt` (a bulk edit) come back in a
  new order on every request, so offset paging across such a group loses some and repeats
  others. The read moves `startDate` to the last `updatedAt` of each full page instead
  (`startDate` is inclusive, so that instant's group is read again, whole, on the next page).
- A group larger than a page (250, v2's cap) fills a page with one `updatedAt`; it is read on
  its own (`startDate = endDate =` that instant) sorted by `createdAt`, and read again until the
  ids it holds add up to its size, since `createdAt` may tie too.

Detection costs one request: v2's query schema rejects an unknown `filterDateField` value with
a 422 naming the field on 4.2.0 and later, and strips the parameter (answering 200, filtering on
`createdAt`) on 4.0 and 4.1, which have v2 but no such filter.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from dlt.sources.helpers.rest_client import RESTClient
from requests import Response

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.envelope import data_list
from analytics_assets.formbricks.errors import AnalyticsApiError

# A `filterDateField` value no server accepts: the probe asks whether the server checks it.
_PROBE_VALUE = "probe"
# Reads of one over-full tie group before the feed stops at it (each read is shuffled anew).
GROUP_READS = 8


@dataclass(frozen=True)
class FeedEntry:
    """One response the feed listed: its id and when it last changed."""

    id: str
    updated_at: datetime


@dataclass(frozen=True)
class FeedAvailability:
    """Whether the server has the change feed, and why not."""

    available: bool
    reason: str = ""


@dataclass
class FeedRead:
    """What one read of the feed found.

    Attributes:
        entries: The responses listed, by id.
        pages: Requests made (pages and tie-group pages).
        complete: False when the read stopped before the feed's end: asked to (`enough`), or
            at an over-full tie group that never added up (`stalled`). `stopped_at` is where,
            and nothing from that instant onwards is in `entries`.
        stalled: The read stopped at a tie group it could not read whole.
    """

    entries: dict[str, FeedEntry] = field(default_factory=dict)
    pages: int = 0
    complete: bool = True
    stalled: bool = False
    stopped_at: datetime | None = None

    def stop_at(self, instant: datetime, *, stalled: bool = False) -> "FeedRead":
        """End the read before `instant`: what was listed from it onwards may be partial."""
        self.complete, self.stalled, self.stopped_at = False, stalled, instant
        self.entries = {k: e for k, e in self.entries.items() if e.updated_at < instant}
        return self


def parse_instant(value: Any) -> datetime:
    """An API instant (ISO 8601 with `Z`) as an aware datetime."""
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def format_instant(value: datetime) -> str:
    """An aware datetime as the API writes instants (milliseconds, `Z`)."""
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _body_text(response: Response) -> str:
    try:
        return response.text[:2000]
    except Exception:
        return ""


def probe_feed(client: RESTClient) -> FeedAvailability:
    """Whether `GET /v2/management/responses` filters on `updatedAt`, from one request."""
    path = settings.V2_RESPONSES_PATH
    response = client.get(path, params={"limit": 1, "filterDateField": _PROBE_VALUE})
    status = response.status_code
    if status in (400, 422) and "filterDateField" in _body_text(response):
        return FeedAvailability(True)
    if status == 200:
        return FeedAvailability(
            False,
            f"GET {path} ignores filterDateField (Formbricks 4.0 and 4.1 have v2 but no "
            "updatedAt filter; 4.2.0 added it)",
        )
    if status == 404:
        return FeedAvailability(
            False, f"GET {path} answered HTTP 404: no v2 API (Formbricks before 4.0, or a proxy)"
        )
    if status in (401, 403):
        return FeedAvailability(False, f"GET {path} refused the key (HTTP {status})")
    return FeedAvailability(False, f"GET {path} answered HTTP {status}")


def _page(client: RESTClient, params: dict[str, Any]) -> list[dict[str, Any]]:
    path = settings.V2_RESPONSES_PATH
    response = client.get(path, params={"filterDateField": "updatedAt", **params})
    return data_list(response, f"GET {path} (the change feed)")


def _entry(record: dict[str, Any]) -> FeedEntry:
    try:
        return FeedEntry(str(record["id"]), parse_instant(record["updatedAt"]))
    except (KeyError, TypeError, ValueError):
        raise AnalyticsApiError(
            f"GET {settings.V2_RESPONSES_PATH} (the change feed): a record without a readable "
            "`id` or `updatedAt`"
        ) from None


def newest_update(client: RESTClient) -> datetime | None:
    """The latest `updatedAt` the server has, from one request (None: no responses)."""
    records = _page(client, {"sortBy": "updatedAt", "order": "desc", "limit": 1})
    return _entry(records[0]).updated_at if records else None


def _read_group(client: RESTClient, instant: datetime, read: FeedRead, limit: int) -> bool:
    """Read every response of one `updatedAt` instant; False if it never added up."""
    bounds = {"startDate": format_instant(instant), "endDate": format_instant(instant)}
    group: dict[str, FeedEntry] = {}
    for _ in range(GROUP_READS):
        listed, skip = 0, 0
        while True:
            page = _page(
                client,
                {**bounds, "sortBy": "createdAt", "order": "asc", "limit": limit, "skip": skip},
            )
            read.pages += 1
            group.update((entry.id, entry) for entry in map(_entry, page))
            listed, skip = listed + len(page), skip + len(page)
            if len(page) < limit:
                break
        if len(group) >= listed:
            read.entries.update(group)
            return True
    return False


def read_feed(
    client: RESTClient,
    since: datetime,
    *,
    limit: int = settings.V2_PAGE_SIZE,
    enough: Callable[[list[FeedEntry]], bool] | None = None,
) -> FeedRead:
    """Every response whose `updatedAt` is at or after `since`, oldest change first.

    Args:
        client: The API client.
        since: The first instant to list.
        limit: Page size (v2's cap is 250).
        enough: Told each full page's entries; True stops the read before that page's last
            instant (a sync that found more than it may apply need not list the rest).
    """
    read, cursor = FeedRead(), since
    while True:
        params = {"sortBy": "updatedAt", "order": "asc", "limit": limit}
        page = list(map(_entry, _page(client, {**params, "startDate": format_instant(cursor)})))
        read.pages += 1
        read.entries.update((entry.id, entry) for entry in page)
        if len(page) < limit:
            return read
        last = max(entry.updated_at for entry in page)
        if last > cursor:
            if enough is not None and enough(page):
                return read.stop_at(last)
            cursor = last
            continue
        # A full page of one instant: that instant's group is larger than a page.
        if not _read_group(client, cursor, read, limit):
            return read.stop_at(cursor, stalled=True)
        cursor += timedelta(milliseconds=1)


def read_by_id(client: RESTClient, response_id: str) -> dict[str, Any] | None:
    """One response in v1's shape (with tags and contact); None when the API has it no more."""
    path = f"{settings.RESPONSES_PATH}/{quote(response_id, safe='')}"
    response = client.get(path)
    if response.status_code == 404 and _is_not_found(response):
        return None
    if response.status_code != 200:
        raise AnalyticsApiError(
            f"GET {settings.RESPONSES_PATH}/<id> (an edited response): HTTP "
            f"{response.status_code}"
        )
    try:
        record = response.json()[settings.DATA_SELECTOR]
    except (ValueError, KeyError, TypeError):
        record = None
    if not isinstance(record, dict) or record.get("id") != response_id:
        raise AnalyticsApiError(
            f'GET {settings.RESPONSES_PATH}/<id>: the body is not a {{"data": {{...}}}} '
            "envelope holding that response"
        )
    return record


def _is_not_found(response: Response) -> bool:
    """A JSON 404 `not_found`: the response is gone (an HTML 404 is a missing route)."""
    try:
        return response.json().get("code") == "not_found"
    except (ValueError, AttributeError):
        return False
