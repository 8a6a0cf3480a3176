"""How a load behaves when the API misbehaves, the schema drifts or a setting is wrong.

Every test runs the ingestion assets in process against the sample API over real HTTP and
checks the promises of the retry policy and of failed runs:

- 429 (with and without Retry-After), 500, 502, 503, 504, timeouts and dropped connections are
  retried, at most 3 times (4 attempts), backing off by a factor of 2 unless the API sends
  Retry-After; other 4xx are not retried, and 401/403 name `ANALYTICS_API_KEY`, never its value;
- a failed run names the endpoint, the status and what to do, changes no table of the
  `analytics` schema (dlt's own tables included), and the next good run makes every table
  match the API exactly;
- a body that is not the API's envelope fails the run, naming the endpoint, and is not retried;
- new fields and the `person` <-> `contact` rename load without dropping anything;
- configuration errors fail before any request reaches the API, naming the setting.

The sample dataset here has 245 responses instead of conftest's 2,345 (three pages: two full,
one short), so the many runs of this module stay fast; paging still spans several pages.
Tests that need a warehouse loaded by a good run copy one loaded once per module from an
identical dataset (same seed and `now`).

The waits are checked as decisions, not durations: `retry_waits` records what dlt's retrying
client (tenacity) asked to sleep, and the API's clock only gives each wait a floor (a busy
machine makes a wait longer, never shorter). The tests that serve a 429 with `Retry-After`
also prove the client-side request budget does not fill itself on a 429 (which would stall
every process for a whole budget window): its bucket holds one token per request sent.
"""

import inspect
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from dagster import ExecuteInProcessResult

from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.config import destination_kind, read_settings
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.budget import budget_limiter, close_limiter
from analytics_assets.formbricks.errors import AnalyticsConfigurationError
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import (
    FIXED_NOW,
    TEST_API_KEY,
    MakeResources,
    RunIngestion,
    api_ids,
    api_rows,
    failure_text,
    load_requests,
    query,
    step_errors,
    table_ids,
)
from analytics_assets_tests.live import scrubbed_env
from analytics_assets_tests.loader import analytics_api_assets

PROJECT_DIR = Path(__file__).resolve().parents[1]
RESPONSE_COUNT = 245
PAGE_SIZE = settings.DEFAULT_PAGE_SIZE
# Full pages and the short last page; the short page ends paging.
RESPONSE_PAGES = RESPONSE_COUNT // PAGE_SIZE + 1
ATTEMPTS = settings.DEFAULT_MAX_RETRIES + 1
FAST_BACKOFF = 0.05

RESPONSES_PATH = settings.RESPONSES_PATH
SURVEYS_PATH = settings.SURVEYS_PATH
# On Formbricks 3.0 and later (the sample's default release) people are contacts.
PEOPLE_PATH = settings.CONTACTS_PATH
LOOKBACK = timedelta(hours=settings.DEFAULT_RESPONSES_LOOKBACK_HOURS)
FULL_REFRESH = {"ops": {analytics_api_assets.op.name: {"config": {"full_refresh": True}}}}
# Tests that serve a 429 shorten the client-side request budget's window (default a minute) to
# this, so the bug they are marked with costs seconds, not a minute each; a run here makes about
# ten requests, far below the budget of 100 per window either way.
BUDGET_WINDOW_SECONDS = 3.0


def _generate_dataset() -> SampleDataset:
    return SampleDataset.generate(seed=7, responses=RESPONSE_COUNT, now=FIXED_NOW)


@pytest.fixture
def sample_dataset() -> SampleDataset:
    """Overrides conftest's: fewer responses, the same seed and `now`."""
    return _generate_dataset()


def _api_resource(
    base_url: str, api_key: str = TEST_API_KEY, **fields: Any
) -> AnalyticsApiResource:
    return AnalyticsApiResource(base_url=base_url, api_key=api_key, **fields)


