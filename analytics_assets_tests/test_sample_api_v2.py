"""Tests of the sample API's v2 responses list, the app's own rate limits, and the edits a change
feed has to catch, over real HTTP on localhost (no Dagster).

What they pin down was read from the Formbricks source at 4.0.0, 4.2.0, 4.9.7, 5.3.4 and
5.4.0-rc.1 (`modules/api/v2/`, `modules/core/rate-limit/`, `app/lib/api/with-api-logging.ts`):
v2's zod-checked query and its 422s, `{"data"}` without `meta`, one sort key without a tie
breaker, raw rows; fixed rate-limit windows aligned to the clock; `updatedAt` that moves with the
response's row and not with its tags.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from analytics_assets.sample_api import EditFeed, SampleApiServer, SampleDataset
from analytics_assets.sample_api.limits import FixedWindowLimiter
from analytics_assets.sample_api.primitives import iso_ms, to_ms
from analytics_assets.sample_api.v2_query import V2Query, parse_query
from analytics_assets.sample_api.v2_view import RAW_COLUMNS

KEY = "sample-test-key"
NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
V2 = "/v2/management/responses"
V1 = "/v1/management/responses"
NOT_FOUND_PAGE = "<h2>Page not found</h2>"
UNAUTHORIZED = {"error": {"code": 401, "message": "Unauthorized"}}
TOO_MANY_V2 = {"error": {"code": 429, "message": "Too Many Requests"}}
TOO_MANY_V1 = {
    "code": "too_many_requests",
    "message": "Maximum number of requests reached. Please try again later.",
    "details": {},
}


class FakeClock:
    """A wall clock that only moves when a test says so."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def unprocessable(*details: tuple[str, str]) -> dict:
    return {
        "error": {
            "code": 422,
            "message": "Unprocessable Entity",
            "details": [{"field": field, "issue": issue} for field, issue in details],
        }
    }


def _server(release: int = 5, responses: int = 300, **options: object) -> SampleApiServer:
    dataset = SampleDataset.generate(seed=3, responses=responses, now=NOW, release=release)
    return SampleApiServer(dataset=dataset, api_key=KEY, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def shared() -> Iterator[SampleApiServer]:
    """A read-only release 5 server for tests that change nothing."""
    with _server(responses=600) as server:
        yield server


@pytest.fixture
def client() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["x-api-key"] = KEY
        yield session


def get(session: requests.Session, server: SampleApiServer, path: str = V2, **params: object):
    return session.get(server.base_url + path, params=params, timeout=10)


def read_all(session: requests.Session, server: SampleApiServer, **params: object) -> list[dict]:
    rows, skip = [], 0
    while True:
        page = get(session, server, limit=250, skip=skip, **params).json()["data"]
        rows += page
        if len(page) < 250:
            return rows
        skip += 250


# ----------------------------------------------------------------------------------- query


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"limit": 251}, ("limit", "Too big: expected number to be <=250")),
        ({"limit": 0}, ("limit", "Too small: expected number to be >=1")),
        ({"limit": "ten"}, ("limit", "Invalid input: expected number, received NaN")),
        ({"skip": -1}, ("skip", "Too small: expected number to be >=0")),
        ({"sortBy": "id"}, ("sortBy", 'Invalid option: expected one of "createdAt"|"updatedAt"')),
        ({"filterDateField": "finishedAt"},
         ("filterDateField", 'Invalid option: expected one of "createdAt"|"updatedAt"')),
        ({"startDate": "yesterday"}, ("startDate", "Invalid input: expected date, received Date")),
        ({"startDate": "2026-11-02", "endDate": "2026-11-01"},
         ("", "startDate must be before endDate")),
    ],
)  # fmt: skip
def test_a_bad_query_is_a_422_naming_the_field(
    shared: SampleApiServer, client: requests.Session, params: dict, detail: tuple[str, str]
) -> None:
    answer = get(client, shared, **params)
    assert (answer.status_code, answer.json()) == (422, unprocessable(detail))


def test_defaults_no_meta_and_unknown_parameters_ignored(
    shared: SampleApiServer, client: requests.Session
) -> None:
    body = get(client, shared, total="yes", cursor="abc").json()
    assert set(body) == {"data"}
    created = [r["createdAt"] for r in body["data"]]
    assert len(created) == 50 and created == sorted(created, reverse=True)
    newest = max(r["createdAt"] for r in shared.dataset.rows("responses"))
    assert created[0] == newest
    assert len(get(client, shared, limit=250).json()["data"]) == 250
    assert get(client, shared, skip=600).json() == {"data": []}


