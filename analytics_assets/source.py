"""The dlt source for the analytics API: one typed `rest_api` config, built from its arguments.

`build_source` is the only place the API key meets dlt. It returns a
`rest_api_source` with six resources, one per endpoint, that merge on `id`, reading the paths
of the API generation the server speaks (`generations.py`): on Formbricks 3.0 and later, people
and attribute classes come from the contacts endpoints (`contacts.py`). Paging, retries and
column hints come from `settings.py` and `columns.py`.

Written by hand because dlt has no setting for them: `NewestFirstPaginator` (`paging.py`)
stops at the first short page (dlt's offset paginator stops only at an empty page
or a total, and this API sends no total) and re-reads groups of responses that share a
`createdAt` and straddle a page, and each endpoint's `EndpointGuard` refuses bodies
that are not the API's envelope (dlt would load nothing and report success) and decides what a
403 or 404 means (`availability.py`). The retry session is dlt's own `Client`, configured with
this project's policy, with requests-ratelimiter's adapter mounted for the client-side request
budget; its adapters give a 429 without Retry-After the API's window as one.
"""

import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from dlt.common.jsonpath import compile_path
from dlt.sources import DltSource
from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.rest_api import rest_api_source
from dlt.sources.rest_api.typing import (
    Endpoint,
    EndpointResource,
    IncrementalConfig,
    RESTAPIConfig,
)
from pyrate_limiter import Duration, Limiter, Rate, SQLiteBucket
from requests import PreparedRequest, Response, Session
from requests.adapters import HTTPAdapter
from requests.exceptions import ChunkedEncodingError, ConnectionError, Timeout
from requests_ratelimiter import LimiterAdapter
from requests_ratelimiter.buckets import HostBucketFactory

from analytics_assets import settings
from analytics_assets.availability import Availability, EndpointGuard
from analytics_assets.columns import answers_table_hints, survey_questions_hints, table_columns
from analytics_assets.contacts import (
    AttributeKeys,
    attribute_classes_resource,
    identified_peoples_resource,
)
from analytics_assets.paging import NewestFirstPaginator

# Longest wait for the request budget's leak thread to stop (it wakes every 0.3 s).
LEAK_THREAD_JOIN_SECONDS = 5.0


@dataclass(frozen=True)
class RequestBudget:
    """A client-side request budget shared by every process that uses the same state file.

    Attributes:
        requests: Requests allowed per period.
        period_seconds: Length of the rolling window.
        state_path: SQLite file holding the budget, shared between processes (runs and sensor).
        max_wait_seconds: Longest wait for the budget before a request gives up; None waits.
    """

    requests: int
    period_seconds: float
    state_path: Path
    max_wait_seconds: float | None = None


def _budget_window_ms(period_seconds: float) -> int:
    """The budget's window: the API's, plus a margin (2%, at least 0.25 s).

    A token is taken when a request leaves; the API counts it when it arrives. Without the
    margin, a request held up in between (a busy machine, a slow network) lands inside the
    API's next window together with a full window's worth of later requests, and meets a 429.
    """
    period_ms = Duration.SECOND * period_seconds
    return int(period_ms + max(250, 0.02 * period_ms))


class _RateLimitWindowMixin:
    """Gives a 429 without `Retry-After` the API's window as its `Retry-After`.

    The API's 429 says nothing about when to come back, and its budget is per key and per
    minute: when another client of the key spent it, only the end of the window helps, and the
    2, 4 and 8 s of the backoff run out inside it. dlt's retrying client honours `Retry-After`,
    so the adapter, which builds every response, supplies one. (`build_response` is the
    adapter's documented extension point.)
    """

    rate_limit_window_seconds: float = settings.DEFAULT_RATE_LIMIT_WINDOW_SECONDS

    def build_response(self, req: PreparedRequest, resp: Any) -> Response:
        response = super().build_response(req, resp)  # type: ignore[misc]
        if response.status_code == 429 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(math.ceil(self.rate_limit_window_seconds))
        return response


class RateLimitWindowAdapter(_RateLimitWindowMixin, HTTPAdapter):
    """requests' adapter, waiting out the API's window on a 429 without `Retry-After`."""


class BudgetAdapter(_RateLimitWindowMixin, LimiterAdapter):
    """requests-ratelimiter's adapter (the request budget), with the same 429 handling."""


