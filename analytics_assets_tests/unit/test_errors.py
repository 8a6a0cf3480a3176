"""`explain_load_failure` and `wrong_base_url_message`: a failed load in words a person can act on.

dlt wraps a failed request as `PipelineStepFailed` (the cause in `.exception`) ->
`ResourceExtractionError` (naming the resource) -> `HTTPError`; the tests build such chains by hand.
"""

from types import SimpleNamespace

import pytest
import requests
from dlt.extract.exceptions import ResourceExtractionError
from dlt.pipeline.exceptions import PipelineStepFailed

from analytics_assets.formbricks.errors import (
    AnalyticsApiError,
    AnalyticsConfigurationError,
    AnalyticsLoadError,
    SettingNames,
    explain_load_failure,
    key_help,
    wrong_base_url_message,
)

NOTHING_LOST = (
    "No table was changed by this run; the next successful run loads everything it missed."
)
PATHS = {
    "surveys": "/v1/management/surveys",
    "responses": "/v1/management/responses",
}
SURVEYS_URL = "https://formbricks.example/api/v1/management/surveys"


def explain(error: BaseException, attempts: int = 4) -> BaseException:
    return explain_load_failure(error, attempts=attempts, paths=PATHS)


def step_failed(cause: BaseException) -> PipelineStepFailed:
    """dlt's top error of a failed run, holding `cause` in `.exception` (not `__cause__`)."""
    pipeline = SimpleNamespace(pipeline_name="analytics_api", has_pending_data=False)
    return PipelineStepFailed(pipeline, "extract", "1700000000.1", cause)


def extraction_failed(resource: str) -> ResourceExtractionError:
    return ResourceExtractionError(resource, None, "request failed", "generator")


def test_the_key_help_names_the_setting_and_where_to_grant_access():
    assert key_help().startswith(
        "Check ANALYTICS_API_KEY (resource analytics_api, field api_key): it must be a "
        "management API key of this server."
    )
    assert "Organization settings > API Keys" in key_help()


@pytest.mark.parametrize("status", [401, 403])
def test_a_rejected_key_deep_in_dlts_chain_names_the_resource_and_the_key_setting(
    make_chain, make_http_error, status
):
    error = step_failed(make_chain(extraction_failed("responses"), make_http_error(status)))

    explained = explain(error)

    assert type(explained) is AnalyticsLoadError
    assert str(explained) == (
        f"responses (GET /v1/management/responses): the API rejected the key (HTTP {status}). "
        f"{key_help()} {NOTHING_LOST}"
    )


def test_a_second_instances_failures_name_its_own_variables(make_http_error):
    names = SettingNames(base_url="EU_BASE_URL", api_key="EU_KEY", api_resource="eu")

    rejected = explain_load_failure(
        step_failed(make_http_error(401, url=SURVEYS_URL)), attempts=4, paths=PATHS, names=names
    )
    missing = explain_load_failure(
        step_failed(make_http_error(404, url=SURVEYS_URL)), attempts=4, paths=PATHS, names=names
    )

    assert "Check EU_KEY (resource eu, field api_key)" in str(rejected)
    assert "ANALYTICS_API" not in str(rejected)
    assert "Check EU_BASE_URL: it is the root" in str(missing)


def test_without_a_resource_name_the_endpoint_is_the_failed_requests_path_from_v1(
    make_http_error,
):
    error = step_failed(make_http_error(401, url=SURVEYS_URL + "?limit=1"))

    assert str(explain(error)) == (
        f"GET /v1/management/surveys: the API rejected the key (HTTP 401). {key_help()} "
        f"{NOTHING_LOST}"
    )


def test_a_resource_the_run_does_not_read_falls_back_to_the_path(make_chain, make_http_error):
    error = make_chain(extraction_failed("webhooks"), make_http_error(500, url=SURVEYS_URL))

    assert str(explain(error)).startswith("GET /v1/management/surveys: ")


def test_a_path_outside_v1_is_quoted_whole(make_http_error):
    error = make_http_error(404, url="https://formbricks.example/login")

    assert str(explain(error)).startswith("GET /login: HTTP 404.")


def test_a_rate_limit_names_the_attempts_and_the_budget_setting(make_chain, make_http_error):
    error = make_chain(extraction_failed("responses"), make_http_error(429))

    assert str(explain(error, attempts=4)) == (
        "responses (GET /v1/management/responses): the API kept answering HTTP 429 (rate "
        "limited) after 4 attempts. Lower ANALYTICS_API_REQUESTS_PER_MINUTE "
        f"(analytics_api.requests_per_minute), or run again later. {NOTHING_LOST}"
    )


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_says_run_again_later(make_chain, make_http_error, status):
    error = make_chain(extraction_failed("surveys"), make_http_error(status, url=SURVEYS_URL))

    assert str(explain(error, attempts=3)) == (
        f"surveys (GET /v1/management/surveys): the API failed with HTTP {status} on all 3 "
        f"attempts. It is having trouble; run again later. {NOTHING_LOST}"
    )


