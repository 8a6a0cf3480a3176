"""What only the API's own "no such response" confirms, and the survey columns that come and go.

Deletion confirmation (`responses_still_there`): a missing response counts as deleted only on a
JSON 404 carrying the v1 error envelope with `code: not_found` (Formbricks 3.0+
`notFoundResponse("Response", id)`, read at 3.8.0, 4.0.0, 4.9.7, 5.3.4 and 5.4.0-rc.1). An HTML
404, another code, Formbricks 2.x's 401 `unauthorized` stop the check.

Columns: `archivedAt` (5.3+) and `environmentId` (surveys and webhooks: absent in 5.0-5.3.4) are
declared nullable, so the tables have them whichever release loaded them; the analytics never
group or join on `environment_id`.
"""

import re

import pytest

from analytics_assets.formbricks.columns import table_columns, warehouse_name
from analytics_assets.formbricks.descriptions import (
    ANALYTICS_COLUMN_DESCRIPTIONS,
    RAW_COLUMN_DESCRIPTIONS,
)
from analytics_assets.warehouse.analytics import LIVE_VIEWS, _live_view
from analytics_assets.warehouse.deletions import responses_still_there
from analytics_assets.warehouse.queries import SQL_DIR

PATH = "/v1/management/responses/"
ANSWERED = "GET /v1/management/responses/<id> answered HTTP"
NEXT_404_PAGE = (
    b"<!DOCTYPE html><html><head><title>404: This page could not be found.</title></head>"
    b"<body><h1>404</h1></body></html>"
)


def not_found(response_id: str, resource_type: str = "Response") -> dict:
    """The body of Formbricks' `notFoundResponse(resource_type, id)` (app/lib/api/response.ts)."""
    return {
        "code": "not_found",
        "message": f"{resource_type} not found",
        "details": {"resource_id": response_id, "resource_type": resource_type},
    }


def ask(make_rest_client, answers: dict) -> tuple:
    client = make_rest_client({PATH + rid: answer for rid, answer in answers.items()})
    return responses_still_there(client, tuple(answers)), client.asked


# ----------------------------------------------------------------------------- what confirms


def test_the_apis_json_not_found_confirms_each_response_gone(make_rest_client, make_response):
    still, asked = ask(
        make_rest_client,
        {
            "r1": make_response(404, json=not_found("r1")),
            "r2": make_response(200, json={"data": {"id": "r2"}}),
            "r3": make_response(
                404, json=not_found("r3"), content_type="application/json; charset=utf-8"
            ),
        },
    )
    assert still == ({"r2"}, False, None)
    assert asked == [PATH + "r1", PATH + "r2", PATH + "r3"]


# ----------------------------------------------------------------------------- what does not


def test_an_html_404_page_does_not_confirm(make_rest_client, make_response):
    """Next.js's page for a path without a route: a wrong base URL, a proxy, an old path."""
    (still, sampled, reason), asked = ask(
        make_rest_client,
        {
            "r1": make_response(404, json=not_found("r1")),
            "r2": make_response(404, body=NEXT_404_PAGE, content_type="text/html; charset=utf-8"),
            "r3": make_response(404, json=not_found("r3")),
        },
    )
    assert (still, sampled) == (set(), False)
    assert reason.startswith(f"{ANSWERED} 404 with a page that is not the API's (text/html)")
    assert "wrong base URL" in reason
    assert asked == [PATH + "r1", PATH + "r2"]  # the check stops at the first doubt


@pytest.mark.parametrize(
    "body",
    [
        {"code": "bad_request", "message": "nope", "details": {}},
        {"error": {"code": 404, "message": "Not Found"}},
        {"message": "Not Found"},
    ],
    ids=["another code", "v2 envelope", "no code"],
)
def test_a_json_404_with_another_code_does_not_confirm(make_rest_client, make_response, body):
    (still, _, reason), _ = ask(make_rest_client, {"r1": make_response(404, json=body)})
    assert still == set()
    assert reason.startswith(f"{ANSWERED} 404 with code ")
    assert "not the API's `not_found`" in reason


def test_a_json_array_or_empty_404_does_not_confirm(make_rest_client, make_response):
    for answer in (make_response(404, json=[]), make_response(404, body=b"")):
        (still, _, reason), _ = ask(make_rest_client, {"r1": answer})
        assert still == set() and reason.startswith(f"{ANSWERED} 404"), reason


