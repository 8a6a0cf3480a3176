"""Tests of the sample analytics API itself, over real HTTP on localhost.

The loader's tests trust this server to behave like the real management API, so its envelope,
auth, paging, order, faults and rate limit are pinned down here with exact values.
"""

from __future__ import annotations

import http.client
import itertools
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from analytics_assets.sample_api import SampleApiServer, SampleDataset

KEY = "sample-test-key"
NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
COUNT = 2345
RESPONSES = "/v1/management/responses"
UNPAGED = [
    ("/v1/management/surveys", "surveys"),
    ("/v1/management/action-classes", "action_classes"),
    ("/v1/management/attribute-classes", "attribute_classes"),
    ("/v1/management/people", "people"),
    ("/v1/webhooks", "webhooks"),
]
NOT_AUTHENTICATED = {
    "code": "not_authenticated",
    "message": "Not authenticated",
    "details": {"x-Api-Key": "Header not provided or API Key invalid"},
}
ID = re.compile(r"^c[a-z0-9]{24}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


@pytest.fixture(scope="module")
def shared() -> Iterator[SampleApiServer]:
    """A read-only server shared by the tests that do not change data, faults or limits."""
    dataset = SampleDataset.generate(seed=7, responses=COUNT, now=NOW)
    with SampleApiServer(dataset=dataset, api_key=KEY) as server:
        yield server


@pytest.fixture
def fresh() -> Iterator[SampleApiServer]:
    """A small server of its own, for tests that edit data or queue faults."""
    dataset = SampleDataset.generate(seed=11, responses=300, now=NOW)
    with SampleApiServer(dataset=dataset, api_key=KEY) as server:
        yield server


@pytest.fixture
def client() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["x-api-key"] = KEY
        yield session


def get(
    session: requests.Session, server: SampleApiServer, path: str, **params: object
) -> requests.Response:
    return session.get(server.base_url + path, params=params, timeout=10)


def all_pages(
    session: requests.Session, server: SampleApiServer, limit: int = 100
) -> list[list[dict]]:
    pages, skip = [], 0
    while True:
        response = get(session, server, RESPONSES, limit=limit, skip=skip)
        assert response.status_code == 200
        page = response.json()["data"]
        pages.append(page)
        if not page:
            return pages
        skip += limit


def created_key(record: dict) -> tuple[str, str]:
    # ISO timestamps of one fixed format sort like the instants they name.
    return record["createdAt"], record["id"]


# ----------------------------------------------------------------------------------- auth


@pytest.mark.parametrize("path", [RESPONSES] + [path for path, _ in UNPAGED])
def test_missing_key_gets_exact_401(shared: SampleApiServer, path: str) -> None:
    response = requests.get(shared.base_url + path, timeout=10)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == NOT_AUTHENTICATED


def test_wrong_key_gets_exact_401(shared: SampleApiServer) -> None:
    response = requests.get(shared.base_url + RESPONSES, headers={"x-api-key": "nope"}, timeout=10)
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_unknown_path_is_404_after_auth(shared: SampleApiServer, client: requests.Session) -> None:
    response = get(client, shared, "/v1/management/contacts")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found", "details": {}}
    # Without the /api prefix nothing is served either.
    bare = client.get(shared.base_url.removesuffix("/api") + RESPONSES, timeout=10)
    assert bare.status_code == 404
    assert requests.get(shared.base_url + "/v1/nothing", timeout=10).status_code == 401


# ----------------------------------------------------------------------------------- envelope


@pytest.mark.parametrize(("path", "endpoint"), [*UNPAGED, (RESPONSES, "responses")])
def test_envelope_is_data_only(
    shared: SampleApiServer, client: requests.Session, path: str, endpoint: str
) -> None:
    response = get(client, shared, path, limit=5, skip=1)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.content)
    body = response.json()
    assert list(body) == ["data"]
    assert isinstance(body["data"], list)
    rows = shared.dataset.rows(endpoint)
    # Only responses page; the other endpoints ignore limit and skip.
    assert body["data"] == (rows[1:6] if endpoint == "responses" else rows)
    for record in body["data"]:
        assert ID.match(record["id"])
        assert TIMESTAMP.match(record["createdAt"])
        assert TIMESTAMP.match(record["updatedAt"])
        assert record["updatedAt"] >= record["createdAt"]


