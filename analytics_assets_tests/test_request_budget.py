"""The client-side request budget: a backfill paces itself, and processes share one budget."""

import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from dagster import materialize

from analytics_assets.component.resources import AnalyticsApiResource
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.errors import AnalyticsApiError
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import TEST_API_KEY, load_requests, table_ids
from analytics_assets_tests.loader import analytics_api_assets

# A short window keeps the test quick; the API's own is 60 s with the same arithmetic.
BUDGET = 12
WINDOW_SECONDS = 3.0
RESPONSES_PATH = settings.RESPONSES_PATH


@pytest.fixture
def limited_api(sample_dataset: SampleDataset):
    """A sample API that answers 429 beyond BUDGET requests in any WINDOW_SECONDS."""
    with SampleApiServer(
        dataset=sample_dataset,
        api_key=TEST_API_KEY,
        rate_limit_per_minute=BUDGET,
        rate_limit_window_seconds=WINDOW_SECONDS,
    ) as server:
        yield server


def _api(base_url: str, budget_path: Path, requests_per_window: int) -> AnalyticsApiResource:
    return AnalyticsApiResource(
        base_url=base_url,
        api_key=TEST_API_KEY,
        backoff_factor=0.05,
        requests_per_minute=requests_per_window,
        request_budget_period_seconds=WINDOW_SECONDS,
        request_budget_path=str(budget_path),
    )


def test_a_backfill_larger_than_the_budget_paces_itself_and_never_meets_a_429(
    limited_api: SampleApiServer, sample_dataset: SampleDataset, resources: dict, tmp_path: Path
) -> None:
    resources["analytics_api"] = _api(limited_api.base_url, tmp_path / "budget.sqlite", BUDGET)

    result = materialize([analytics_api_assets], resources=resources)

    assert result.success
    statuses = [r.status for r in limited_api.requests]
    seen = [(r.path, r.query.get("skip"), r.status) for r in limited_api.requests]
    # 23 full pages and a short one, and one request per other endpoint and the probe.
    assert Counter(r.path for r in limited_api.requests) == load_requests(sample_dataset, 24), seen
    assert 429 not in statuses
    assert table_ids(resources["warehouse"].resolved_duckdb_path(), "responses") == sorted(
        r["id"] for r in sample_dataset.rows("responses")
    )


def test_without_the_budget_the_same_backfill_meets_429s_and_waits_out_the_window(
    limited_api: SampleApiServer, sample_dataset: SampleDataset, resources: dict, tmp_path: Path
) -> None:
    resources["analytics_api"] = _api(limited_api.base_url, tmp_path / "budget.sqlite", 0)

    result = materialize([analytics_api_assets], resources=resources)

    assert result.success
    records = limited_api.requests
    rejected = [i for i, r in enumerate(records) if r.status == 429]
    assert rejected, "the backfill never met the API's limit"
    for index in rejected:
        # The 429 has no Retry-After: the retry of the same request waits for the API's next
        # window of the clock to begin.
        retry = next(r for r in records[index + 1 :] if r.query == records[index].query
                     and r.path == records[index].path)  # fmt: skip
        to_wall = time.time() - time.monotonic()
        rejected_window = (records[index].received_at + to_wall) // WINDOW_SECONDS
        assert (retry.received_at + to_wall) // WINDOW_SECONDS > rejected_window
    assert table_ids(resources["warehouse"].resolved_duckdb_path(), "responses") == sorted(
        r["id"] for r in sample_dataset.rows("responses")
    )


def test_a_429_that_never_ends_fails_saying_what_to_lower(
    limited_api: SampleApiServer, resources: dict, tmp_path: Path
) -> None:
    resources["analytics_api"] = _api(limited_api.base_url, tmp_path / "budget.sqlite", 0)
    limited_api.queue_fault(RESPONSES_PATH, 429, times=-1)

    result = materialize([analytics_api_assets], resources=resources, raise_on_error=False)

    assert not result.success
    assert [r.status for r in limited_api.requests if r.path.endswith(RESPONSES_PATH)] == [429] * (
        settings.DEFAULT_MAX_RETRIES + 1
    )
    error = result.get_step_failure_events()[0].step_failure_data.error
    message = error.cause.message  # the step's own error, under Dagster's wrapper
    assert message.startswith(
        "analytics_assets.formbricks.errors.AnalyticsLoadError: responses (GET "
    )
    assert "HTTP 429" in message
    assert "requests_per_minute" in message


