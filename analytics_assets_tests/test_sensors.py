"""`new_responses_sensor`: one cheap request per tick, a run only when a response is new.

Every tick is evaluated with `dagster.build_sensor_context` against the sample API over real
HTTP (no mocked requests). The tick-by-tick flow runs for both a sensor built by
`build_new_responses_sensor` and the one registered in `definitions.defs`; the error cases use
the built one (same code). The sample server's request log shows what each tick cost: exactly
one `GET .../responses?limit=1` with the key, never a retry.

How `ANALYTICS_SENSOR_INTERVAL_SECONDS` shapes the code location is checked by importing
`analytics_assets.definitions` in fresh interpreters, started in the background when this
module's first test runs so they overlap with the in-process tests.
"""

import json
import socket
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Protocol

import pytest
from dagster import (
    AssetKey,
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SkipReason,
    build_sensor_context,
)

from analytics_assets.component.automation import build_new_responses_sensor
from analytics_assets.component.resources import AnalyticsApiResource
from analytics_assets.definitions import defs
from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import FIXED_NOW, TEST_API_KEY
from analytics_assets_tests.live import DefinitionsImport
from analytics_assets_tests.loader import NAMES

RESPONSES_PATH = settings.RESPONSES_PATH


class TickResult(Protocol):
    """What `SensorDefinition.evaluate_tick` returns, as far as these tests read it."""

    run_requests: Sequence[RunRequest] | None
    skip_message: str | None
    cursor: str | None


RESPONSES_KEY = AssetKey(["analytics_api", "responses"])
OTHER_INGESTION_KEYS = {
    AssetKey(["analytics_api", name])
    for name in ("surveys", "action_classes", "attribute_classes", "identified_peoples", "webhooks")
}
BUILT_SENSOR = build_new_responses_sensor(NAMES, minimum_interval_seconds=60)
REGISTERED_SENSOR = defs.resolve_sensor_def("new_responses_sensor")

# Environments to import the code location in: name -> ANALYTICS_* variables set.
INTERVAL_ENVIRONMENTS = {
    "unset": {},
    "45": {"ANALYTICS_SENSOR_INTERVAL_SECONDS": "45"},
    "soon": {"ANALYTICS_SENSOR_INTERVAL_SECONDS": "soon"},
}
_PRINT_INTERVAL = (
    "from analytics_assets.definitions import defs;"
    "print(defs.resolve_sensor_def('new_responses_sensor').minimum_interval_seconds)"
)


# ----------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module", autouse=True)
def definitions_imports(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, DefinitionsImport]]:
    """One background import per `INTERVAL_ENVIRONMENTS` entry, each in its own empty folder."""
    imports = {
        name: DefinitionsImport(
            _PRINT_INTERVAL, str(tmp_path_factory.mktemp(f"interval-{name}")), variables
        )
        for name, variables in INTERVAL_ENVIRONMENTS.items()
    }
    yield imports
    for started in imports.values():
        started.stop()


@pytest.fixture
def sample_dataset() -> SampleDataset:
    """conftest's dataset, smaller: a tick reads one response, so 50 are as good as 2345."""
    return SampleDataset.generate(seed=7, responses=50, now=FIXED_NOW)


@pytest.fixture(params=["built", "registered"])
def responses_sensor(request: pytest.FixtureRequest) -> SensorDefinition:
    """The sensor from the factory, and the one the code location registers."""
    return BUILT_SENSOR if request.param == "built" else REGISTERED_SENSOR


def _api(base_url: str, api_key: str = TEST_API_KEY) -> AnalyticsApiResource:
    return AnalyticsApiResource(base_url=base_url, api_key=api_key)


def _tick(
    sensor: SensorDefinition, api: AnalyticsApiResource, cursor: str | None = None
) -> TickResult:
    """One evaluation, as the daemon runs it (run requests resolved against `defs`)."""
    with build_sensor_context(
        cursor=cursor, resources={"analytics_api": api}, definitions=defs
    ) as context:
        return sensor.evaluate_tick(context)


def _marker_of(record: dict) -> dict[str, str]:
    return {"created_at": record["createdAt"], "id": record["id"]}