def test_counts_and_kinds_of_setup_records(shared: SampleApiServer) -> None:
    dataset = shared.dataset
    assert [len(dataset.rows(e)) for _, e in UNPAGED] == [8, 12, 8, 200, 4]
    surveys = dataset.rows("surveys")
    question_ids = [q["id"] for s in surveys for q in s["questions"]]
    assert len(question_ids) == len(set(question_ids))
    assert all(re.match(r"^[a-z0-9]{24}$", qid) for qid in question_ids)
    assert all(any(q["type"] == "nps" for q in s["questions"]) for s in surveys)
    kinds = {q["type"] for s in surveys for q in s["questions"]}
    assert kinds == {"nps", "rating", "multipleChoiceSingle", "multipleChoiceMulti", "openText"}
    names = {row["name"] for row in dataset.rows("attribute_classes")}
    assert {"userId", "email", "language"} <= names
    for action in dataset.rows("action_classes"):
        assert (action["key"] is not None) == (action["type"] == "code")
        assert (action["noCodeConfig"] is not None) == (action["type"] == "noCode")


# ----------------------------------------------------------------------------------- paging


def test_paging_by_100(shared: SampleApiServer, client: requests.Session) -> None:
    pages = all_pages(client, shared)
    assert [len(page) for page in pages] == [100] * 23 + [45, 0]
    everything = get(client, shared, RESPONSES)
    assert everything.status_code == 200
    assert [r for page in pages for r in page] == everything.json()["data"]
    assert len(everything.json()["data"]) == COUNT


def test_order_is_newest_first_with_id_tie_break(
    shared: SampleApiServer, client: requests.Session
) -> None:
    rows = get(client, shared, RESPONSES).json()["data"]
    keys = [created_key(r) for r in rows]
    assert all(a > b for a, b in itertools.pairwise(keys))  # strictly descending
    created = [r["createdAt"] for r in rows]
    assert len(set(created)) < len(created), "some responses must share a createdAt"


def test_skip_past_the_end_and_limit_edge_cases(
    shared: SampleApiServer, client: requests.Session
) -> None:
    rows = shared.dataset.rows("responses")
    assert get(client, shared, RESPONSES, skip=COUNT).json() == {"data": []}
    assert get(client, shared, RESPONSES, skip=COUNT - 2).json()["data"] == rows[-2:]
    assert get(client, shared, RESPONSES, limit=5000).json()["data"] == rows
    # As in the real API, limit=0 means no limit at all, not an empty page.
    assert len(get(client, shared, RESPONSES, limit=0).json()["data"]) == COUNT


@pytest.mark.parametrize(
    "params", [{"limit": "abc"}, {"limit": "-1"}, {"skip": "1.5"}, {"skip": "x"}]
)
def test_bad_paging_params_are_400(
    shared: SampleApiServer, client: requests.Session, params: dict
) -> None:
    response = get(client, shared, RESPONSES, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bad_request"
    assert set(body) == {"code", "message", "details"}
    assert list(body["details"]) == list(params)


def test_survey_filter_pages_25_by_default(
    shared: SampleApiServer, client: requests.Session
) -> None:
    rows = shared.dataset.rows("responses")
    survey_id = rows[0]["surveyId"]
    of_survey = [r for r in rows if r["surveyId"] == survey_id]
    assert len(of_survey) > 30
    assert get(client, shared, RESPONSES, surveyId=survey_id).json()["data"] == of_survey[:25]
    page = get(client, shared, RESPONSES, surveyId=survey_id, limit=10, skip=5).json()["data"]
    assert page == of_survey[5:15]
    missing = get(client, shared, RESPONSES, surveyId="cnosuchsurvey000000000000")
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "not_found",
        "message": "Survey not found",
        "details": {"resource_id": "cnosuchsurvey000000000000", "resource_type": "Survey"},
    }


# ----------------------------------------------------------------------------------- data


