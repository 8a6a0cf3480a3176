"""`check_envelope`: a page is `{"data": [records with an id]}`, or the run stops, naming why."""

import pytest

from analytics_assets.formbricks.envelope import check_envelope
from analytics_assets.formbricks.errors import AnalyticsApiError

SURVEYS_URL = "https://formbricks.example/api/v1/management/surveys"


def refusal_of(response) -> str:
    with pytest.raises(AnalyticsApiError) as raised:
        check_envelope(response)
    return str(raised.value)


def test_a_data_list_passes_and_its_parsed_body_is_kept(make_response):
    body = {"data": [{"id": "s1", "name": "NPS"}, {"id": "s2"}]}
    response = make_response(200, json=body, url=SURVEYS_URL)

    checked = check_envelope(response)

    assert checked is response
    assert checked.json() == body
    assert checked.json() is checked.json()  # parsed once, not on every call


def test_an_empty_data_list_passes(make_response):
    response = make_response(200, json={"data": []}, url=SURVEYS_URL)

    assert check_envelope(response).json() == {"data": []}


def test_hook_arguments_from_requests_are_accepted(make_response):
    response = make_response(200, json={"data": []})

    assert check_envelope(response, timeout=5, verify=True) is response


def test_an_error_status_passes_through_untouched(make_response):
    response = make_response(503, body="<html>Bad gateway</html>", content_type="text/html")

    assert check_envelope(response) is response


def test_a_body_without_data_names_the_path_and_the_keys_it_had(make_response):
    response = make_response(200, json={"items": [], "total": 0}, url=SURVEYS_URL)

    assert refusal_of(response) == (
        'GET /api/v1/management/surveys answered without the {"data": [...]} envelope '
        "(got ['items', 'total']); refusing to load nothing and call it a success."
    )


def test_only_the_first_five_keys_are_quoted(make_response):
    response = make_response(200, json={key: 1 for key in "gfedcba"}, url=SURVEYS_URL)

    assert refusal_of(response) == (
        'GET /api/v1/management/surveys answered without the {"data": [...]} envelope '
        "(got ['a', 'b', 'c', 'd', 'e']); refusing to load nothing and call it a success."
    )


def test_a_bare_list_is_not_the_envelope(make_response):
    response = make_response(200, json=[{"id": "s1"}], url=SURVEYS_URL)

    assert refusal_of(response) == (
        'GET /api/v1/management/surveys answered without the {"data": [...]} envelope '
        "(got list); refusing to load nothing and call it a success."
    )


def test_data_that_is_not_a_list_is_refused(make_response):
    response = make_response(200, json={"data": {"id": "s1"}}, url=SURVEYS_URL)

    assert refusal_of(response) == (
        "GET /api/v1/management/surveys: `data` is a dict, not a list of records."
    )


def test_an_html_page_is_refused_as_not_json_naming_its_content_type(make_response):
    response = make_response(
        200,
        body="<!DOCTYPE html><html><body>Sign in</body></html>",
        content_type="text/html; charset=utf-8",
        url=SURVEYS_URL,
    )

    assert refusal_of(response) == (
        "GET /api/v1/management/surveys answered HTTP 200 with a body that is not JSON "
        "(Content-Type: text/html; charset=utf-8); a proxy or login page may be in the way."
    )


def test_a_body_that_is_not_json_without_a_content_type_says_none(make_response):
    response = make_response(200, body=b"data: nope", url=SURVEYS_URL)

    assert refusal_of(response) == (
        "GET /api/v1/management/surveys answered HTTP 200 with a body that is not JSON "
        "(Content-Type: none); a proxy or login page may be in the way."
    )


def test_an_empty_body_is_not_json(make_response):
    response = make_response(200, body=b"", content_type="application/json", url=SURVEYS_URL)

    assert refusal_of(response) == (
        "GET /api/v1/management/surveys answered HTTP 200 with a body that is not JSON "
        "(Content-Type: application/json); a proxy or login page may be in the way."
    )


@pytest.mark.parametrize(
    "records",
    [
        [{"id": "s1"}, {"name": "no id"}],
        [{"id": "s1"}, {"id": None}],
        [{"id": "s1"}, {"id": ""}],
        [{"id": "s1"}, "s2"],
    ],
    ids=["missing", "null", "empty", "not a record"],
)
def test_a_record_without_an_id_is_refused_by_its_position(make_response, records):
    response = make_response(200, json={"data": records}, url=SURVEYS_URL)

    assert refusal_of(response) == (
        "GET /api/v1/management/surveys: record 1 of the page has no `id`; it cannot be merged."
    )


def test_a_body_with_nan_is_not_json_to_either_parser(make_response):
    response = make_response(200, body=b'{"data": [{"id": "r1", "score": NaN}]}')

    with pytest.raises(AnalyticsApiError, match="not JSON"):
        check_envelope(response)


def test_a_body_with_a_byte_order_mark_passes(make_response):
    response = make_response(200, body='\ufeff{"data": [{"id": "r1"}]}'.encode())

    assert check_envelope(response).json() == {"data": [{"id": "r1"}]}