_WORKER = """
import sys
import threading
from analytics_assets.component.resources import AnalyticsApiResource
api = AnalyticsApiResource(
    base_url=sys.argv[1], api_key=sys.argv[2], requests_per_minute=int(sys.argv[3]),
    request_budget_period_seconds=float(sys.argv[4]), request_budget_path=sys.argv[5],
    max_retries=0,
)
with api.open_session() as session:
    for _ in range(int(sys.argv[6])):
        session.get(sys.argv[1] + "/v1/webhooks", headers={"x-api-key": sys.argv[2]})
"""


def test_processes_sharing_the_budget_file_stay_inside_it_together(
    limited_api: SampleApiServer, tmp_path: Path
) -> None:
    budget_path = tmp_path / "budget.sqlite"
    per_process = 15
    args = [limited_api.base_url, TEST_API_KEY, str(BUDGET), str(WINDOW_SECONDS), str(budget_path)]
    started = time.monotonic()
    workers = [
        subprocess.Popen([sys.executable, "-c", _WORKER, *args, str(per_process)]) for _ in range(2)
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    elapsed = time.monotonic() - started

    statuses = [r.status for r in limited_api.requests]
    assert statuses == [200] * (2 * per_process)
    # 30 requests through one budget of 12 per 3 s need at least two full windows.
    assert elapsed >= 2 * WINDOW_SECONDS


def test_the_sensor_request_counts_against_the_budget_and_gives_up_instead_of_waiting_long(
    limited_api: SampleApiServer, tmp_path: Path
) -> None:
    budget_path = tmp_path / "budget.sqlite"
    api = _api(limited_api.base_url, budget_path, 3)
    with api.open_session() as session:
        for _ in range(3):
            session.get(limited_api.base_url + "/v1/webhooks", headers={"x-api-key": TEST_API_KEY})
    slow_window = AnalyticsApiResource(
        base_url=limited_api.base_url,
        api_key=TEST_API_KEY,
        requests_per_minute=3,
        request_budget_period_seconds=60,
        request_budget_path=str(budget_path),
    )

    with pytest.raises(AnalyticsApiError, match="Timeout"):
        slow_window.fetch_newest_response(timeout_seconds=0.5)
    assert limited_api.request_count(RESPONSES_PATH) == 0


def test_budget_file_lives_in_the_instance_folder_by_default(tmp_path: Path) -> None:
    api = AnalyticsApiResource(base_url="http://127.0.0.1:1/api", api_key="k")
    budget = api.request_budget(str(tmp_path))
    assert budget is not None
    assert budget.state_path == tmp_path / settings.REQUEST_BUDGET_FILE
    assert budget.requests == 100
    assert budget.period_seconds == 60
    off = AnalyticsApiResource(
        base_url="http://127.0.0.1:1/api", api_key="k", requests_per_minute=0
    )
    assert off.request_budget(str(tmp_path)) is None


def test_closing_the_session_stops_the_budget_thread_before_returning(
    sample_api: SampleApiServer, tmp_path: Path
) -> None:
    """A leak still running after close would touch a removed instance folder and fail."""
    api = _api(sample_api.base_url, tmp_path / "budget.sqlite", 100)
    with api.open_session(str(tmp_path)) as session:
        response = session.get(
            sample_api.base_url + settings.LEGACY_ENDPOINT_PATHS["webhooks"],
            headers={"x-api-key": TEST_API_KEY},
        )
        assert response.status_code == 200
        assert any(thread.name == "PyrateLimiter's Leaker" for thread in threading.enumerate())
    assert not [t for t in threading.enumerate() if t.name == "PyrateLimiter's Leaker"]


def test_the_one_reach_into_pyrate_limiter_still_finds_its_leak_thread(
    sample_api: SampleApiServer, tmp_path: Path
) -> None:
    """`budget.leak_thread` reads pyrate-limiter's private `_leaker._thread`: if an upgrade moves
    it, this fails here instead of leaving threads behind silently."""
    from requests_ratelimiter import LimiterAdapter

    from analytics_assets.formbricks.budget import leak_thread

    api = _api(sample_api.base_url, tmp_path / "budget.sqlite", 100)
    with api.open_session(str(tmp_path)) as session:
        session.get(
            sample_api.base_url + settings.SURVEYS_PATH, headers={"x-api-key": TEST_API_KEY}
        )
        [limiter] = {id(a.limiter): a.limiter for a in session.adapters.values()
                     if isinstance(a, LimiterAdapter)}.values()  # fmt: skip
        thread = leak_thread(limiter)
        assert isinstance(thread, threading.Thread) and thread.is_alive()
    assert not thread.is_alive()