def test_records_are_the_raw_row(shared: SampleApiServer, client: requests.Session) -> None:
    v1 = {r["id"]: r for r in shared.dataset.rows("responses")}
    rows = get(client, shared, limit=250).json()["data"]
    for row in rows:
        assert tuple(row) == RAW_COLUMNS
        record = v1[row["id"]]
        assert row["contactId"] == (record["contact"] or {}).get("id")
        assert {k: row[k] for k in row if k != "contactId"} == {
            k: record[k] for k in RAW_COLUMNS if k != "contactId"
        }
    assert any(row["contactId"] for row in rows) and any(not row["contactId"] for row in rows)


def test_start_and_end_dates_are_inclusive(
    shared: SampleApiServer, client: requests.Session
) -> None:
    rows = read_all(client, shared)
    assert len(rows) == 600
    chosen = sorted(rows, key=lambda r: r["createdAt"])[100:110]
    first, last = chosen[0]["createdAt"], chosen[-1]["createdAt"]
    window = get(client, shared, startDate=first, endDate=last, limit=250).json()["data"]
    expected = {r["id"] for r in rows if first <= r["createdAt"] <= last}
    assert {r["id"] for r in window} == expected and len(expected) >= 10
    one = get(client, shared, startDate=first, endDate=first).json()["data"]
    assert [r["createdAt"] for r in one] == [first] * len(one) and one
    # The same on updatedAt.
    updated = sorted(r["updatedAt"] for r in rows)[300]
    later = read_all(client, shared, filterDateField="updatedAt", startDate=updated)
    assert {r["id"] for r in later} == {r["id"] for r in rows if r["updatedAt"] >= updated}


def test_sort_by_updated_at_ascending(shared: SampleApiServer, client: requests.Session) -> None:
    rows = read_all(client, shared, sortBy="updatedAt", order="asc")
    assert [r["updatedAt"] for r in rows] == sorted(r["updatedAt"] for r in rows)
    assert len({r["id"] for r in rows}) == 600
    first = get(client, shared, sortBy="updatedAt", order="asc", limit=5).json()["data"]
    assert [r["updatedAt"] for r in first] == [r["updatedAt"] for r in rows[:5]]


def test_a_survey_and_a_contact_filter(shared: SampleApiServer, client: requests.Session) -> None:
    rows = read_all(client, shared)
    survey = rows[0]["surveyId"]
    contact = next(r["contactId"] for r in rows if r["contactId"])
    by_survey = read_all(client, shared, surveyId=survey)
    assert {r["id"] for r in by_survey} == {r["id"] for r in rows if r["surveyId"] == survey}
    by_contact = read_all(client, shared, contactId=contact)
    assert {r["id"] for r in by_contact} == {r["id"] for r in rows if r["contactId"] == contact}
    assert get(client, shared, surveyId="NOT-A-CUID").json() == unprocessable(
        ("surveyId", "Invalid cuid2")
    )


def test_ties_come_back_shuffled_on_every_request_yet_a_read_by_created_at_is_complete(
    client: requests.Session,
) -> None:
    with _server(responses=900) as server:
        dataset = server.dataset
        old = [r["id"] for r in dataset.rows("responses")][-300:]
        moment = NOW + timedelta(hours=1)
        dataset.edit_responses(old, at=moment, variables={"migrated": True})
        stamp = iso_ms(to_ms(moment))
        tie = {"filterDateField": "updatedAt", "startDate": stamp, "sortBy": "updatedAt"}
        first = [r["id"] for r in get(client, server, limit=250, **tie).json()["data"]]
        second = [r["id"] for r in get(client, server, limit=250, **tie).json()["data"]]
        assert len(first) == len(second) == 250
        assert set(first) | set(second) <= set(old)
        assert first != second  # one in 300!/50! orders: never the same twice
        complete = read_all(
            client, server, filterDateField="updatedAt", startDate=stamp, sortBy="createdAt"
        )
    assert sorted(r["id"] for r in complete) == sorted(old)
    assert all(r["updatedAt"] == stamp for r in complete)


# ----------------------------------------------------------------------------------- releases