def test_responses_reference_their_survey_and_people(shared: SampleApiServer) -> None:
    dataset = shared.dataset
    surveys = {s["id"]: s for s in dataset.rows("surveys")}
    people = {p["id"]: p for p in dataset.rows("people")}
    responses = dataset.rows("responses")
    first_setup_update = min(s["createdAt"] for s in surveys.values())
    for response in responses:
        survey = surveys[response["surveyId"]]
        questions = {q["id"]: q for q in survey["questions"]}
        hidden = set(survey["hiddenFields"]["fieldIds"])
        assert set(response["data"]) <= set(questions) | hidden
        for question_id, answer in response["data"].items():
            if question_id in hidden:
                continue
            question = questions[question_id]
            if question["type"] == "nps":
                assert answer in range(11)
            elif question["type"] == "rating":
                assert 1 <= answer <= question["range"]
        endings = {e["id"] for e in survey["endings"]}
        assert (
            (response["endingId"] in endings)
            if response["finished"]
            else response["endingId"] is None
        )
        assert ("_total" in response["ttc"]) == response["finished"]
        if response["contact"] is not None:
            person = people[response["contact"]["id"]]
            assert response["contact"]["userId"] == person["userId"]
            assert person["createdAt"] < response["createdAt"]
        assert survey["createdAt"] < response["createdAt"]
        assert response["createdAt"] > first_setup_update
        assert response["createdAt"] >= "2026-08-22T12:00:00.000Z"  # within 90 days of NOW
        assert response["updatedAt"] <= "2026-11-20T12:00:00.000Z"
    finished = sum(r["finished"] for r in responses) / len(responses)
    assert 0.7 < finished < 0.8
    with_contact = sum(r["contact"] is not None for r in responses) / len(responses)
    assert 0.5 < with_contact < 0.7
    assert any(r["tags"] for r in responses) and any(r["notes"] for r in responses)


def test_same_seed_and_now_give_identical_bytes() -> None:
    first = SampleDataset.generate(seed=3, responses=500, now=NOW)
    second = SampleDataset.generate(seed=3, responses=500, now=NOW)
    other = SampleDataset.generate(seed=4, responses=500, now=NOW)
    with (
        SampleApiServer(dataset=first, api_key=KEY) as a,
        SampleApiServer(dataset=second, api_key=KEY) as b,
    ):
        for path in [RESPONSES] + [p for p, _ in UNPAGED]:
            body_a = requests.get(a.base_url + path, headers={"x-api-key": KEY}, timeout=10).content
            body_b = requests.get(b.base_url + path, headers={"x-api-key": KEY}, timeout=10).content
            assert body_a == body_b
    assert first.responses_body() != other.responses_body()


# ----------------------------------------------------------------------------------- edits


def test_added_responses_come_first(fresh: SampleApiServer, client: requests.Session) -> None:
    before = get(client, fresh, RESPONSES).json()["data"]
    ids = fresh.dataset.add_responses(3)
    after = get(client, fresh, RESPONSES).json()["data"]
    assert [r["id"] for r in after[:3]] == ids[::-1]
    assert after[3:] == before
    assert after[2]["createdAt"] > before[0]["createdAt"]
    at = NOW + timedelta(days=1)
    [later] = fresh.dataset.add_responses(1, at=at)
    assert (
        get(client, fresh, RESPONSES, limit=1).json()["data"][0]["createdAt"]
        == "2026-11-21T12:00:00.000Z"
    )
    assert fresh.dataset.rows("responses")[0]["id"] == later
    with pytest.raises(ValueError):
        fresh.dataset.add_responses(1, at=NOW)


def test_edit_keeps_order_and_bumps_updated_at(
    fresh: SampleApiServer, client: requests.Session
) -> None:
    before = get(client, fresh, RESPONSES).json()["data"]
    target = next(r for r in before[50:] if not r["finished"])
    edited = fresh.dataset.edit_response(target["id"], finished=True, tags=[])
    after = get(client, fresh, RESPONSES).json()["data"]
    assert [r["id"] for r in after] == [r["id"] for r in before]
    served = next(r for r in after if r["id"] == target["id"])
    assert served == edited
    assert served["finished"] is True
    assert served["createdAt"] == target["createdAt"]
    assert served["updatedAt"] > target["updatedAt"]
    assert served["updatedAt"] > before[0]["createdAt"]  # edited "now", after every creation
    with pytest.raises(ValueError):
        fresh.dataset.edit_response(target["id"], createdAt="2020-01-01T00:00:00.000Z")
    with pytest.raises(KeyError):
        fresh.dataset.edit_response("cmissing00000000000000000", finished=True)