def test_a_404_points_at_the_base_url(make_chain, make_http_error):
    error = make_chain(extraction_failed("surveys"), make_http_error(404, url=SURVEYS_URL))

    assert str(explain(error)) == (
        "surveys (GET /v1/management/surveys): HTTP 404. Check ANALYTICS_API_BASE_URL: it is "
        f"the root the paths hang off, e.g. https://app.formbricks.com/api. {NOTHING_LOST}"
    )


def test_another_client_error_quotes_its_status(make_chain, make_http_error):
    error = make_chain(extraction_failed("responses"), make_http_error(422))

    assert str(explain(error)) == (
        f"responses (GET /v1/management/responses): HTTP 422. {NOTHING_LOST}"
    )


@pytest.mark.parametrize(
    ("cause", "kind"),
    [
        (
            requests.ConnectionError("refused"),
            "could not connect on all 4 attempts (ConnectionError)",
        ),
        (requests.ReadTimeout("slow"), "timed out on all 4 attempts (ReadTimeout)"),
        # Both a ConnectionError and a Timeout: it timed out.
        (requests.ConnectTimeout("slow"), "timed out on all 4 attempts (ConnectTimeout)"),
    ],
    ids=["connection", "read timeout", "connect timeout"],
)
def test_a_network_failure_says_which_and_points_at_the_url_and_network(make_chain, cause, kind):
    error = make_chain(extraction_failed("surveys"), cause)

    assert str(explain(error)) == (
        f"surveys (GET /v1/management/surveys): {kind}. Check ANALYTICS_API_BASE_URL and the "
        f"network, or run again later. {NOTHING_LOST}"
    )


@pytest.mark.parametrize(
    "cause",
    [
        AnalyticsApiError("GET /api/v1/management/surveys: `data` is a dict."),
        AnalyticsConfigurationError("ANALYTICS_API_GENERATION='v3' must be one of ..."),
    ],
    ids=["api", "configuration"],
)
def test_the_projects_own_errors_are_quoted_with_the_endpoint(make_chain, cause):
    error = step_failed(make_chain(extraction_failed("surveys"), cause))

    assert str(explain(error)) == (f"surveys (GET /v1/management/surveys): {cause} {NOTHING_LOST}")


def test_the_outermost_explainable_cause_wins(make_chain, make_http_error):
    # The guard's error raised while handling a 404: the guard's words are the better ones.
    error = make_chain(
        extraction_failed("surveys"),
        AnalyticsApiError("every endpoint answered 404"),
        make_http_error(404, url=SURVEYS_URL),
    )

    assert str(explain(error)) == (
        f"surveys (GET /v1/management/surveys): every endpoint answered 404 {NOTHING_LOST}"
    )


def test_a_cause_raised_while_handling_another_is_found_through_the_context(make_http_error):
    try:
        try:
            raise make_http_error(401)
        except requests.HTTPError:
            raise RuntimeError("cleanup failed") from None  # hides the cause, keeps context
    except RuntimeError as error:
        caught = error

    assert str(explain(caught)).startswith(
        "GET /v1/management/responses: the API rejected the key (HTTP 401)."
    )


def test_an_http_error_without_a_response_is_not_explained():
    error = requests.HTTPError("no response attached")

    assert explain(error) is error


def test_an_unexpected_error_is_returned_unchanged(make_chain):
    error = step_failed(make_chain(extraction_failed("surveys"), KeyError("createdAt")))

    assert explain(error) is error


def test_a_chain_that_loops_ends(make_chain):
    first, second = RuntimeError("a"), RuntimeError("b")
    make_chain(first, second)
    second.__cause__ = first

    assert explain(first) is first


def test_the_original_error_is_not_altered(make_chain, make_http_error):
    http_error = make_http_error(401)
    error = make_chain(extraction_failed("responses"), http_error)

    explain(error)

    assert error.__cause__ is http_error
    assert str(error) == str(extraction_failed("responses"))


def test_every_path_answering_404_means_the_base_url_is_not_the_apis_root():
    message = wrong_base_url_message(["/v1/management/surveys", "/v1/management/contacts"])

    assert message == (
        "every endpoint this run asked answered HTTP 404 (GET /v1/management/surveys, "
        "GET /v1/management/contacts). Every Formbricks version serves GET "
        "/v1/management/surveys, so ANALYTICS_API_BASE_URL is not the API's root: it is the "
        "URL the paths hang off, ending in /api, e.g. https://app.formbricks.com/api or "
        "https://<your-host>/api."
    )