@pytest.fixture(scope="module")
def loaded_template(
    tmp_path_factory: pytest.TempPathFactory,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> Path:
    """A DuckDB file after one good load of the module's dataset, to be copied by tests."""
    root = tmp_path_factory.mktemp("loaded_template")
    duckdb_path = root / "warehouse.duckdb"
    with SampleApiServer(dataset=_generate_dataset(), api_key=TEST_API_KEY) as server:
        api = _api_resource(server.base_url, backoff_factor=FAST_BACKOFF)
        result = run_ingestion(
            make_resources(api=api, duckdb_path=duckdb_path, pipelines_dir=root / "dlt"),
            raise_on_error=True,
        )
    assert result.success
    return duckdb_path


@pytest.fixture
def loaded_warehouse(
    loaded_template: Path, duckdb_path: Path, sample_dataset: SampleDataset
) -> Path:
    """This test's DuckDB file, holding exactly what the API serves after a good load."""
    shutil.copyfile(loaded_template, duckdb_path)
    _assert_tables_match_api(duckdb_path, sample_dataset)
    return duckdb_path


# ----------------------------------------------------------------------------- helpers


def _everything_logged(result: ExecuteInProcessResult) -> str:
    """Every message, stack and event of a run: where a secret must never appear."""
    parts = [f"{error.message}{''.join(error.stack)}" for error in step_errors(result)]
    parts.extend(str(event) for event in result.all_events)
    return "\n".join(parts)


def _api_ids(dataset: SampleDataset, table: str) -> list[str]:
    return api_ids(dataset, table)


def _api_versions(dataset: SampleDataset, table: str) -> list[tuple[str, str]]:
    return sorted((record["id"], record["updatedAt"]) for record in api_rows(dataset, table))


def _table_versions(path: Path, table: str) -> list[tuple[str, str]]:
    return sorted(
        query(
            path,
            "SELECT id, strftime(updated_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') "
            f"FROM analytics.{table}",
        )
    )


def _assert_tables_match_api(path: Path, dataset: SampleDataset) -> None:
    """Every table holds each API record exactly once, at the API's `updatedAt`."""
    for table in settings.RESOURCES:
        assert table_ids(path, table) == _api_ids(dataset, table), table
        assert _table_versions(path, table) == _api_versions(dataset, table), table


def _columns(path: Path) -> dict[str, list[str]]:
    columns: dict[str, list[str]] = {}
    for table, column in query(
        path,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = ? ORDER BY table_name, ordinal_position",
        settings.DATASET_NAME,
    ):
        columns.setdefault(table, []).append(column)
    return columns


def _warehouse_snapshot(path: Path) -> dict[str, dict[str, Any]]:
    """Columns, row count and every row of every table of the `analytics` schema."""
    if not path.exists():
        return {}
    return {
        table: {
            "columns": columns,
            "row_count": query(path, f'SELECT count(*) FROM analytics."{table}"')[0][0],
            "rows": query(path, f'SELECT * FROM analytics."{table}" ORDER BY ALL'),
        }
        for table, columns in _columns(path).items()
    }


def _assert_unchanged(path: Path, before: dict[str, dict[str, Any]]) -> None:
    after = _warehouse_snapshot(path)
    assert {t: s["row_count"] for t, s in after.items()} == {
        t: s["row_count"] for t, s in before.items()
    }
    for table, snapshot in before.items():
        assert after[table] == snapshot, f"table {table} changed"


def _requests_per_path(server: SampleApiServer) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in server.requests:
        counts[record.path] = counts.get(record.path, 0) + 1
    return counts


def _full_load_requests(server: SampleApiServer, extra: dict[str, int] | None = None) -> dict:
    """Requests a first full load makes per path, plus `extra` retries."""
    prefix = urlsplit(server.base_url).path
    counts = load_requests(server.dataset, RESPONSE_PAGES, prefix=prefix)
    for path, retries in (extra or {}).items():
        counts[prefix + path] += retries
    return counts


def _parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def _received_at(server: SampleApiServer, path: str) -> list[float]:
    return [r.received_at for r in server.requests if r.path.endswith(path)]


def _gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


@pytest.fixture
def retry_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits dlt's retrying client decides on, in the order it sleeps them.

    dlt's `Client` retries through tenacity, whose default sleep strategy (`tenacity.nap`)
    calls `time.sleep`; every other sleep of the run (Dagster's, the budget's) is left out.
    """
    waits: list[float] = []
    sleep = time.sleep

    def recording_sleep(seconds: float) -> None:
        caller = inspect.currentframe()
        module = caller.f_back.f_globals.get("__name__", "") if caller and caller.f_back else ""
        if module.startswith("tenacity"):
            waits.append(seconds)
        sleep(seconds)

    monkeypatch.setattr(time, "sleep", recording_sleep)
    return waits


def _assert_budget_holds_only_what_was_sent(api: AnalyticsApiResource, server: SampleApiServer):
    """The budget's bucket holds one token per request sent: a 429 did not fill it.

    requests-ratelimiter fills the bucket on a 429 by default, which would hold every process
    for a whole budget window; the session turns that off. Checked by taking the remaining
    tokens without waiting, through a limiter over the same budget file.
    """
    budget = api.request_budget(None)
    assert budget is not None
    sent = len(server.requests)
    limiter = budget_limiter(budget)
    try:
        taken = [
            limiter.try_acquire(settings.SOURCE_NAME, blocking=False)
            for _ in range(budget.requests)
        ]
        assert taken.count(True) == budget.requests - sent, (
            f"after {sent} requests the budget of {budget.requests} had "
            f"{taken.count(True)} tokens left"
        )
    finally:
        close_limiter(limiter)


# ----------------------------------------------------------------------------- transient faults


_SHORT_BUDGET = {"request_budget_period_seconds": BUDGET_WINDOW_SECONDS}
# Tests that count the budget's tokens after the run give it a window longer than any run, so
# no token leaks out before it is counted, however slow the machine.
BUDGET_KEPT_SECONDS = 3600.0


def _counted_budget(tmp_path: Path) -> dict[str, Any]:
    return {
        "request_budget_path": str(tmp_path / "budget.sqlite"),
        "request_budget_period_seconds": BUDGET_KEPT_SECONDS,
    }


@pytest.mark.parametrize(
    ("fault", "api_fields", "wait", "floor"),
    [
        # `wait`: what the retrying client decides to sleep before its retry (the backoff,
        # Retry-After); `floor`: the least time the API can see between the two requests (the
        # wait, plus the timeout a slow answer costs).
        # No Retry-After: until the API's next clock window (shortened to
        # BUDGET_WINDOW_SECONDS here) begins, plus the margin; `None`: checked below.
        pytest.param({"status": 429}, _SHORT_BUDGET, None, None, id="429"),
        pytest.param({"status": 429, "retry_after": "1"}, {}, 1.0, 1.0, id="429-retry-after"),
        pytest.param({"status": 500}, {}, FAST_BACKOFF, FAST_BACKOFF, id="500"),
        pytest.param({"status": 502}, {}, FAST_BACKOFF, FAST_BACKOFF, id="502"),
        pytest.param({"status": 503}, {}, FAST_BACKOFF, FAST_BACKOFF, id="503"),
        pytest.param({"status": 504}, {}, FAST_BACKOFF, FAST_BACKOFF, id="504"),
        pytest.param(
            {"status": 200, "delay": 2.5}, {"request_timeout_seconds": 0.75}, FAST_BACKOFF,
            0.75 + FAST_BACKOFF, id="timeout",
        ),
        pytest.param(
            {"drop_connection": True}, {}, FAST_BACKOFF, FAST_BACKOFF, id="dropped-connection"
        ),
    ],
)  # fmt: skip
def test_a_transient_fault_costs_one_retry_and_the_load_is_exact(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    duckdb_path: Path,
    tmp_path: Path,
    retry_waits: list[float],
    fault: dict[str, Any],
    api_fields: dict[str, Any],
    wait: float,
    floor: float,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    budget = _counted_budget(tmp_path) if "retry_after" in fault else {}
    api = _api_resource(
        sample_api.base_url, backoff_factor=FAST_BACKOFF, **{**budget, **api_fields}
    )
    sample_api.queue_fault(RESPONSES_PATH, **fault)

    result = run_ingestion(
        make_resources(api=api, duckdb_path=duckdb_path, pipelines_dir=tmp_path / "dlt")
    )

    assert result.success
    _assert_tables_match_api(duckdb_path, sample_dataset)
    assert _requests_per_path(sample_api) == _full_load_requests(
        sample_api, extra={RESPONSES_PATH: 1}
    )
    first, retry = [r for r in sample_api.requests if r.path.endswith(RESPONSES_PATH)][:2]
    assert first.query == retry.query == {"limit": str(PAGE_SIZE), "skip": "0"}
    assert retry.status == 200
    if wait is None:
        # The wait ends 1 to 2 s into the next window of the clock (whole seconds).
        [waited] = retry_waits
        assert waited == int(waited) and 2 <= waited <= BUDGET_WINDOW_SECONDS + 1
        to_wall = time.time() - time.monotonic()
        window = (first.received_at + to_wall) // BUDGET_WINDOW_SECONDS
        assert (retry.received_at + to_wall) // BUDGET_WINDOW_SECONDS == window + 1
    else:
        assert retry_waits == [wait]
        assert retry.received_at - first.received_at >= floor - 0.05
    if "retry_after" in fault:
        _assert_budget_holds_only_what_was_sent(api, sample_api)


def test_retry_after_is_honoured_over_a_shorter_backoff(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    duckdb_path: Path,
    tmp_path: Path,
    retry_waits: list[float],
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    # The backoff would wait 0.05 s; the API asks for 2 s.
    api = _api_resource(
        sample_api.base_url, backoff_factor=FAST_BACKOFF, **_counted_budget(tmp_path)
    )
    sample_api.queue_fault(RESPONSES_PATH, 429, retry_after="2")

    result = run_ingestion(
        make_resources(api=api, duckdb_path=duckdb_path, pipelines_dir=tmp_path / "dlt")
    )

    assert result.success
    statuses = [r.status for r in sample_api.requests if r.path.endswith(RESPONSES_PATH)]
    assert statuses == [429] + [200] * RESPONSE_PAGES
    assert retry_waits == [2.0]
    [gap, *_] = _gaps(_received_at(sample_api, RESPONSES_PATH))
    assert gap >= 1.95
    _assert_tables_match_api(duckdb_path, sample_dataset)
    _assert_budget_holds_only_what_was_sent(api, sample_api)


def test_default_policy_rides_out_a_burst_of_faults_on_two_endpoints(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    duckdb_path: Path,
    tmp_path: Path,
    retry_waits: list[float],
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    """The acceptance scenario, with the retry policy as shipped: backoff factor 2, 3 retries."""
    api = _api_resource(sample_api.base_url, **_counted_budget(tmp_path))
    assert (api.backoff_factor, api.max_retries) == (2.0, 3)
    sample_api.queue_fault(RESPONSES_PATH, 429, retry_after="1")
    sample_api.queue_fault(RESPONSES_PATH, 503)
    sample_api.queue_fault(RESPONSES_PATH, 502)
    sample_api.queue_fault(SURVEYS_PATH, 500)
    sample_api.queue_fault(SURVEYS_PATH, 504)

    result = run_ingestion(
        make_resources(api=api, duckdb_path=duckdb_path, pipelines_dir=tmp_path / "dlt")
    )

    assert result.success
    _assert_tables_match_api(duckdb_path, sample_dataset)
    assert _requests_per_path(sample_api) == _full_load_requests(
        sample_api, extra={RESPONSES_PATH: 3, SURVEYS_PATH: 2}
    )
    # Responses: Retry-After 1 s rather than the 2 s backoff, then 2 * 2**1 and 2 * 2**2 s;
    # surveys: 2 * 2**0 and 2 * 2**1 s. Endpoints may be read side by side, so compare sorted.
    assert sorted(retry_waits) == [1.0, 2.0, 4.0, 4.0, 8.0]
    response_gaps = _gaps(_received_at(sample_api, RESPONSES_PATH)[:4])
    survey_gaps = _gaps(_received_at(sample_api, SURVEYS_PATH))
    floors = [1.0, 4.0, 8.0, 2.0, 4.0]
    assert all(
        gap >= floor - 0.05 for gap, floor in zip(response_gaps + survey_gaps, floors, strict=True)
    )
    _assert_budget_holds_only_what_was_sent(api, sample_api)


# ----------------------------------------------------------------------------- permanent failures


def test_a_permanent_500_fails_after_4_attempts_changes_nothing_and_the_next_run_heals(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    resources: dict,
    loaded_warehouse: Path,
    run_ingestion: RunIngestion,
) -> None:
    before = _warehouse_snapshot(loaded_warehouse)
    previous_newest = sample_dataset.rows("responses")[0]
    added = sample_dataset.add_responses(10)
    edited = sample_dataset.edit_response(previous_newest["id"], finished=True, notes=[])
    assert edited["updatedAt"] != previous_newest["updatedAt"]
    sample_api.queue_fault(PEOPLE_PATH, 500, times=-1)

    failed = run_ingestion(resources)

    text = failure_text(failed)
    assert sample_api.request_count(PEOPLE_PATH) == ATTEMPTS
    assert [r.status for r in sample_api.requests if r.path.endswith(PEOPLE_PATH)] == [500] * 4
    assert "identified_peoples" in text or PEOPLE_PATH in text
    assert "500" in text
    assert re.search(r"(run|try) (it )?again", text, re.IGNORECASE), text
    _assert_unchanged(loaded_warehouse, before)

    sample_api.clear_faults()
    sample_api.reset_requests()
    healed = run_ingestion(resources)

    assert healed.success
    _assert_tables_match_api(loaded_warehouse, sample_dataset)
    assert set(added) <= set(table_ids(loaded_warehouse, "responses"))
    # The cursor survived the failure: the sync reads only down to the lookback window behind
    # the newest response loaded before, not every page again.
    window_start = _parse(previous_newest["createdAt"]) - LOOKBACK
    rows = sample_dataset.rows("responses")
    first_older = next(i for i, r in enumerate(rows) if _parse(r["createdAt"]) < window_start)
    expected_pages = first_older // PAGE_SIZE + 1
    assert expected_pages < len(rows) // PAGE_SIZE + 1
    assert sample_api.request_count(RESPONSES_PATH) == expected_pages


@pytest.mark.parametrize("cause", ["wrong-key", "403"])
def test_a_rejected_key_fails_at_once_naming_the_setting_not_the_value(
    sample_api: SampleApiServer,
    duckdb_path: Path,
    tmp_path: Path,
    cause: str,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    key = "wrong-key-5d1c" if cause == "wrong-key" else TEST_API_KEY
    if cause == "403":
        sample_api.queue_fault("", 403, times=-1)
    api = _api_resource(sample_api.base_url, api_key=key, backoff_factor=FAST_BACKOFF)

    result = run_ingestion(
        make_resources(api=api, duckdb_path=duckdb_path, pipelines_dir=tmp_path / "dlt")
    )

    text = failure_text(result)
    # A 401 ends the run at the generation probe. A 403 there only says "no contacts" (the
    # community edition), so the run goes on (the change feed's probe: no feed) to surveys,
    # which it cannot do without.
    expected = [401] if cause == "wrong-key" else [403, 403, 403]
    assert [request.status for request in sample_api.requests] == expected
    assert settings.ENV_API_KEY in text
    assert key not in _everything_logged(result)
    assert _warehouse_snapshot(duckdb_path) == {}


# ----------------------------------------------------------------------------- malformed bodies


MALFORMED_BODIES = [
    pytest.param(b"<html><body>Sign in</body></html>", "text/html", id="html-page"),
    pytest.param(b'{"items": []}', "application/json", id="no-data-key"),
    pytest.param(b'{"data": {}}', "application/json", id="data-not-a-list"),
    pytest.param(b'{"data": [{"name": "x"}]}', "application/json", id="record-without-id"),
]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED_BODIES)
def test_a_malformed_surveys_body_fails_the_run_naming_the_endpoint(
    sample_api: SampleApiServer,
    resources: dict,
    loaded_warehouse: Path,
    body: bytes,
    content_type: str,
    run_ingestion: RunIngestion,
) -> None:
    before = _warehouse_snapshot(loaded_warehouse)
    sample_api.queue_fault(SURVEYS_PATH, 200, body=body, content_type=content_type)

    result = run_ingestion(resources)

    assert SURVEYS_PATH in failure_text(result)
    assert [r.status for r in sample_api.requests if r.path.endswith(SURVEYS_PATH)] == [200]
    _assert_unchanged(loaded_warehouse, before)


@pytest.mark.parametrize(("body", "content_type"), MALFORMED_BODIES)
def test_a_malformed_second_page_of_responses_fails_the_run_naming_the_endpoint(
    sample_api: SampleApiServer,
    resources: dict,
    loaded_warehouse: Path,
    body: bytes,
    content_type: str,
    run_ingestion: RunIngestion,
) -> None:
    before = _warehouse_snapshot(loaded_warehouse)
    sample_api.queue_fault(
        RESPONSES_PATH, 200, body=body, content_type=content_type, query={"skip": str(PAGE_SIZE)}
    )

    # A full refresh reads every page, so the second one is asked for.
    result = run_ingestion(resources, run_config=FULL_REFRESH)

    assert RESPONSES_PATH in failure_text(result)
    pages = [r.query["skip"] for r in sample_api.requests if r.path.endswith(RESPONSES_PATH)]
    assert pages == ["0", str(PAGE_SIZE)]
    _assert_unchanged(loaded_warehouse, before)


# ----------------------------------------------------------------------------- schema drift


def test_new_fields_on_responses_and_surveys_load_as_new_columns(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    resources: dict,
    loaded_warehouse: Path,
    run_ingestion: RunIngestion,
) -> None:
    columns_before = _columns(loaded_warehouse)
    sample_dataset.add_field("responses", "sentiment", lambda record: "positive")
    sample_dataset.add_field("surveys", "isBackButtonHidden", lambda record: False)

    result = run_ingestion(resources, run_config=FULL_REFRESH)

    assert result.success
    _assert_tables_match_api(loaded_warehouse, sample_dataset)
    columns_after = _columns(loaded_warehouse)
    for table, columns in columns_before.items():
        assert set(columns) <= set(columns_after[table]), table
    assert set(columns_after["responses"]) - set(columns_before["responses"]) == {"sentiment"}
    assert set(columns_after["surveys"]) - set(columns_before["surveys"]) == {
        "is_back_button_hidden"
    }
    assert query(
        loaded_warehouse, "SELECT sentiment, count(*) FROM analytics.responses GROUP BY 1"
    ) == [("positive", RESPONSE_COUNT)]
    assert query(
        loaded_warehouse, "SELECT is_back_button_hidden, count(*) FROM analytics.surveys GROUP BY 1"
    ) == [(False, len(sample_dataset.rows("surveys")))]


def _contact_columns(path: Path) -> dict[str, tuple[str | None, str | None]]:
    return {
        row_id: (contact_id, person_id)
        for row_id, contact_id, person_id in query(
            path, "SELECT id, contact__id, person__id FROM analytics.responses"
        )
    }


def _api_contacts(dataset: SampleDataset) -> dict[str, tuple[str | None, str | None]]:
    return {
        record["id"]: (
            (record.get("contact") or {}).get("id"),
            (record.get("person") or {}).get("id"),
        )
        for record in dataset.rows("responses")
    }


def test_responses_with_the_old_field_name_person_load_beside_contact(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    resources: dict,
    loaded_warehouse: Path,
    run_ingestion: RunIngestion,
) -> None:
    untouched_before = {row_id: ids[0] for row_id, ids in _api_contacts(sample_dataset).items()}
    columns_before = _columns(loaded_warehouse)
    sample_dataset.rename_response_field("contact", "person", newest=50)
    renamed = {r["id"] for r in sample_dataset.rows("responses")[:50]}
    assert any(person for _, person in _api_contacts(sample_dataset).values())

    result = run_ingestion(resources, run_config=FULL_REFRESH)

    assert result.success
    _assert_tables_match_api(loaded_warehouse, sample_dataset)
    for table, columns in columns_before.items():
        assert set(columns) <= set(_columns(loaded_warehouse)[table]), table
    loaded = _contact_columns(loaded_warehouse)
    assert loaded == _api_contacts(sample_dataset)
    assert {
        row_id: contact for row_id, (contact, _) in loaded.items() if row_id not in renamed
    } == {row_id: contact for row_id, contact in untouched_before.items() if row_id not in renamed}


def test_responses_renamed_from_person_to_contact_load_beside_person(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    resources: dict,
    duckdb_path: Path,
    run_ingestion: RunIngestion,
) -> None:
    # The API before the rename: every response says `person`.
    sample_dataset.rename_response_field("contact", "person", newest=RESPONSE_COUNT)
    assert run_ingestion(resources).success
    persons_before = {row_id: ids[1] for row_id, ids in _api_contacts(sample_dataset).items()}
    columns_before = _columns(duckdb_path)
    sample_dataset.rename_response_field("person", "contact", newest=50)
    renamed = {r["id"] for r in sample_dataset.rows("responses")[:50]}

    result = run_ingestion(resources, run_config=FULL_REFRESH)

    assert result.success
    _assert_tables_match_api(duckdb_path, sample_dataset)
    for table, columns in columns_before.items():
        assert set(columns) <= set(_columns(duckdb_path)[table]), table
    loaded = _contact_columns(duckdb_path)
    assert loaded == _api_contacts(sample_dataset)
    assert any(contact for row_id, (contact, _) in loaded.items() if row_id in renamed)
    assert {row_id: person for row_id, (_, person) in loaded.items() if row_id not in renamed} == {
        row_id: person for row_id, person in persons_before.items() if row_id not in renamed
    }


# ----------------------------------------------------------------------------- configuration


CONFIGURATION_ERRORS = {
    # case: (fields of the resources that differ from a good configuration, setting named)
    "duckdb-named-like-the-dataset": (
        {"duckdb_path": f"{settings.DATASET_NAME}.duckdb"},
        settings.ENV_DUCKDB_PATH,
    ),
    "duckdb-parent-is-a-file": (
        {"duckdb_path": "a_file/warehouse.duckdb"},
        settings.ENV_DUCKDB_PATH,
    ),
    "ftp-url": ({"base_url": "ftp://x"}, settings.ENV_API_BASE_URL),
    "not-a-url": ({"base_url": "not a url"}, settings.ENV_API_BASE_URL),
    "empty-key": ({"api_key": ""}, settings.ENV_API_KEY),
    "blank-key": ({"api_key": "   "}, settings.ENV_API_KEY),
}


@pytest.mark.parametrize("case", CONFIGURATION_ERRORS)
def test_a_configuration_error_fails_before_any_request_naming_the_setting(
    sample_api: SampleApiServer,
    tmp_path: Path,
    case: str,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    fields, setting = CONFIGURATION_ERRORS[case]
    (tmp_path / "a_file").write_text("a regular file, not a folder\n")
    duckdb_path = tmp_path / fields.get("duckdb_path", "warehouse.duckdb")
    api = _api_resource(
        fields.get("base_url", sample_api.base_url), api_key=fields.get("api_key", TEST_API_KEY)
    )

    result = run_ingestion(
        make_resources(api=api, duckdb_path=duckdb_path, pipelines_dir=tmp_path / "dlt")
    )

    assert setting in failure_text(result)
    assert sample_api.request_count() == 0


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("postgress", "'postgress' is not a dlt destination"),
        ("postgresql://loader:s3cret-pw@db.internal/analytics", "not a connection string"),
        ("   ", "set but empty"),
    ],
)
def test_a_bad_destination_names_the_setting_and_never_shows_a_connection_string(
    monkeypatch: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    monkeypatch.setenv(settings.ENV_DESTINATION, value)

    with pytest.raises(AnalyticsConfigurationError) as raised:
        WarehouseResource().resolved_destination()

    message = str(raised.value)
    assert settings.ENV_DESTINATION in message and problem in message
    assert "s3cret-pw" not in message
    # Asset kinds (tags in the UI) never carry such a value either.
    assert "s3cret-pw" not in destination_kind(read_settings().destination)


def test_cli_without_the_api_key_fails_naming_it_before_any_request(
    sample_api: SampleApiServer, tmp_path: Path
) -> None:
    env = scrubbed_env(
        ANALYTICS_API_BASE_URL=sample_api.base_url,
        ANALYTICS_DUCKDB_PATH=str(tmp_path / "warehouse.duckdb"),
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
        HOME=str(tmp_path),
    )
    (tmp_path / "dagster_home").mkdir()
    command = [
        sys.executable, "-m", "dagster", "asset", "materialize",
        "-m", "analytics_assets.definitions", "--select", "*",
    ]  # fmt: skip

    completed = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )

    assert completed.returncode != 0
    assert settings.ENV_API_KEY in completed.stdout + completed.stderr
    assert sample_api.request_count() == 0