def test_schema_drift_helpers(fresh: SampleApiServer, client: requests.Session) -> None:
    fresh.dataset.rename_response_field("contact", "person", newest=10)
    rows = get(client, fresh, RESPONSES).json()["data"]
    assert all("person" in r and "contact" not in r for r in rows[:10])
    assert all("contact" in r and "person" not in r for r in rows[10:])
    assert list(rows[0]).index("person") == list(rows[10]).index("contact")
    fresh.dataset.add_field("responses", "quotas", lambda record: [])
    fresh.dataset.add_field("people", "segmentIds", lambda record: [record["id"][:5]])
    [new_id] = fresh.dataset.add_responses(1)
    rows = get(client, fresh, RESPONSES).json()["data"]
    assert rows[0]["id"] == new_id and "person" in rows[0] and rows[0]["quotas"] == []
    assert all(r["quotas"] == [] for r in rows)
    people = get(client, fresh, "/v1/management/people").json()["data"]
    assert all(p["segmentIds"] == [p["id"][:5]] for p in people)


# ----------------------------------------------------------------------------------- faults


def test_faults_are_served_in_order_then_the_real_answer(
    fresh: SampleApiServer, client: requests.Session
) -> None:
    fresh.queue_fault(RESPONSES, 503, times=2, retry_after="2")
    fresh.queue_fault(RESPONSES, 429)
    statuses = [get(client, fresh, RESPONSES, limit=1) for _ in range(4)]
    assert [r.status_code for r in statuses] == [503, 503, 429, 200]
    assert statuses[0].headers["Retry-After"] == "2"
    assert statuses[0].json() == {
        "code": "internal_server_error",
        "message": "Service Unavailable",
        "details": {},
    }
    assert "Retry-After" not in statuses[2].headers
    assert statuses[2].json() == {
        "code": "too_many_requests",
        "message": "Too many requests",
        "details": {},
    }
    # Faults come before the key check, and other paths are untouched.
    fresh.queue_fault("/v1/management/people", 500)
    assert get(client, fresh, "/v1/management/surveys").status_code == 200
    assert requests.get(fresh.base_url + "/v1/management/people", timeout=10).status_code == 500
    assert [r.status for r in fresh.requests] == [503, 503, 429, 200, 200, 500]


def test_fault_with_custom_body_and_forever(
    fresh: SampleApiServer, client: requests.Session
) -> None:
    fresh.queue_fault(RESPONSES, 200, times=-1, body=b'{"items": []}')
    for _ in range(3):
        response = get(client, fresh, RESPONSES)
        assert response.status_code == 200 and response.json() == {"items": []}
    fresh.clear_faults()
    fresh.queue_fault(
        "/v1/webhooks", 502, body=b"<html>Bad gateway</html>", content_type="text/html"
    )
    response = get(client, fresh, "/v1/webhooks")
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "text/html"
    assert response.text == "<html>Bad gateway</html>"
    assert get(client, fresh, RESPONSES).json()["data"] == fresh.dataset.rows("responses")


def test_dropped_connection_and_slow_answer(
    fresh: SampleApiServer, client: requests.Session
) -> None:
    fresh.queue_fault(RESPONSES, drop_connection=True)
    with pytest.raises(requests.ConnectionError):
        get(client, fresh, RESPONSES)
    fresh.queue_fault(RESPONSES, 200, delay=0.5)
    with pytest.raises(requests.Timeout):
        client.get(fresh.base_url + RESPONSES, timeout=0.1)
    assert get(client, fresh, RESPONSES, limit=1).status_code == 200
    assert [r.status for r in fresh.requests] == [0, 200, 200]


# ----------------------------------------------------------------------------------- rate limit