def _budget_adapter(budget: RequestBudget, window_seconds: float) -> LimiterAdapter:
    budget.state_path.parent.mkdir(parents=True, exist_ok=True)
    adapter = BudgetAdapter(
        limiter=Limiter(
            HostBucketFactory(
                rates=[Rate(budget.requests, _budget_window_ms(budget.period_seconds))],
                bucket_class=SQLiteBucket,
                bucket_init_kwargs={"path": budget.state_path, "use_file_lock": True},
                bucket_name=settings.SOURCE_NAME,
            ),
            buffer_ms=50,
        ),
        per_host=False,
        bucket_name=settings.SOURCE_NAME,
        max_delay=budget.max_wait_seconds,
        # A 429 is the retry policy's business: by default the adapter would also fill the
        # shared bucket on one, stalling every process for a whole period.
        limit_statuses=(),
        pool_maxsize=10,
    )
    adapter.rate_limit_window_seconds = window_seconds
    return adapter


def close_session(session: Session) -> None:
    """Close a session from `build_retrying_session`, and its request budget's limiter thread."""
    limiters = {
        id(adapter.limiter): adapter.limiter
        for adapter in session.adapters.values()
        if isinstance(adapter, LimiterAdapter)
    }
    session.close()
    for limiter in limiters.values():
        # pyrate-limiter's close() stops its leak thread but does not wait for it. A leak still in
        # flight would then touch the budget file after the caller moved on, and fail in the
        # thread if the instance folder was removed (a test's temporary instance, for one).
        leaker = getattr(limiter.bucket_factory, "_leaker", None)
        thread = getattr(leaker, "_thread", None)
        limiter.close()
        if isinstance(thread, threading.Thread) and thread is not threading.current_thread():
            thread.join(timeout=LEAK_THREAD_JOIN_SECONDS)


def _keep_key_on_its_host(session: Session) -> None:
    """Drop the API key from a request that a redirect sends to another host.

    requests strips `Authorization` when a redirect leaves the host (`should_strip_auth`), but
    not other headers: the `x-api-key` header would follow a redirect anywhere. The session's
    `rebuild_auth`, requests' hook for exactly this, now drops it as well.
    """
    rebuild_auth = session.rebuild_auth

    def rebuild_auth_without_key(prepared_request: PreparedRequest, response: Response) -> None:
        if session.should_strip_auth(response.request.url, prepared_request.url):
            prepared_request.headers.pop(settings.API_KEY_HEADER, None)
        rebuild_auth(prepared_request, response)

    session.rebuild_auth = rebuild_auth_without_key  # type: ignore[method-assign]


def build_retrying_session(
    *,
    max_retries: int = settings.DEFAULT_MAX_RETRIES,
    backoff_factor: float = settings.DEFAULT_BACKOFF_FACTOR,
    max_retry_delay_seconds: float = settings.DEFAULT_MAX_RETRY_DELAY_SECONDS,
    request_timeout_seconds: float = settings.DEFAULT_REQUEST_TIMEOUT_SECONDS,
    budget: RequestBudget | None = None,
    rate_limit_window_seconds: float = settings.DEFAULT_RATE_LIMIT_WINDOW_SECONDS,
) -> Session:
    """A requests session that retries transient failures with dlt's retrying client.

    Retries 429, 500, 502, 503, 504, timeouts and dropped connections, honours `Retry-After`,
    and waits `backoff_factor * 2**n` seconds otherwise; a 429 without `Retry-After` waits
    for the API's rate-limit window to pass. Other statuses are returned untouched, so the REST
    client raises on them at once. With a budget, every attempt first takes a token from it
    (requests-ratelimiter over a pyrate-limiter SQLite bucket), so a long backfill paces itself
    instead of running into the API's 429s.

    Args:
        max_retries: Retries after the first attempt (3 means 4 attempts in all).
        backoff_factor: Multiplier of the exponential wait between attempts, in seconds.
        max_retry_delay_seconds: Upper bound of any single wait, `Retry-After` included, but
            never below `rate_limit_window_seconds`.
        request_timeout_seconds: Connect and read timeout of each attempt.
        budget: Client-side request budget; None sends as fast as the API answers.
        rate_limit_window_seconds: The API's rate-limit window: what a 429 without
            `Retry-After` waits. It is never cut short by `max_retry_delay_seconds`.
    """
    client = Client(
        request_timeout=request_timeout_seconds,
        raise_for_status=False,
        status_codes=settings.RETRY_STATUS_CODES,
        exceptions=(ConnectionError, Timeout, ChunkedEncodingError),
        request_max_attempts=max_retries + 1,
        request_backoff_factor=backoff_factor,
        request_max_retry_delay=max(max_retry_delay_seconds, rate_limit_window_seconds),
        respect_retry_after_header=True,
    )
    session = client.session
    _keep_key_on_its_host(session)
    if budget is not None:
        adapter: HTTPAdapter = _budget_adapter(budget, rate_limit_window_seconds)
    else:
        adapter = RateLimitWindowAdapter()
        adapter.rate_limit_window_seconds = rate_limit_window_seconds
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _drop_null_objects(record: dict[str, Any]) -> dict[str, Any]:
    """Remove top-level nested objects that are null, such as a response's `contact`.

    Their fields are declared as flattened columns (`contact__id`), so a null object adds
    nothing; left in, dlt would try to make an untyped `contact` column and warn on every load.
    """
    for field in settings.NULLABLE_OBJECT_FIELDS:
        if field in record and record[field] is None:
            del record[field]
    return record