@pytest.mark.parametrize(
    ("details", "named"),
    [
        ({"resource_id": "S1", "resource_type": "Survey"}, "Survey 'S1'"),
        ({"resource_id": "r9", "resource_type": "Response"}, "Response 'r9'"),
    ],
    ids=["the survey (the response is there)", "another response"],
)
def test_a_not_found_for_something_else_does_not_confirm(
    make_rest_client, make_response, details, named
):
    body = {"code": "not_found", "message": "not found", "details": details}
    (still, _, reason), _ = ask(make_rest_client, {"r1": make_response(404, json=body)})
    assert still == set()
    assert reason == f"{ANSWERED} 404 `not_found` for {named}, not for the response asked for"


def test_formbricks_2_unauthorized_for_a_missing_response_does_not_confirm(
    make_rest_client, make_response
):
    """2.7.2's route throws "Unauthorized" both for a response that does not exist and for one
    whose survey is not the key's environment's: it cannot tell a deletion apart."""
    body = {
        "code": "unauthorized",
        "message": "You are not authorized to access this resource",
        "details": {},
    }
    (still, _, reason), asked = ask(
        make_rest_client,
        {"r1": make_response(401, json=body), "r2": make_response(200, json={"data": {}})},
    )
    assert still == set()
    assert reason.startswith(f"{ANSWERED} 401 `unauthorized`: Formbricks 2.x")
    assert "cannot confirm a deletion" in reason
    assert asked == [PATH + "r1"]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"code": "not_authenticated", "message": "Not authenticated", "details": {}}),
        (403, {"code": "forbidden", "message": "no", "details": {}}),
        (429, {"code": "too_many_requests", "message": "slow down", "details": {}}),
        (502, None),
    ],
    ids=["rejected key", "forbidden", "rate limited", "bad gateway page"],
)
def test_any_other_answer_does_not_confirm(make_rest_client, make_response, status, body):
    answer = make_response(status, json=body) if body else make_response(status, body=b"<html>")
    (still, _, reason), _ = ask(make_rest_client, {"r1": answer})
    assert still == set() and reason == f"{ANSWERED} {status}"


# ----------------------------------------------------------------------------- survey columns


@pytest.mark.parametrize("table", ["surveys", "webhooks"])
def test_environment_id_stays_a_declared_nullable_column(table):
    columns = table_columns(table)
    for field in ("environmentId", "workspaceId"):
        assert columns[field]["data_type"] == "text", (table, field)
        assert columns[field]["nullable"] is True, (table, field)
    assert "5.4" in RAW_COLUMN_DESCRIPTIONS[table]["environment_id"]


def test_archived_at_is_a_declared_nullable_timestamp_with_a_description():
    column = table_columns("surveys")["archivedAt"]
    assert column["data_type"] == "timestamp" and column["nullable"] is True
    assert warehouse_name("archivedAt") == "archived_at"
    assert column["description"] == RAW_COLUMN_DESCRIPTIONS["surveys"]["archived_at"]
    summary = list(ANALYTICS_COLUMN_DESCRIPTIONS["survey_summary"])
    assert summary[:6] == [
        "survey_id", "survey_name", "status", "archived_at", "is_archived", "purge_after",
    ]  # fmt: skip


def test_a_surveys_table_loaded_before_archived_at_was_declared_reads_it_as_null():
    """dlt adds the declared column at the table's next load; until then the view stands in."""
    before = {"surveys": {"id", "name", "status", "_dlt_id", "environment_id"}}
    sql = _live_view("live_surveys", before, "analytics", "analytics_marts")
    assert "CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS archived_at" in sql
    after = {"surveys": before["surveys"] | {"archived_at"}}
    sql = _live_view("live_surveys", after, "analytics", "analytics_marts")
    assert "t.archived_at" in sql and "CAST(NULL" not in sql


def test_a_view_column_that_is_not_added_later_is_never_replaced_by_null():
    """Only `archived_at` may be missing: a misspelt or vanished column fails loudly."""
    columns = {"surveys": {"id", "status", "_dlt_id", "archived_at"}}  # no `name`
    sql = _live_view("live_surveys", columns, "analytics", "analytics_marts")
    assert "t.name" in sql


def test_no_analytics_sql_keys_on_environment_id():
    """Surveys and webhooks lost `environmentId` in 5.0-5.3.4 (and 5.4's is the workspace's
    legacy id): an owner key, where one is needed, is `workspace_id`."""
    for path in sorted(SQL_DIR.glob("*.sql")):
        assert not re.search(r"environment_?id", path.read_text(), re.IGNORECASE), path.name
    for _, columns in LIVE_VIEWS.values():
        assert "environment_id" not in columns