def test_release_2_has_no_v2_route(client: requests.Session) -> None:
    with _server(release=2, responses=20) as server:
        answer = get(client, server)
    assert answer.status_code == 404 and NOT_FOUND_PAGE in answer.text
    assert answer.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("release", "edition"), [(4, "community"), (5, "community"), (4, "enterprise")]
)
def test_release_4_and_5_serve_v2_on_every_edition(
    client: requests.Session, release: int, edition: str
) -> None:
    with _server(release=release, responses=30, edition=edition) as server:
        answer = get(client, server, limit=10)
        unauthenticated = requests.get(server.base_url + V2, timeout=10)
        wrong = requests.get(server.base_url + V2, headers={"x-api-key": "nope"}, timeout=10)
    assert answer.status_code == 200 and len(answer.json()["data"]) == 10
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    for refused in (unauthenticated, wrong):
        assert (refused.status_code, refused.json()) == (401, UNAUTHORIZED)


@pytest.mark.parametrize(("release", "status", "body"), [
    (4, 200, {"data": []}), (5, 401, UNAUTHORIZED),
])  # fmt: skip
def test_a_key_without_a_workspace(release: int, status: int, body: dict) -> None:
    with _server(release=release, responses=30, keys_without_workspace=("orphan",)) as server:
        answer = requests.get(server.base_url + V2, headers={"x-api-key": "orphan"}, timeout=10)
    assert (answer.status_code, answer.json()) == (status, body)


def test_formbricks_4_0_to_4_1_ignore_filter_date_field(client: requests.Session) -> None:
    with _server(release=4, responses=300, v2_date_filter=False) as server:
        rows = server.dataset.rows("responses")
        assert get(client, server, filterDateField="finishedAt").status_code == 200
        # Edited later than every creation: on 4.2+ filterDateField=updatedAt finds it.
        edited = server.dataset.edit_response(rows[150]["id"], finished=True)
        since = edited["updatedAt"]
        found = get(client, server, filterDateField="updatedAt", startDate=since).json()["data"]
        too_big = get(client, server, limit=251).json()
    assert found == []  # the dates filtered createdAt
    assert too_big == unprocessable(("limit", "Number must be less than or equal to 250"))
    with pytest.raises(ValueError):
        _server(release=5, v2_date_filter=False)


def test_by_id_of_a_missing_response_is_a_json_404(client: requests.Session) -> None:
    for release in (4, 5):
        with _server(release=release, responses=5) as server:
            answer = get(client, server, V1 + "/cmissing000000000000000000")
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"


# ----------------------------------------------------------------------------------- rate limits


def test_the_fixed_window_is_aligned_to_the_clock() -> None:
    clock = FakeClock(1001.5)
    limiter = FixedWindowLimiter(clock)
    assert [limiter.allow("api:v2", "k", 3, 2.0) for _ in range(4)] == [True] * 3 + [False]
    clock.now = 1001.999
    assert not limiter.allow("api:v2", "k", 3, 2.0)
    assert limiter.allow("api:v2", "other", 3, 2.0)  # per key
    assert limiter.allow("api:v1", "k", 3, 2.0)  # per limiter
    # Half a second after the first request: a sliding window would still refuse.
    clock.now = 1002.0
    assert limiter.allow("api:v2", "k", 3, 2.0)