def _closed_port_url() -> str:
    """An API base URL on a localhost port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


def _first_cursor(sensor: SensorDefinition, server: SampleApiServer) -> str:
    """The cursor the first tick stores; the request log is cleared afterwards."""
    cursor = _tick(sensor, _api(server.base_url)).cursor
    assert cursor is not None
    server.reset_requests()
    return cursor


def _assert_skipped_with_cursor_kept(result: TickResult, cursor: str) -> None:
    assert result.run_requests == []
    assert result.skip_message is not None
    assert result.cursor == cursor


# ----------------------------------------------------------------------------- ticks


def test_first_tick_records_newest_response_as_cursor_from_one_request(
    responses_sensor: SensorDefinition,
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
) -> None:
    newest = sample_dataset.rows("responses")[0]

    result = _tick(responses_sensor, _api(sample_api.base_url))

    assert result.run_requests == []
    assert json.loads(result.cursor) == _marker_of(newest)
    assert result.skip_message == (
        f"First tick: recorded the newest response ({newest['id']} created "
        f"{newest['createdAt']}) as the starting point; the next new response triggers a run."
    )
    (request,) = sample_api.requests
    assert request.method == "GET"
    assert request.path == "/api" + RESPONSES_PATH
    assert request.query == {"limit": "1"}
    assert request.headers["x-api-key"] == TEST_API_KEY
    assert request.status == 200


def test_tick_with_nothing_new_skips_and_says_what_it_saw(
    responses_sensor: SensorDefinition,
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
) -> None:
    cursor = _first_cursor(responses_sensor, sample_api)
    newest = sample_dataset.rows("responses")[0]

    result = _tick(responses_sensor, _api(sample_api.base_url), cursor)

    _assert_skipped_with_cursor_kept(result, cursor)
    assert result.skip_message == (
        f"No new response: the newest is still {newest['id']} created {newest['createdAt']}."
    )
    assert sample_api.request_count() == 1


def test_new_responses_request_one_run_and_move_cursor_to_the_newest(
    responses_sensor: SensorDefinition,
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
) -> None:
    cursor = _first_cursor(responses_sensor, sample_api)
    added = sample_dataset.add_responses(3)
    newest = sample_dataset.rows("responses")[0]
    assert newest["id"] == added[-1]

    result = _tick(responses_sensor, _api(sample_api.base_url), cursor)

    assert result.skip_message is None
    assert json.loads(result.cursor) == _marker_of(newest)
    (run_request,) = result.run_requests
    assert run_request.run_key == f"responses-{newest['createdAt']}-{newest['id']}"
    requested = set(run_request.asset_selection)
    graph = defs.resolve_asset_graph()
    assert requested == AssetSelection.assets(RESPONSES_KEY).downstream().resolve(graph)
    assert RESPONSES_KEY in requested and requested.isdisjoint(OTHER_INGESTION_KEYS)
    assert any(key.path[0] == NAMES.analytics_key_prefix for key in requested)
    assert sample_api.request_count() == 1


def test_sensor_selection_is_responses_and_none_of_the_other_ingestion_assets(
    responses_sensor: SensorDefinition,
) -> None:
    selected = responses_sensor.asset_selection.resolve(defs.resolve_asset_graph())

    assert RESPONSES_KEY in selected
    assert selected.isdisjoint(OTHER_INGESTION_KEYS)


def test_tick_after_the_run_does_not_request_it_again(
    responses_sensor: SensorDefinition,
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
) -> None:
    cursor = _first_cursor(responses_sensor, sample_api)
    sample_dataset.add_responses(3)
    newest = sample_dataset.rows("responses")[0]
    moved = _tick(responses_sensor, _api(sample_api.base_url), cursor).cursor
    assert json.loads(moved) == _marker_of(newest)
    sample_api.reset_requests()

    result = _tick(responses_sensor, _api(sample_api.base_url), moved)

    _assert_skipped_with_cursor_kept(result, moved)
    assert result.skip_message == (
        f"No new response: the newest is still {newest['id']} created {newest['createdAt']}."
    )
    assert sample_api.request_count() == 1


# ----------------------------------------------------------------------------- API errors


def test_server_error_skips_with_the_status_and_does_not_retry(
    sample_api: SampleApiServer,
) -> None:
    cursor = _first_cursor(BUILT_SENSOR, sample_api)
    sample_api.queue_fault(RESPONSES_PATH, 503)

    result = _tick(BUILT_SENSOR, _api(sample_api.base_url), cursor)

    _assert_skipped_with_cursor_kept(result, cursor)
    assert result.skip_message == (
        f"Could not read the newest response: GET {RESPONSES_PATH}: HTTP 503. Trying next tick."
    )
    assert [r.status for r in sample_api.requests] == [503]


def test_wrong_api_key_skips_with_401(
    sample_api: SampleApiServer,
) -> None:
    cursor = _first_cursor(BUILT_SENSOR, sample_api)

    result = _tick(BUILT_SENSOR, _api(sample_api.base_url, api_key="wrong-key"), cursor)

    _assert_skipped_with_cursor_kept(result, cursor)
    assert result.skip_message == (
        f"Could not read the newest response: GET {RESPONSES_PATH}: HTTP 401. Trying next tick."
    )
    assert [r.status for r in sample_api.requests] == [401]
    assert "wrong-key" not in result.skip_message


def test_unreachable_server_skips_naming_the_connection_error() -> None:
    base_url = _closed_port_url()
    cursor = json.dumps({"created_at": "2026-11-20T11:00:00.000Z", "id": "c0"})

    result = _tick(BUILT_SENSOR, _api(base_url), cursor)

    _assert_skipped_with_cursor_kept(result, cursor)
    assert result.skip_message == (
        f"Could not read the newest response: GET {RESPONSES_PATH}: ConnectionError reaching "
        f"{base_url}. Trying next tick."
    )


def test_body_without_data_envelope_skips(
    sample_api: SampleApiServer,
) -> None:
    cursor = _first_cursor(BUILT_SENSOR, sample_api)
    sample_api.queue_fault(RESPONSES_PATH, 200, body=b'{"items": []}')

    result = _tick(BUILT_SENSOR, _api(sample_api.base_url), cursor)

    _assert_skipped_with_cursor_kept(result, cursor)
    assert result.skip_message == (
        f"Could not read the newest response: GET {RESPONSES_PATH}: the body is not a "
        '{"data": [...]} envelope. Trying next tick.'
    )
    assert [r.status for r in sample_api.requests] == [200]


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [{"id": "x"}]}',
        b'{"data": [{"id": "x", "createdAt": ""}]}',
        b'{"data": [1]}',
        b'{"data": [null]}',
    ],
)
def test_newest_record_without_created_at_or_id_skips(
    body: bytes, sample_api: SampleApiServer
) -> None:
    cursor = _first_cursor(BUILT_SENSOR, sample_api)
    sample_api.queue_fault(RESPONSES_PATH, 200, body=body)

    result = _tick(BUILT_SENSOR, _api(sample_api.base_url), cursor)

    _assert_skipped_with_cursor_kept(result, cursor)
    assert result.skip_message == (
        f"Could not read the newest response: GET {RESPONSES_PATH}: the newest record has no "
        "`id` or `createdAt`. Trying next tick."
    )


def test_cursor_not_written_by_the_sensor_restarts_from_the_newest_response(
    sample_api: SampleApiServer, sample_dataset: SampleDataset
) -> None:
    # e.g. set by hand with `dagster sensor cursor --set 2026-11-20`
    result = _tick(BUILT_SENSOR, _api(sample_api.base_url), "2026-11-20")

    assert result.run_requests == []
    assert result.skip_message.startswith("Unreadable cursor: recorded the newest response")
    newest = sample_dataset.rows("responses")[0]
    assert json.loads(result.cursor) == {"created_at": newest["createdAt"], "id": newest["id"]}


def test_error_tick_returns_a_skip_reason_when_invoked_directly(
    sample_api: SampleApiServer,
) -> None:
    sample_api.queue_fault(RESPONSES_PATH, 503)

    with build_sensor_context(resources={"analytics_api": _api(sample_api.base_url)}) as context:
        result = BUILT_SENSOR(context)

    assert isinstance(result, SkipReason)
    assert "HTTP 503" in result.skip_message


def test_api_without_responses_skips_saying_there_are_none(
    responses_sensor: SensorDefinition,
) -> None:
    empty = SampleDataset.generate(seed=1, responses=0, now=FIXED_NOW)
    assert empty.response_count == 0

    with SampleApiServer(dataset=empty, api_key=TEST_API_KEY) as server:
        result = _tick(responses_sensor, _api(server.base_url))
        assert server.request_count() == 1

    assert result.run_requests == []
    assert result.cursor is None
    assert result.skip_message == "The API has no responses yet."


def test_first_response_on_an_empty_api_becomes_the_starting_point() -> None:
    empty = SampleDataset.generate(seed=1, responses=0, now=FIXED_NOW)
    with SampleApiServer(dataset=empty, api_key=TEST_API_KEY) as server:
        assert _tick(BUILT_SENSOR, _api(server.base_url)).cursor is None
        (first_id,) = empty.add_responses(1, at=datetime(2026, 11, 20, 12, 30, tzinfo=UTC))

        result = _tick(BUILT_SENSOR, _api(server.base_url))

    assert result.run_requests == []
    assert json.loads(result.cursor) == {"created_at": "2026-11-20T12:30:00.000Z", "id": first_id}


# ----------------------------------------------------------------------------- definition


def test_factory_uses_the_given_interval() -> None:
    assert (
        build_new_responses_sensor(NAMES, minimum_interval_seconds=45).minimum_interval_seconds
        == 45
    )


def test_registered_sensor_is_named_stopped_and_needs_the_api() -> None:
    assert REGISTERED_SENSOR.name == "new_responses_sensor"
    assert REGISTERED_SENSOR.default_status == DefaultSensorStatus.STOPPED
    assert REGISTERED_SENSOR.required_resource_keys == {"analytics_api"}


def test_registered_sensor_interval_defaults_to_300_seconds(
    definitions_imports: dict[str, DefinitionsImport],
) -> None:
    completed = definitions_imports["unset"].result()

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "300"


def test_interval_follows_the_environment_variable(
    definitions_imports: dict[str, DefinitionsImport],
) -> None:
    completed = definitions_imports["45"].result()

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "45"


def test_invalid_interval_fails_the_import_naming_the_variable(
    definitions_imports: dict[str, DefinitionsImport],
) -> None:
    completed = definitions_imports["soon"].result()

    assert completed.returncode != 0
    assert completed.stdout == ""
    assert (
        "AnalyticsConfigurationError: ANALYTICS_SENSOR_INTERVAL_SECONDS='soon' must be a whole "
        "number of seconds." in completed.stderr
    )