def test_rate_limit_rejects_the_sixth_request() -> None:
    dataset = SampleDataset.generate(seed=1, responses=20, now=NOW)
    with SampleApiServer(dataset=dataset, api_key=KEY, rate_limit_per_minute=5) as server:
        with requests.Session() as session:
            session.headers["x-api-key"] = KEY
            statuses = [get(session, server, RESPONSES, limit=5) for _ in range(7)]
            assert [r.status_code for r in statuses] == [200] * 5 + [429, 429]
            rejected = statuses[5]
            assert rejected.json() == {
                "code": "too_many_requests",
                "message": "Too many requests",
                "details": {},
            }
            assert "Retry-After" not in rejected.headers
            # Requests without the key are refused before they count against anyone's limit.
            assert requests.get(server.base_url + RESPONSES, timeout=10).status_code == 401
        assert server.request_count(RESPONSES) == 8
        assert [r.status for r in server.requests] == [200] * 5 + [429, 429, 401]


# ----------------------------------------------------------------------------------- log


def test_request_log(fresh: SampleApiServer, client: requests.Session) -> None:
    get(client, fresh, RESPONSES, limit=100, skip=200)
    get(client, fresh, "/v1/management/surveys")
    requests.get(fresh.base_url + "/v1/webhooks", timeout=10)
    assert fresh.request_count() == 3
    assert fresh.request_count(RESPONSES) == 1
    assert fresh.request_count("/surveys") == 1
    first = fresh.requests[0]
    assert (first.method, first.path, first.query, first.status) == (
        "GET", "/api/v1/management/responses", {"limit": "100", "skip": "200"}, 200,
    )  # fmt: skip
    assert first.headers["x-api-key"] == KEY
    assert fresh.requests[2].status == 401
    fresh.reset_requests()
    assert fresh.request_count() == 0 and fresh.requests == []


def test_keep_alive_reuses_one_connection(fresh: SampleApiServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", fresh.port, timeout=10)
    try:
        connection.connect()
        sock = connection.sock
        for status_wanted, key in [(200, KEY), (401, "wrong"), (200, KEY)]:
            connection.request("GET", "/api" + RESPONSES + "?limit=100", headers={"x-api-key": key})
            response = connection.getresponse()
            body = response.read()
            assert response.status == status_wanted
            assert len(body) == int(response.headers["Content-Length"])
            assert connection.sock is sock  # the server kept the same socket open
    finally:
        connection.close()
    assert fresh.request_count() == 3


# ----------------------------------------------------------------------------------- control


def test_control_endpoints(fresh: SampleApiServer, client: requests.Session) -> None:
    control = fresh.base_url.removesuffix("/api") + "/_sample"
    get(client, fresh, RESPONSES, limit=10)
    get(client, fresh, "/v1/management/surveys")
    stats = requests.get(control + "/stats", timeout=10).json()
    assert stats == {
        "requests": {"/api/v1/management/responses": 1, "/api/v1/management/surveys": 1},
        "total": 2,
        "response_count": 300,
    }

    added = requests.post(control + "/responses", params={"count": 150}, timeout=10).json()["ids"]
    assert len(added) == 150
    newest = get(client, fresh, RESPONSES, limit=150).json()["data"]
    assert [r["id"] for r in newest] == added[::-1]

    target = newest[-1]
    edited = requests.post(
        control + f"/responses/{target['id']}", json={"finished": True}, timeout=10
    )
    assert edited.status_code == 200
    assert edited.json()["finished"] is True and edited.json()["updatedAt"] > target["updatedAt"]
    assert get(client, fresh, RESPONSES, limit=150).json()["data"][-1] == edited.json()
    assert requests.post(control + "/responses/cnope", json={}, timeout=10).status_code == 404

    fault = {"path": RESPONSES, "status": 503, "times": 2, "retry_after": "1", "body": "oops"}
    assert requests.post(control + "/faults", json=fault, timeout=10).status_code == 200
    faulted = get(client, fresh, RESPONSES, limit=1)
    assert (faulted.status_code, faulted.text, faulted.headers["Retry-After"]) == (503, "oops", "1")
    assert requests.delete(control + "/faults", timeout=10).status_code == 200
    assert get(client, fresh, RESPONSES, limit=1).status_code == 200

    assert requests.post(control + "/requests/reset", timeout=10).status_code == 200
    assert fresh.request_count() == 0
    assert requests.get(control + "/stats", timeout=10).json()["total"] == 0
    assert requests.get(control + "/nothing", timeout=10).status_code == 404
    assert fresh.request_count() == 0  # control requests are never recorded
    assert json.loads(requests.get(control + "/stats", timeout=10).content)["response_count"] == 450