def test_v2_answers_429_past_100_requests_in_a_window(client: requests.Session) -> None:
    clock = FakeClock(3001.0)
    with _server(responses=20, rate_limit_window_seconds=2.0, clock=clock) as server:
        # Validation comes first: a 422 is not counted.
        assert [get(client, server, limit=0).status_code for _ in range(5)] == [422] * 5
        statuses = [get(client, server, limit=1).status_code for _ in range(100)]
        refused = get(client, server, limit=1)
        v1 = get(client, server, V1, limit=1)
        clock.now = 3001.999
        still = get(client, server, limit=1).status_code
        clock.now = 3002.0
        again = get(client, server, limit=1).status_code
        # The log says which window each request fell in.
        windows = [int(r.received_clock // 2.0) for r in server.requests]
    assert windows == [1500] * 108 + [1501]
    assert statuses == [200] * 100
    assert (refused.status_code, refused.json()) == (429, TOO_MANY_V2)
    assert "Retry-After" not in refused.headers
    assert v1.status_code == 200  # a counter of its own
    assert (still, again) == (429, 200)


@pytest.mark.parametrize("release", [4, 5])
def test_the_app_limits_the_webhooks_list_itself(client: requests.Session, release: int) -> None:
    clock = FakeClock(7000.0)
    with _server(release=release, responses=20, clock=clock) as server:
        assert server.rate_limit_per_minute is None
        statuses = [get(client, server, "/v1/webhooks").status_code for _ in range(100)]
        refused = get(client, server, "/v1/webhooks")
        surveys = get(client, server, "/v1/management/surveys").status_code
        clock.now = 7060.0
        next_window = get(client, server, "/v1/webhooks").status_code
    assert statuses == [200] * 100
    assert (refused.status_code, refused.json()) == (429, TOO_MANY_V1)
    assert "Retry-After" not in refused.headers
    # 4.x limits every management route itself, with the same counter; 5.x leaves them to Envoy.
    assert surveys == (429 if release == 4 else 200)
    assert next_window == 200


def test_release_2_has_no_app_limit(client: requests.Session) -> None:
    with _server(release=2, responses=20, clock=FakeClock(50.0)) as server:
        statuses = {get(client, server, "/v1/webhooks").status_code for _ in range(120)}
    assert statuses == {200}


# ----------------------------------------------------------------------------------- edits


def test_a_tags_edit_does_not_move_updated_at_and_a_row_edit_does() -> None:
    dataset = SampleDataset.generate(seed=3, responses=50, now=NOW)
    record = dataset.rows("responses")[20]
    tagged = dataset.edit_response(record["id"], tags=[])
    assert tagged["updatedAt"] == record["updatedAt"] and tagged["tags"] == []
    finished = dataset.edit_response(record["id"], finished=not record["finished"])
    assert finished["updatedAt"] > record["updatedAt"]
    assert finished["createdAt"] == record["createdAt"]


def test_edit_responses_share_one_updated_at() -> None:
    dataset = SampleDataset.generate(seed=3, responses=200, now=NOW)
    before = dataset.rows("responses")
    ids = [r["id"] for r in before[100:140]]
    edited = dataset.edit_responses(ids, meta={"source": "api"})
    assert [r["id"] for r in edited] == ids
    assert len({r["updatedAt"] for r in edited}) == 1
    assert edited[0]["updatedAt"] > max(r["updatedAt"] for r in before)
    after = {r["id"]: r for r in dataset.rows("responses")}
    assert [r["id"] for r in dataset.rows("responses")] == [r["id"] for r in before]
    assert all(after[r["id"]]["createdAt"] == r["createdAt"] for r in before)
    at = NOW + timedelta(days=1)
    stamped = dataset.edit_responses(ids[:3], at=at, finished=True)
    assert {r["updatedAt"] for r in stamped} == {iso_ms(to_ms(at))}
    with pytest.raises(ValueError):
        dataset.edit_responses(ids[:1], at=NOW - timedelta(days=400), finished=True)
    with pytest.raises(KeyError):
        dataset.edit_responses([ids[5], "cmissing000000000000000000"], finished=True)
    assert dataset.response(ids[5]) == after[ids[5]]  # nothing changed


def test_finish_and_change_answers_edits_old_responses() -> None:
    dataset = SampleDataset.generate(seed=3, responses=400, now=NOW)
    newest = dataset.rows("responses")[0]["createdAt"]
    old = dataset.old_response_ids(30, older_than=timedelta(days=5))
    assert len(old) == 30
    cutoff = iso_ms(to_ms(datetime.fromisoformat(newest)) - 5 * 86_400_000)
    before = {i: dataset.response(i) for i in old}
    assert all(r is not None and r["createdAt"] < cutoff for r in before.values())
    edited = dataset.finish_and_change_answers(old)
    assert all(r["finished"] for r in edited)
    assert len({r["updatedAt"] for r in edited}) == 1
    surveys = {s["id"]: s for s in dataset.rows("surveys")}
    changed = 0
    for record in edited:
        nps = [q["id"] for q in surveys[record["surveyId"]]["questions"] if q["type"] == "nps"]
        changed += record["data"].get(nps[0]) != before[record["id"]]["data"].get(nps[0])
        if not before[record["id"]]["finished"]:
            assert record["endingId"] and record["ttc"]["_total"] > 0
    assert changed == len(edited)


def test_from_records_then_add_responses() -> None:
    survey = {"id": "s1", "status": "inProgress", "questions": [{"id": "q1", "type": "nps"}]}
    response = {"id": "r1", "createdAt": "2026-11-01T10:00:00.000Z",
                "updatedAt": "2026-11-01T10:00:00.000Z", "surveyId": "s1", "finished": True,
                "data": {"q1": 9}, "contact": None, "tags": []}  # fmt: skip
    dataset = SampleDataset.from_records(surveys=[survey], responses=[response])
    added = dataset.add_responses(3)
    assert len(added) == 3 and dataset.response_count == 4
    assert all(dataset.response(i)["surveyId"] == "s1" for i in added)


def test_the_edit_feed_edits_old_responses_until_the_server_stops() -> None:
    dataset = SampleDataset.generate(seed=3, responses=300, now=NOW)
    before = {r["id"]: r for r in dataset.rows("responses")}
    once = EditFeed(dataset, per_minute=1.0, seed=1).edit_once()
    assert 1 <= len(once) <= 3 and all(dataset.response(i) != before[i] for i in once)
    with _server(responses=300, edits_per_minute=1200.0) as server:
        deadline = time.monotonic() + 30
        while len(server.edit_feed.edited) < 2:
            assert time.monotonic() < deadline, "the feed never edited"
            time.sleep(0.01)
    assert server.edit_feed._thread is None
    newest = server.dataset.rows("responses")[0]["createdAt"]
    for response_id in server.edit_feed.edited:
        record = server.dataset.response(response_id)
        assert record is not None and record["createdAt"] < newest


# ----------------------------------------------------------------------------------- zod


def test_zod_3_and_4_messages_and_javascript_coercion() -> None:
    assert parse_query({"limit": "251"}, date_filter=False, zod=3) == [
        {"field": "limit", "issue": "Number must be less than or equal to 250"}
    ]
    assert parse_query({"sortBy": "x"}, date_filter=False, zod=3) == [
        {"field": "sortBy", "issue": "Invalid enum value. Expected 'createdAt' | 'updatedAt', "
         "received 'x'"}
    ]  # fmt: skip
    assert parse_query({"filterDateField": "x"}, date_filter=False, zod=3) == V2Query()
    # `Number("")` is 0, `Number(" 0x10 ")` 16: JavaScript's coercion, not Python's.
    assert parse_query({"limit": ""}, date_filter=True, zod=4) == [
        {"field": "limit", "issue": "Too small: expected number to be >=1"}
    ]
    assert parse_query({"limit": " 0x10 "}, date_filter=True, zod=4) == V2Query(limit=16)
    both = parse_query({"limit": "300", "startDate": "2026-02", "endDate": "2026-01-31"},
                       date_filter=True, zod=4)  # fmt: skip
    assert [d["field"] for d in both] == ["limit", ""]  # a range issue keeps the refinement
    parsed = parse_query(
        {"startDate": "2026-11-20T13:00:00+01:00", "endDate": "2026-11-20"},
        date_filter=True,
        zod=4,
    )
    assert isinstance(parsed, list)  # 12:00Z is after midnight: startDate after endDate
    dates = parse_query({"startDate": "2026-11-20T12:00:00.5Z"}, date_filter=True, zod=4)
    assert isinstance(dates, V2Query) and dates.start_ms == to_ms(NOW) + 500


def test_control_endpoints_edit_many_with_one_updated_at(client: requests.Session) -> None:
    with _server(responses=300) as server:
        control = server.base_url.removesuffix("/api") + "/_sample"
        ids = [r["id"] for r in server.dataset.rows("responses")[200:205]]
        at = "2026-11-21T08:00:00.000Z"
        body = {"ids": ids, "fields": {"meta": {"source": "api"}}, "at": at}
        edited = requests.post(control + "/edits", json=body, timeout=10).json()["data"]
        finished = requests.post(control + "/edits/finish", json={"old": 4}, timeout=10)
        missing = requests.post(
            control + "/edits", json={"ids": ["cnope"], "fields": {}}, timeout=10
        )
        served = read_all(client, server, filterDateField="updatedAt", startDate=at)
        assert server.request_count() == 1  # control requests are not recorded
    assert [(r["id"], r["updatedAt"]) for r in edited] == [(i, at) for i in ids]
    assert finished.status_code == 200 and len(finished.json()["data"]) == 4
    assert all(r["finished"] for r in finished.json()["data"])
    assert missing.status_code == 400
    # Finished after `at`: the feed since `at` has both edits.
    assert {r["id"] for r in served} == set(ids) | {r["id"] for r in finished.json()["data"]}


def test_archived_surveys_take_no_new_responses() -> None:
    dataset = SampleDataset.generate(seed=7, responses=100, now=NOW, release=5)
    archived = {s["id"] for s in dataset.rows("surveys") if s["archivedAt"]}
    assert archived
    added = dataset.add_responses(300)
    assert not {dataset.response(i)["surveyId"] for i in added} & archived
