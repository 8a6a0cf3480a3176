"""Factory fixtures of the unit tests: hand-built responses, requests and tiny fakes.

Nothing here opens a socket, runs a pipeline or starts Dagster. The fakes stand in for the few
methods the code under test calls on its collaborators (dlt's `RESTClient.paginate` and `get`,
a pipeline's `sql_client()` and `run`), and record what they were asked.
"""

import json as jsonlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.sources.helpers.rest_client.exceptions import IgnoreResponseException

BASE_URL = "https://formbricks.example/api"
RESPONSES_URL = BASE_URL + "/v1/management/responses"

REASONS = {200: "OK", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}


@pytest.fixture
def make_response() -> Callable[..., requests.Response]:
    """`make_response(status, json=..., body=..., content_type=..., url=...)`: a Response.

    `json` is serialised and sent as `application/json`; `body` (bytes or str) is sent as is,
    with `content_type` if given (no Content-Type header otherwise).
    """

    def make(
        status: int = 200,
        *,
        json: Any = None,
        body: bytes | str | None = None,
        content_type: str | None = None,
        url: str = RESPONSES_URL,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response.reason = REASONS.get(status, "")
        response.url = url
        response.request = requests.Request("GET", url).prepare()
        if json is not None:
            response._content = jsonlib.dumps(json).encode()
            content_type = content_type or "application/json"
        elif isinstance(body, str):
            response._content = body.encode()
        else:
            response._content = body or b""
        if content_type is not None:
            response.headers["Content-Type"] = content_type
        response.headers.update(headers or {})
        return response

    return make


@pytest.fixture
def make_request() -> Callable[..., requests.Request]:
    """`make_request(params=...)`: the unsent request a dlt paginator edits."""

    def make(params: dict[str, Any] | None = None, url: str = RESPONSES_URL) -> requests.Request:
        return requests.Request("GET", url, params=params)

    return make


@dataclass
class Read:
    """What a paginator asked of a fake API, and what it got back."""

    asked: list[tuple[int, int]] = field(default_factory=list)  # (skip, limit) per request
    ids: list[str] = field(default_factory=list)  # ids of every row returned, in order

    @property
    def distinct_ids(self) -> set[str]:
        return set(self.ids)


@pytest.fixture
def read_with() -> Callable[..., Read]:
    """`read_with(paginator, created_ats, shuffle_ties=False)`: drive `paginator` the way
    `RESTClient.paginate` does over rows ordered newest first by `createdAt`.

    Row `i` has id `r<i>` and `createdAt` `created_ats[i]` (give them newest first). With
    `shuffle_ties`, rows that share a `createdAt` come back in a different order on every
    request (rotated by the request's number), as the API's unstable ordering does.
    """

    def read(paginator: Any, created_ats: list[str], *, shuffle_ties: bool = False) -> Read:
        rows = [{"id": f"r{i}", "createdAt": at} for i, at in enumerate(created_ats)]
        request = requests.Request("GET", RESPONSES_URL)
        result = Read()
        paginator.init_request(request)
        for number in range(1, 1000):
            ordered = _tie_order(rows, number) if shuffle_ties else rows
            skip, limit = request.params["skip"], request.params["limit"]
            result.asked.append((skip, limit))
            page = ordered[skip : skip + limit]
            result.ids.extend(row["id"] for row in page)
            paginator.update_state(requests.Response(), page)
            paginator.update_request(request)
            if not paginator.has_next_page:
                return result
        raise AssertionError(f"the paginator never stopped: {result.asked[:10]} ...")

    return read


def _tie_order(rows: list[dict[str, Any]], number: int) -> list[dict[str, Any]]:
    """`rows` with each run of one `createdAt` rotated by `number` places."""
    ordered: list[dict[str, Any]] = []
    start = 0
    while start < len(rows):
        end = start
        while end < len(rows) and rows[end]["createdAt"] == rows[start]["createdAt"]:
            end += 1
        group = rows[start:end]
        shift = number % len(group)
        ordered.extend(group[shift:] + group[:shift])
        start = end
    return ordered


class FakeRestClient:
    """The two methods of dlt's `RESTClient` the code calls, answering from canned responses.

    `paginate` runs the request's response hooks in order, as requests does, and ends the read
    on dlt's `IgnoreResponseException`, as `RESTClient.paginate` does; each answer is one page
    (the endpoints asked through it are unpaged).
    """

    def __init__(self, answers: dict[str, requests.Response]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def _answer(self, path: str) -> requests.Response:
        self.asked.append(path)
        return self.answers[path]

    def paginate(
        self, path: str, *, paginator: Any, data_selector: Any, hooks: dict[str, list[Any]]
    ) -> Iterator[list[Any]]:
        response = self._answer(path)
        try:
            for hook in hooks["response"]:
                response = hook(response) or response
        except IgnoreResponseException:
            return
        yield response.json()["data"]

    def get(self, path: str) -> requests.Response:
        return self._answer(path)


@pytest.fixture
def make_rest_client() -> Callable[[dict[str, requests.Response]], FakeRestClient]:
    """`make_rest_client({path: response})`: a fake `RESTClient` recording the paths asked."""
    return FakeRestClient


class FakeCursor:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._rows)


class FakeSqlClient:
    def __init__(self, warehouse: "FakeWarehouse") -> None:
        self.warehouse = warehouse

    def make_qualified_table_name(self, table: str) -> str:
        return f'"analytics"."{table}"'

    @contextmanager
    def execute_query(self, sql: str) -> Iterator[FakeCursor]:
        self.warehouse.queries.append(sql)
        table = sql.rsplit(".", 1)[-1].strip('"')
        if table not in self.warehouse.tables:
            raise DatabaseUndefinedRelation(Exception(f"Table {table} does not exist"))
        yield FakeCursor(self.warehouse.tables[table])

    def execute_sql(self, sql: str, *args: Any) -> None:
        self.warehouse.statements.append((sql, args))


@dataclass
class FakeWarehouse:
    """A pipeline with tables of `(id, created_at, updated_at, deleted_at)` rows.

    Records the queries and statements its SQL client ran and the data given to `run`.
    """

    tables: dict[str, list[tuple[Any, ...]]]
    queries: list[str] = field(default_factory=list)
    statements: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    runs: list[Any] = field(default_factory=list)

    @contextmanager
    def sql_client(self) -> Iterator[FakeSqlClient]:
        yield FakeSqlClient(self)

    def run(self, data: Any) -> None:
        self.runs.append(data)


@pytest.fixture
def make_warehouse() -> Callable[[dict[str, list[tuple[Any, ...]]]], FakeWarehouse]:
    """`make_warehouse({table: [(id, created_at, updated_at, deleted_at), ...]})`."""
    return FakeWarehouse


@pytest.fixture
def live_rows() -> Callable[..., list[tuple[Any, ...]]]:
    """`live_rows(count, prefix="s")`: rows `s00`, `s01`, ... with timestamps, none flagged."""

    def rows(count: int, prefix: str = "s") -> list[tuple[Any, ...]]:
        return [
            (f"{prefix}{i:02d}", f"2026-01-{i % 28 + 1:02d}", f"2026-02-{i % 28 + 1:02d}", None)
            for i in range(count)
        ]

    return rows


@pytest.fixture
def make_chain() -> Callable[..., BaseException]:
    """`make_chain(outer, ..., inner)`: each error caused by the next, as `raise ... from` does;
    returns the outermost."""

    def chain(*errors: BaseException) -> BaseException:
        for outer, inner in zip(errors, errors[1:], strict=False):
            outer.__cause__ = inner
        return errors[0]

    return chain


@pytest.fixture
def make_http_error(make_response) -> Callable[..., requests.HTTPError]:
    """`make_http_error(status, url=...)`: the HTTPError `raise_for_status` raises for it."""

    def make(status: int, url: str = RESPONSES_URL) -> requests.HTTPError:
        response = make_response(status, json={"code": "error", "message": "no"}, url=url)
        try:
            response.raise_for_status()
        except requests.HTTPError as error:
            return error
        raise AssertionError(f"HTTP {status} is not an error status")

    return make


@pytest.fixture
def api_url() -> Callable[[str], str]:
    """`api_url(path)`: the URL of `path` below the fake base URL (which ends in `/api`)."""
    return lambda path: BASE_URL + path