def _json_text(value: Any) -> str:
    """Compact JSON text of an answer (orjson: several times faster than json.dumps)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # what only the lenient parser produces, such as integers past 64 bits
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _answer_row(
    response_id: Any, survey_id: Any, question_id: str, value: Any, seconds: Any
) -> dict[str, Any]:
    """One row of `responses__answers`. Cells without a value are left out, not set to None:
    dlt would drop them anyway, after checking each against the schema (this runs about five
    times per response, so it is written for speed: exact type tests, no second pass).
    """
    row = {
        "response_id": response_id,
        "question_id": question_id,
        # The answer as the API sent it, JSON-encoded into one text column: a json column would
        # split scalars into per-type variant columns.
        "value": _json_text(value),
    }
    if survey_id is not None:
        row["survey_id"] = survey_id
    kind = type(value)  # values parsed from JSON: exact types, and bool is not a number here
    if kind is str:
        row["value_text"] = value
    elif kind is int or kind is float:
        row["value_number"] = float(value)
    elif kind is list and value and all(type(item) is str for item in value):
        # The options of a multi-select answer, one row each in `responses__answers__selected`,
        # so distributions need no JSON functions. A single choice is `value_text` already.
        row["selected"] = value
    if type(seconds) is int:
        row["ttc_ms"] = seconds
    return row


def _with_answers(record: dict[str, Any]) -> dict[str, Any]:
    """Add `answers`: one row per answered question, loaded as the child table `responses__answers`.

    `data` stays a JSON column on `responses`; its keys are question ids that differ per survey,
    so flattening it would add a column per question (hundreds in a real account, past
    Postgres's 1,600-column limit). The long table lets analytics SQL join answers to questions
    with no per-survey column names and no dialect-specific JSON functions.
    """
    _drop_null_objects(record)
    data = record.get("data")
    ttc = record.get("ttc") if isinstance(record.get("ttc"), dict) else {}
    if isinstance(data, dict):
        response_id, survey_id = record.get(settings.PRIMARY_KEY), record.get("surveyId")
        record[settings.ANSWERS_FIELD] = [
            _answer_row(response_id, survey_id, str(question_id), value, ttc.get(question_id))
            for question_id, value in data.items()
        ]
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
    name: str,
    path: str,
    guard: EndpointGuard,
    page_size: int,
    responses_lookback_seconds: float | None,
) -> EndpointResource:
    endpoint: Endpoint = {
        "path": path,
        # Compiled once: dlt compiles a string selector again for every page (about a
        # millisecond each, building jsonpath's parser), 1,000 times for 100,000 responses.
        "data_selector": compile_path(settings.DATA_SELECTOR),
        "paginator": {"type": "single_page"},
        "response_actions": [guard],
    }
    if name == settings.PAGED_RESOURCE:
        endpoint["paginator"] = NewestFirstPaginator(
            limit=page_size,
            offset_param=settings.OFFSET_PARAM,
            limit_param=settings.LIMIT_PARAM,
            order_field=settings.RESPONSES_CURSOR_FIELD,
        )
        if responses_lookback_seconds is not None:
            endpoint["incremental"] = _responses_incremental(responses_lookback_seconds)
    return {
        "name": name,
        "endpoint": endpoint,
        "columns": table_columns(name),
        "processing_steps": [
            {"map": _with_answers if name == settings.PAGED_RESOURCE else _drop_null_objects},
            {"map": guard.availability.id_recorder(name)},
        ],
    }


def _legacy_people_check(availability: Availability) -> Any:
    """Records of `/people` must be people: 3.x and 4.x answer the old path with contacts."""

    def check(records: list[dict[str, Any]]) -> None:
        # A 2.x person always has `attributes`; contacts never do (3.8 to 3.15 kept `userId`).
        if records and not any("attributes" in r for r in records):
            raise availability.mismatched_records(
                "identified_peoples",
                settings.LEGACY_ENDPOINT_PATHS["identified_peoples"],
                "contacts (records without `attributes`)",
            )

    return check


def _legacy_attribute_classes_check(availability: Availability) -> Any:
    """Records of `/attribute-classes` must be attribute classes, not 3.x attribute keys."""

    def check(records: list[dict[str, Any]]) -> None:
        if records and all("key" in r and "isUnique" in r for r in records):
            raise availability.mismatched_records(
                "attribute_classes",
                settings.LEGACY_ENDPOINT_PATHS["attribute_classes"],
                "contact attribute keys (records with `key` and `isUnique`)",
            )

    return check


def build_source(
    base_url: str,
    api_key: str,
    *,
    session: Session | None = None,
    page_size: int = settings.DEFAULT_PAGE_SIZE,
    responses_lookback_seconds: float | None = settings.DEFAULT_RESPONSES_LOOKBACK_HOURS * 3600,
    availability: Availability | None = None,
    attribute_keys: AttributeKeys | None = None,
) -> DltSource:
    """Build the dlt source of the six API endpoints. Makes no request.

    Args:
        base_url: Root the endpoint paths hang off, e.g. `https://app.formbricks.com/api`.
        api_key: Management API key, sent in the `x-api-key` header.
        session: The HTTP session, normally from `build_retrying_session`; None builds one with
            the default retry policy and no request budget.
        page_size: Responses per page (`limit`).
        responses_lookback_seconds: Load responses incrementally, re-reading this many seconds
            behind the newest `createdAt` already loaded. None reads every response (full refresh).
        availability: The run's ledger of what the API answered; its `generation` picks the
            endpoints. None: a fresh one for the current generation.
        attribute_keys: The run's attribute keys (current generation), possibly already fetched
            by the generation probe. None: fetched when needed.

    Returns:
        A `rest_api_source` named `analytics_api` with one resource per endpoint.
    """
    session = session if session is not None else build_retrying_session()
    availability = availability or Availability(generation=settings.GENERATION_CURRENT)
    current = availability.generation == settings.GENERATION_CURRENT
    paths = settings.endpoint_paths(availability.generation)
    checks = {
        "identified_peoples": _legacy_people_check(availability),
        "attribute_classes": _legacy_attribute_classes_check(availability),
    }
    resources: list[Any] = []
    if current:
        client = RESTClient(
            base_url=base_url,
            auth=APIKeyAuth(name=settings.API_KEY_HEADER, api_key=api_key, location="header"),
            session=session,
        )
        keys = attribute_keys or AttributeKeys(client, availability)
        contacts = {
            "attribute_classes": attribute_classes_resource(keys),
            "identified_peoples": identified_peoples_resource(client, keys, availability),
        }
        for name, resource in contacts.items():
            resource.add_map(availability.id_recorder(name))
    for name in settings.RESOURCES:
        if current and name in contacts:
            resources.append(contacts[name])
            continue
        guard = EndpointGuard(name, availability, None if current else checks.get(name))
        resources.append(
            _endpoint_resource(name, paths[name], guard, page_size, responses_lookback_seconds)
        )
    config: RESTAPIConfig = {
        "client": {
            "base_url": base_url,
            "auth": {
                "type": "api_key",
                "name": settings.API_KEY_HEADER,
                "api_key": api_key,
                "location": "header",
            },
            "session": session,
        },
        "resource_defaults": {
            "primary_key": settings.PRIMARY_KEY,
            "write_disposition": "merge",
        },
        "resources": resources,
    }
    source = rest_api_source(config, name=settings.SOURCE_NAME)
    source.resources[settings.PAGED_RESOURCE].apply_hints(nested_hints=answers_table_hints())
    source.resources["surveys"].apply_hints(nested_hints=survey_questions_hints())
    return source
