"""The dlt source for the analytics API: one typed `rest_api` config, built from its arguments.

`build_source` is the only place the API key meets dlt. It returns a
`rest_api_source` with six resources, one per endpoint, that merge on `id`.
Paging, retries and column hints come from `settings.py` and `columns.py`.

Two things here are written by hand because dlt has no setting for them:
`ShortPageOffsetPaginator` stops at the first short page (dlt's offset paginator
stops only at an empty page or a total, and this API sends no total), and the
retry session is dlt's own `Client`, configured with this project's policy.
"""

from typing import Any

from dlt.extract.source import DltSource
from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client.paginators import OffsetPaginator
from dlt.sources.rest_api import rest_api_source
from dlt.sources.rest_api.typing import (
    Endpoint,
    EndpointResource,
    IncrementalConfig,
    RESTAPIConfig,
)
from requests import Session
from requests.exceptions import ChunkedEncodingError, ConnectionError, Timeout

from analytics_assets import settings
from analytics_assets.columns import table_columns


class ShortPageOffsetPaginator(OffsetPaginator):
    """Offset paging for an API that sends no total: the first page shorter than `limit` is the last.

    dlt's `OffsetPaginator` with `total_path=None` stops only at an empty page, which costs one
    request more than needed on every run.
    """

    def __init__(self, limit: int, offset_param: str, limit_param: str) -> None:
        super().__init__(
            limit=limit,
            offset_param=offset_param,
            limit_param=limit_param,
            total_path=None,
            stop_after_empty_page=True,
        )

    def _stop_after_this_page(self, data: list[Any] | None = None) -> bool:
        return super()._stop_after_this_page(data) or len(data or ()) < self.limit


def build_retrying_session(
    *,
    max_retries: int,
    backoff_factor: float,
    max_retry_delay_seconds: float,
    request_timeout_seconds: float,
) -> Session:
    """A requests session that retries transient failures with dlt's retrying client.

    Retries 429, 500, 502, 503, 504, timeouts and dropped connections, honours `Retry-After`,
    and waits `backoff_factor * 2**n` seconds otherwise. Other statuses are returned untouched,
    so the REST client raises on them at once.

    Args:
        max_retries: Retries after the first attempt (3 means 4 attempts in all).
        backoff_factor: Multiplier of the exponential wait between attempts, in seconds.
        max_retry_delay_seconds: Upper bound of any single wait, `Retry-After` included.
        request_timeout_seconds: Connect and read timeout of each attempt.
    """
    client = Client(
        request_timeout=request_timeout_seconds,
        raise_for_status=False,
        status_codes=settings.RETRY_STATUS_CODES,
        exceptions=(ConnectionError, Timeout, ChunkedEncodingError),
        request_max_attempts=max_retries + 1,
        request_backoff_factor=backoff_factor,
        request_max_retry_delay=max_retry_delay_seconds,
        respect_retry_after_header=True,
    )
    return client.session


def _drop_null_objects(record: dict[str, Any]) -> dict[str, Any]:
    """Remove top-level nested objects that are null, such as a response's `contact`.

    Their fields are declared as flattened columns (`contact__id`), so a null object adds
    nothing; left in, dlt would try to make an untyped `contact` column and warn on every load.
    """
    for field in settings.NULLABLE_OBJECT_FIELDS:
        if field in record and record[field] is None:
            del record[field]
    return record


def _responses_incremental(lookback_seconds: float) -> IncrementalConfig:
    """Client-side cursor on `createdAt` for an API that lists newest first and cannot filter.

    `row_order="desc"` makes dlt stop paging at the first row older than the start, and `lag`
    moves the start back by the lookback, so edits to recent responses are read again and merged.
    """
    return {
        "cursor_path": settings.RESPONSES_CURSOR_FIELD,
        "initial_value": settings.RESPONSES_INITIAL_CURSOR,
        "row_order": "desc",
        "lag": lookback_seconds,
    }


def _endpoint_resource(
    name: str, page_size: int, responses_lookback_seconds: float | None
) -> EndpointResource:
    endpoint: Endpoint = {
        "path": settings.ENDPOINT_PATHS[name],
        "data_selector": settings.DATA_SELECTOR,
        "paginator": {"type": "single_page"},
    }
    if name == settings.PAGED_RESOURCE:
        endpoint["paginator"] = ShortPageOffsetPaginator(
            limit=page_size,
            offset_param=settings.OFFSET_PARAM,
            limit_param=settings.LIMIT_PARAM,
        )
        if responses_lookback_seconds is not None:
            endpoint["incremental"] = _responses_incremental(responses_lookback_seconds)
    return {
        "name": name,
        "endpoint": endpoint,
        "columns": table_columns(name),
        "processing_steps": [{"map": _drop_null_objects}],
    }


def build_source(
    base_url: str,
    api_key: str,
    *,
    page_size: int = settings.DEFAULT_PAGE_SIZE,
    max_retries: int = settings.DEFAULT_MAX_RETRIES,
    backoff_factor: float = settings.DEFAULT_BACKOFF_FACTOR,
    max_retry_delay_seconds: float = settings.DEFAULT_MAX_RETRY_DELAY_SECONDS,
    request_timeout_seconds: float = settings.DEFAULT_REQUEST_TIMEOUT_SECONDS,
    responses_lookback_seconds: float | None = settings.DEFAULT_RESPONSES_LOOKBACK_HOURS * 3600,
) -> DltSource:
    """Build the dlt source of the six API endpoints. Makes no request.

    Args:
        base_url: Root the endpoint paths hang off, e.g. `https://app.formbricks.com/api`.
        api_key: Management API key, sent in the `x-api-key` header.
        page_size: Responses per page (`limit`).
        max_retries: Retries of a transient failure after the first attempt.
        backoff_factor: Exponential backoff multiplier, in seconds.
        max_retry_delay_seconds: Longest single wait between attempts.
        request_timeout_seconds: Timeout of each attempt.
        responses_lookback_seconds: Load responses incrementally, re-reading this many seconds
            behind the newest `createdAt` already loaded. None reads every response (full refresh).

    Returns:
        A `rest_api_source` named `analytics_api` with one resource per endpoint.
    """
    config: RESTAPIConfig = {
        "client": {
            "base_url": base_url,
            "auth": {
                "type": "api_key",
                "name": settings.API_KEY_HEADER,
                "api_key": api_key,
                "location": "header",
            },
            "session": build_retrying_session(
                max_retries=max_retries,
                backoff_factor=backoff_factor,
                max_retry_delay_seconds=max_retry_delay_seconds,
                request_timeout_seconds=request_timeout_seconds,
            ),
        },
        "resource_defaults": {
            "primary_key": settings.PRIMARY_KEY,
            "write_disposition": "merge",
        },
        "resources": [
            _endpoint_resource(name, page_size, responses_lookback_seconds)
            for name in settings.ENDPOINT_PATHS
        ],
    }
    return rest_api_source(config, name=settings.SOURCE_NAME)
