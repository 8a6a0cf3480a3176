"""Which generation of the management API a server speaks: the setting, and the one-request probe.

The probe asks `GET /v1/management/contact-attribute-keys` through a fake of dlt's `RESTClient`
(conftest `make_rest_client`) that runs the real response hooks on hand-built responses.
"""

import pytest
import requests

from analytics_assets.formbricks.contacts import AttributeKeys
from analytics_assets.formbricks.errors import AnalyticsApiError, AnalyticsConfigurationError
from analytics_assets.formbricks.generations import detect_generation, parse_generation_setting
from analytics_assets.formbricks.ledger import Refusal, RunLedger

PROBE = "/v1/management/contact-attribute-keys"
KEYS = [{"id": "k1", "key": "email", "name": "Email"}]
ENTERPRISE_ONLY = "Contacts are only enabled for Enterprise Edition, please upgrade."


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        (None, "auto"),
        ("", "auto"),
        ("   ", "auto"),
        ("auto", "auto"),
        ("legacy", "legacy"),
        ("Legacy", "legacy"),
        (" CURRENT\n", "current"),
        ("current", "current"),
    ],
)
def test_the_setting_reads_auto_legacy_or_current_in_any_case_and_blank_means_auto(text, setting):
    assert parse_generation_setting(text) == setting


@pytest.mark.parametrize("text", ["v3", "latest", "3.0", "leg acy"])
def test_another_setting_is_refused_naming_the_variable_and_the_choices(text):
    with pytest.raises(AnalyticsConfigurationError) as raised:
        parse_generation_setting(text)

    assert str(raised.value) == (
        f"ANALYTICS_API_GENERATION={text!r} must be one of auto, legacy, current "
        "(auto detects it on every run)."
    )


def test_a_wrong_setting_is_a_value_error():
    with pytest.raises(ValueError):
        parse_generation_setting("newest")


@pytest.fixture
def probe(make_rest_client, make_response, api_url):
    """`probe(status, json=... | body=..., content_type=...)`: run the detection against that
    answer; returns (generation, client, ledger, attribute keys)."""

    def run(status: int, **answer):
        client = make_rest_client({PROBE: make_response(status, url=api_url(PROBE), **answer)})
        ledger = RunLedger(generation="current", setting="auto")
        keys = AttributeKeys(client, ledger)
        return detect_generation(client, ledger, keys), client, ledger, keys

    return run


def test_keys_answered_mean_current_and_are_kept_for_the_load(probe):
    generation, client, ledger, keys = probe(200, json={"data": KEYS})

    assert generation == "current"
    assert ledger.answered == ["/api" + PROBE]
    assert ledger.refusals == []
    assert keys.for_resource("attribute_classes") == KEYS
    assert client.asked == [PROBE]  # the load asks nothing more for the keys


def test_no_keys_at_all_still_mean_current(probe):
    generation, _, _, keys = probe(200, json={"data": []})

    assert generation == "current"
    assert keys.for_resource("attribute_classes") == []


def test_the_community_editions_own_403_means_current_and_the_refusal_is_kept(probe):
    generation, client, ledger, keys = probe(
        403, json={"code": "forbidden", "message": ENTERPRISE_ONLY, "details": {}}
    )

    assert generation == "current"
    assert ledger.refusals == [
        Refusal(resource=None, path=PROBE, status=403, message=ENTERPRISE_ONLY, from_api=True)
    ]
    assert keys.for_resource("identified_peoples") == Refusal(
        resource="identified_peoples", path=PROBE, status=403, message=ENTERPRISE_ONLY
    )
    assert client.asked == [PROBE]


def test_an_html_404_means_legacy_and_nothing_is_kept(probe):
    generation, client, ledger, keys = probe(
        404, body="<!DOCTYPE html><html>404</html>", content_type="text/html; charset=utf-8"
    )

    assert generation == "legacy"
    assert ledger.refusals == [
        Refusal(
            resource=None,
            path=PROBE,
            status=404,
            message="an HTML page instead of the API's JSON (no such route on this server)",
            from_api=False,
        )
    ]
    keys.for_resource("attribute_classes")
    assert client.asked == [PROBE, PROBE]  # nothing was remembered: the keys are asked again


def test_a_json_404_means_legacy_too(probe):
    generation, _, ledger, _ = probe(404, json={"code": "not_found", "message": "Not found"})

    assert generation == "legacy"
    assert [(r.status, r.message, r.from_api) for r in ledger.refusals] == [
        (404, "Not found", True)
    ]


def test_a_403_page_of_a_proxy_means_legacy(probe):
    generation, _, ledger, _ = probe(403, body="<html>Forbidden</html>", content_type="text/html")

    assert generation == "legacy"
    assert ledger.refusals[0].message == (
        "an HTML page instead of the API's JSON (a proxy or a login page?)"
    )


def test_a_rejected_key_fails_the_probe_with_the_http_error(probe):
    with pytest.raises(requests.HTTPError) as raised:
        probe(401, json={"code": "not_authenticated", "message": "Not authenticated"})

    assert raised.value.response.status_code == 401


def test_a_server_error_fails_the_probe_with_the_http_error(probe):
    with pytest.raises(requests.HTTPError) as raised:
        probe(503, body="upstream down", content_type="text/plain")

    assert raised.value.response.status_code == 503


def test_an_answer_without_the_envelope_fails_the_probe(probe):
    with pytest.raises(AnalyticsApiError) as raised:
        probe(200, json={"items": KEYS})

    assert str(raised.value) == (
        'GET /api/v1/management/contact-attribute-keys answered without the {"data": [...]} '
        "envelope (got ['items']); refusing to load nothing and call it a success."
    )
