"""Tests of the sample analytics API itself, over real HTTP on localhost.

The loader's tests trust this server to behave like the real management API, so its envelope,
auth, paging, order, faults and rate limit are pinned down here with exact values, and so are
the routes and record shapes of each Formbricks release it serves (2, 4 and 5, as read from the
Formbricks source at v2.7.2, v3.8.0, 4.9.7, 5.3.4 and 5.4.0-rc.1) and the community edition's
refusals. v2, the app's own rate limits and the change feed's edits are in
`test_sample_api_v2.py`.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import itertools
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from analytics_assets.sample_api import (
    CONTACTS_REFUSED_MESSAGE,
    LEGACY_PEOPLE_LIMIT,
    SampleApiServer,
    SampleDataset,
)

KEY = "sample-test-key"
NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
COUNT = 2345
RESPONSES = "/v1/management/responses"
# The unpaged endpoints of release 5, the default, and those release 2 has instead of contacts.
UNPAGED = [
    ("/v1/management/surveys", "surveys"),
    ("/v1/management/action-classes", "action_classes"),
    ("/v1/management/contacts", "contacts"),
    ("/v1/management/contact-attributes", "contact_attributes"),
    ("/v1/management/contact-attribute-keys", "contact_attribute_keys"),
    ("/v1/webhooks", "webhooks"),
]
LEGACY_PATHS = {
    "/v1/management/people": "people",
    "/v1/management/attribute-classes": "attribute_classes",
}
CONTACT_PATHS = [path for path, endpoint in UNPAGED if endpoint.startswith("contact")]
NOT_FOUND_PAGE = "<h2>Page not found</h2>"
NOT_AUTHENTICATED = {
    "code": "not_authenticated",
    "message": "Not authenticated",
    "details": {"x-Api-Key": "Header not provided or API Key invalid"},
}
# The body of 4.x's rate limit (`withV1ApiWrapper`); 4.x and the hosted service send no
# Retry-After.
TOO_MANY_REQUESTS = {
    "code": "too_many_requests",
    "message": "Maximum number of requests reached. Please try again later.",
    "details": {},
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


def test_unknown_path_is_the_html_404_page_before_auth(
    shared: SampleApiServer, client: requests.Session
) -> None:
    # Next.js routes before any handler checks the key: a route that does not exist is its 404
    # page, with or without a key. Release 5 has no people route any more.
    for path in ["/v1/management/people", "/v1/nothing"]:
        for session in (client, requests):
            response = session.get(shared.base_url + path, timeout=10)
            assert response.status_code == 404
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert NOT_FOUND_PAGE in response.text
    # Without the /api prefix nothing is served either.
    bare = client.get(shared.base_url.removesuffix("/api") + RESPONSES, timeout=10)
    assert bare.status_code == 404 and NOT_FOUND_PAGE in bare.text


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
    # 8 surveys, 12 action classes, 200 contacts with 1,422 attributes of 8 keys, 4 webhooks.
    assert [len(dataset.rows(e)) for _, e in UNPAGED] == [8, 12, 200, 1422, 8, 4]
    surveys = dataset.rows("surveys")
    question_ids = [q["id"] for s in surveys for q in s["questions"]]
    assert len(question_ids) == len(set(question_ids))
    assert all(re.match(r"^[a-z0-9]{24}$", qid) for qid in question_ids)
    assert all(any(q["type"] == "nps" for q in s["questions"]) for s in surveys)
    kinds = {q["type"] for s in surveys for q in s["questions"]}
    assert kinds == {"nps", "rating", "multipleChoiceSingle", "multipleChoiceMulti", "openText"}
    keys = {row["key"] for row in dataset.rows("contact_attribute_keys")}
    assert {"userId", "email", "language"} <= keys
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
    people = {p["id"]: p for p in dataset.people()}
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
    assert any(r["tags"] for r in responses)
    assert not any("notes" in r for r in responses)  # removed in Formbricks 4.0


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
    fresh.dataset.add_field("webhooks", "secret", lambda record: record["id"][:5])
    [new_id] = fresh.dataset.add_responses(1)
    rows = get(client, fresh, RESPONSES).json()["data"]
    assert rows[0]["id"] == new_id and "person" in rows[0] and rows[0]["quotas"] == []
    assert all(r["quotas"] == [] for r in rows)
    webhooks = get(client, fresh, "/v1/webhooks").json()["data"]
    assert all(w["secret"] == w["id"][:5] for w in webhooks)


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
    assert statuses[2].json() == TOO_MANY_REQUESTS
    # Faults come before the key check, and other paths are untouched.
    fresh.queue_fault("/v1/management/contacts", 500)
    assert get(client, fresh, "/v1/management/surveys").status_code == 200
    assert requests.get(fresh.base_url + "/v1/management/contacts", timeout=10).status_code == 500
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
            assert rejected.json() == TOO_MANY_REQUESTS
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


# ----------------------------------------------------------------------------------- releases


def _server(release: int, edition: str = "enterprise", **options: object) -> SampleApiServer:
    dataset = SampleDataset.generate(seed=7, responses=40, now=NOW, release=release)
    return SampleApiServer(dataset=dataset, api_key=KEY, edition=edition, **options)  # type: ignore[arg-type]


ROUTE_MATRIX = {
    # path: status on (release 2, 4 enterprise, 4 community, 5 enterprise, 5 community)
    "/v1/management/people": (200, 200, 403, 404, 404),
    "/v1/management/attribute-classes": (200, 200, 403, 404, 404),
    "/v1/management/contacts": (404, 200, 403, 200, 403),
    "/v1/management/contact-attributes": (404, 200, 403, 200, 403),
    "/v1/management/contact-attribute-keys": (404, 200, 403, 200, 403),
    "/v1/management/surveys": (200,) * 5,
    "/v1/management/action-classes": (200,) * 5,
    "/v1/management/responses": (200,) * 5,
    "/v1/webhooks": (200,) * 5,
}
RELEASE_EDITIONS = [(2, "enterprise"), (4, "enterprise"), (4, "community"), (5, "enterprise"),
                    (5, "community")]  # fmt: skip


@pytest.mark.parametrize(("column", "release", "edition"), [
    (column, release, edition) for column, (release, edition) in enumerate(RELEASE_EDITIONS)
])  # fmt: skip
def test_routes_of_each_release_and_edition(column: int, release: int, edition: str) -> None:
    with _server(release, edition) as server, requests.Session() as session:
        session.headers["x-api-key"] = KEY
        statuses = {path: get(session, server, path).status_code for path in ROUTE_MATRIX}
        refused = get(session, server, "/v1/management/contacts")
        unauthenticated = requests.get(server.base_url + "/v1/management/contacts", timeout=10)
        people = get(session, server, "/v1/management/people")
    assert statuses == {path: row[column] for path, row in ROUTE_MATRIX.items()}
    if edition == "community":
        assert refused.json() == {
            "code": "forbidden",
            "message": CONTACTS_REFUSED_MESSAGE,
            "details": {},
        }
        # The Enterprise check comes after the key check.
        assert unauthenticated.status_code == 401
    if release == 5:
        assert NOT_FOUND_PAGE in people.text


def test_release_4_rewrites_the_old_paths_to_contacts() -> None:
    with _server(4) as server, requests.Session() as session:
        session.headers["x-api-key"] = KEY
        for old, new in [
            ("/v1/management/people", "/v1/management/contacts"),
            ("/v1/management/attribute-classes", "/v1/management/contact-attribute-keys"),
        ]:
            assert get(session, server, old).content == get(session, server, new).content


def test_record_shapes_of_each_release() -> None:
    two = SampleDataset.generate(seed=7, responses=300, now=NOW, release=2)
    four = SampleDataset.generate(seed=7, responses=300, now=NOW, release=4)
    five = SampleDataset.generate(seed=7, responses=300, now=NOW, release=5)
    # The same people, surveys and responses underneath: the same ids in every release (5.x
    # archived a few surveys, which moved their updatedAt and so their place in the list).
    for table in ("action_classes", "webhooks", "responses"):
        assert [r["id"] for r in two.rows(table)] == [r["id"] for r in five.rows(table)]
    assert sorted(r["id"] for r in two.rows("surveys")) == sorted(
        r["id"] for r in five.rows("surveys")
    )
    assert sorted(r["id"] for r in five.rows("contacts")) == sorted(p["id"] for p in two.people())

    legacy = two.rows("responses")
    assert all("person" in r and "personAttributes" in r and "notes" in r for r in legacy)
    assert not any("contact" in r or "endingId" in r for r in legacy)
    assert any(r["notes"] for r in legacy)
    for current in (four, five):
        rows = current.rows("responses")
        assert all("contact" in r and "contactAttributes" in r and "notes" not in r for r in rows)
    tag_owner = {
        release: {key for r in data.rows("responses") for tag in r["tags"] for key in tag}
        & {"environmentId", "workspaceId"}
        for release, data in ((2, two), (4, four), (5, five))
    }
    assert tag_owner == {2: {"environmentId"}, 4: {"environmentId"}, 5: {"workspaceId"}}

    workspace = five.workspace_id
    # 5.4: `workspaceId` where 4.x had `environmentId`, which comes back last, as the legacy id.
    for endpoint in ("surveys", "webhooks"):
        olds = {r["id"]: r for r in four.rows(endpoint)}
        for new in five.rows(endpoint):
            old = olds[new["id"]]
            assert list(new)[-1] == "environmentId", endpoint
            assert new["environmentId"] == four.environment_id and new["workspaceId"] == workspace
            assert list(new).index("workspaceId") == list(old).index("environmentId"), endpoint
    surveys = five.rows("surveys")
    assert [s["updatedAt"] for s in surveys] == sorted((s["updatedAt"] for s in surveys),
                                                       reverse=True)  # fmt: skip
    for survey in surveys:
        assert [b["elements"] for b in survey["blocks"]] == [[q] for q in survey["questions"]]
        assert [b["name"] for b in survey["blocks"]][:2] == ["Block 1", "Block 2"]
        assert all(ID.match(b["id"]) for b in survey["blocks"])
    archived = [s for s in surveys if s["archivedAt"] is not None]
    assert 1 <= len(archived) < len(surveys) / 2
    # Archived within the purge's 30 days, after its last response and its last other write.
    newest = {}
    for r in five.rows("responses"):
        newest[r["surveyId"]] = max(newest.get(r["surveyId"], ""), r["createdAt"])
    for survey in archived:
        assert survey["updatedAt"] == survey["archivedAt"] > newest.get(survey["id"], "")
        assert survey["archivedAt"] >= (NOW - timedelta(days=30)).isoformat()[:19]
        assert survey["status"] != "inProgress"
    assert not any("blocks" in s or "archivedAt" in s for s in four.rows("surveys"))
    assert all(
        "environmentId" not in a and a["workspaceId"] == workspace
        for a in five.rows("action_classes")
    )
    assert not any("workspaceId" in s for s in four.rows("surveys"))
    assert set(five.rows("contacts")[0]) == {"id", "createdAt", "updatedAt", "workspaceId"}
    assert set(four.rows("contacts")[0]) == {"id", "createdAt", "updatedAt", "environmentId"}
    key_fields = {"id", "createdAt", "updatedAt", "isUnique", "key", "name", "description",
                  "type", "dataType"}  # fmt: skip
    assert set(five.rows("contact_attribute_keys")[0]) == key_fields | {"workspaceId"}
    assert set(four.rows("contact_attribute_keys")[0]) == key_fields | {"environmentId"}
    assert set(five.rows("contact_attributes")[0]) == {
        "id", "createdAt", "updatedAt", "attributeKeyId", "contactId", "value", "valueNumber",
        "valueDate",
    }  # fmt: skip


def test_contact_attributes_are_each_persons_attributes_by_key_id() -> None:
    dataset = SampleDataset.generate(seed=7, responses=10, now=NOW, release=5)
    keys = {key["id"]: key for key in dataset.rows("contact_attribute_keys")}
    rebuilt: dict[str, dict[str, str]] = {}
    for row in dataset.rows("contact_attributes"):
        rebuilt.setdefault(row["contactId"], {})[keys[row["attributeKeyId"]]["key"]] = row["value"]
    expected = {p["id"]: {"userId": p["userId"], **p["attributes"]} for p in dataset.people()}
    assert rebuilt == expected
    by_key = {key["key"]: key for key in keys.values()}
    assert (by_key["userId"]["isUnique"], by_key["userId"]["type"]) == (True, "default")
    assert by_key["signupDate"]["dataType"] == "date"
    seats = [r for r in dataset.rows("contact_attributes") if r["attributeKeyId"]
             == by_key["seats"]["id"]] if "seats" in by_key else []  # fmt: skip
    assert all(r["valueNumber"] == float(r["value"]) for r in seats)


def test_release_2_returns_at_most_30_people_and_hides_the_user_id_class() -> None:
    dataset = SampleDataset.generate(seed=7, responses=10, now=NOW, release=2)
    assert len(dataset.people()) == 200
    served = dataset.rows("people")
    assert len(served) == LEGACY_PEOPLE_LIMIT == 30
    assert served == dataset.people()[:30]
    names = [row["name"] for row in dataset.rows("attribute_classes")]
    assert "userId" not in names and {"email", "language"} <= set(names)


@pytest.mark.parametrize("release", [4, 5])
def test_a_key_without_a_workspace_is_refused(release: int) -> None:
    with _server(release, keys_without_workspace=("orphan-key",)) as server:
        with requests.Session() as session:
            session.headers["x-api-key"] = "orphan-key"
            statuses = {path: get(session, server, path).status_code for path in ROUTE_MATRIX}
            surveys = get(session, server, "/v1/management/surveys")
    for path, status in statuses.items():
        if ROUTE_MATRIX[path][1 if release == 4 else 3] == 404:
            assert status == 404, path
        elif path == "/v1/management/surveys" and release == 5:
            # 5.x lists surveys for organization-level keys: none.
            assert (status, surveys.json()) == (200, {"data": []})
        else:
            assert status == 401, path


# ----------------------------------------------------------------------------------- fault matching


def test_a_fault_can_match_a_query(fresh: SampleApiServer, client: requests.Session) -> None:
    fresh.queue_fault(RESPONSES, 502, query={"skip": "100"})
    assert get(client, fresh, RESPONSES, limit=100, skip=0).status_code == 200
    assert get(client, fresh, RESPONSES, limit=100, skip=100).status_code == 502
    assert get(client, fresh, RESPONSES, limit=100, skip=100).status_code == 200


def test_a_timed_fault_answers_every_request_until_its_time_is_up(
    fresh: SampleApiServer, client: requests.Session
) -> None:
    storm = 0.5
    fresh.queue_fault("", 429, for_seconds=storm)
    deadline = time.monotonic() + 30
    while get(client, fresh, RESPONSES, limit=1).status_code == 429:
        assert time.monotonic() < deadline, "the storm never ended"
    statuses = [r.status for r in fresh.requests]
    assert statuses[-1] == 200 and set(statuses[:-1]) == {429} and len(statuses) >= 2
    first, last = fresh.requests[0], fresh.requests[-1]
    # Counted from the first request it answered, so a client sees all of it.
    assert last.received_at - first.received_at >= storm
    assert get(client, fresh, "/v1/management/surveys").status_code == 200


def test_a_delayed_request_is_answered_once_released(
    fresh: SampleApiServer, client: requests.Session
) -> None:
    # Held far longer than the test may take: only the release can answer it in time.
    fresh.queue_fault(RESPONSES, 503, delay=600)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        held = pool.submit(get, client, fresh, RESPONSES, limit=1)
        deadline = time.monotonic() + 30
        while not fresh.requests:
            assert time.monotonic() < deadline, "the request never arrived"
            time.sleep(0.01)
        assert not held.done()
        fresh.release_delayed()
        assert held.result(timeout=30).status_code == 503
    # The fault was used up: the next request is served normally.
    assert get(client, fresh, RESPONSES, limit=1).status_code == 200
