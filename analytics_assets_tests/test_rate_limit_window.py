"""A storm of 429s without Retry-After, ridden out by waiting for the API's next clock window.

The API's limiter counts fixed windows aligned to the wall clock, so the session's adapter gives
a 429 without `Retry-After` the time to the next window boundary plus a margin (`client.py`).
These tests load surveys and responses with plain dlt into DuckDB, over real HTTP from the
sample API, with the window shortened to a few seconds and a storm of 429s (without
Retry-After) on the responses endpoint lasting three quarters of it.

They check order and counts in the sample API's request log, never exact durations: which
requests met a 429, that each retry arrived in a later window than its 429, just after that
window began (by the margin), and that every row was loaded. The server logs
`time.monotonic()`; the tests map it to the adapter's clock.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dlt
import pytest
from requests import Session

from analytics_assets.formbricks import build_source, client, settings
from analytics_assets.formbricks.ledger import RunLedger
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets.sample_api.server import RequestRecord
from analytics_assets_tests.conftest import (
    FIXED_NOW,
    TEST_API_KEY,
    MakeResources,
    RunIngestion,
    api_ids,
    table_ids,
)

WINDOW_SECONDS = 4.0
STORM_SECONDS = 0.75 * WINDOW_SECONDS
MARGIN = client.RATE_LIMIT_WAIT_MARGIN_SECONDS
RESPONSE_COUNT = 245  # three pages of 100, the last one short
RESPONSE_PAGES = RESPONSE_COUNT // settings.DEFAULT_PAGE_SIZE + 1
RESPONSES_PATH = settings.RESPONSES_PATH
# What the clock mapping and the loopback round trip may add to a retry's arrival.
SLACK_SECONDS = 0.5


def _monotonic_to_wall() -> float:
    """`time.time() - time.monotonic()`, read where the two calls are closest together."""
    pairs = []
    for _ in range(5):
        before = time.monotonic()
        wall = time.time()
        after = time.monotonic()
        pairs.append((after - before, wall - (before + after) / 2))
    return min(pairs)[1]


@dataclass
class ShiftedClock:
    """The wall clock, shifted by `shift` seconds: a test places a 429 in its window with it."""

    shift: float = 0.0
    wall_minus_monotonic: float = field(default_factory=_monotonic_to_wall)

    def __call__(self) -> float:
        return time.time() + self.shift

    def at(self, received_at: float) -> float:
        """This clock's reading at a `time.monotonic()` instant of the server's log."""
        return received_at + self.wall_minus_monotonic + self.shift


@pytest.fixture
def sample_api() -> Iterator[SampleApiServer]:
    dataset = SampleDataset.generate(seed=7, responses=RESPONSE_COUNT, now=FIXED_NOW)
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        yield server


@pytest.fixture
def session() -> Iterator[Session]:
    """The retrying session with the shipped retry policy, but a short window and backoff."""
    session = client.build_retrying_session(
        backoff_factor=0.05, rate_limit_window_seconds=WINDOW_SECONDS
    )
    yield session
    client.close_session(session)


def _load(server: SampleApiServer, session: Session, root: Path) -> Path:
    """Surveys and every response, read through `session` and loaded into DuckDB by dlt."""
    duckdb_path = root / "warehouse.duckdb"
    pipeline = dlt.pipeline(
        pipeline_name="rate_limit_window",
        destination=dlt.destinations.duckdb(str(duckdb_path)),
        dataset_name=settings.DATASET_NAME,
        pipelines_dir=str(root / "pipelines"),
    )
    source = build_source(
        server.base_url,
        TEST_API_KEY,
        session=session,
        responses_lookback_seconds=None,
        ledger=RunLedger(generation=settings.GENERATION_CURRENT),
    ).with_resources("surveys", "responses")
    pipeline.run(source, loader_file_format="parquet")
    return duckdb_path


def _responses_requests(server: SampleApiServer) -> list[RequestRecord]:
    return [r for r in server.requests if r.path.endswith(RESPONSES_PATH)]


def _window(instant: float) -> int:
    return int(instant // WINDOW_SECONDS)


def _assert_every_row_loaded(duckdb_path: Path, server: SampleApiServer) -> None:
    for table in ("surveys", "responses"):
        assert table_ids(duckdb_path, table) == api_ids(server.dataset, table), table
    assert len(table_ids(duckdb_path, "responses")) == RESPONSE_COUNT


def _assert_each_retry_lands_just_after_the_next_boundary(
    requests: list[RequestRecord], clock_at: Callable[[float], float]
) -> None:
    """After every 429, the next request (its retry) arrives in a later window of the clock,
    by the margin at least, and before the margin's second whole second of that window ends."""
    for rejected, retry in zip(requests, requests[1:], strict=False):
        if rejected.status != 429:
            continue
        assert retry.query == rejected.query, "the retry asks for the same page"
        at_429, at_retry = clock_at(rejected.received_at), clock_at(retry.received_at)
        assert _window(at_retry) == _window(at_429) + 1, (at_429, at_retry)
        into_window = at_retry - _window(at_retry) * WINDOW_SECONDS
        # The adapter rounds the wait up to whole seconds (dlt reads no fractions): the
        # retry is 1 to 2 s into the window, plus the round trip.
        assert MARGIN - 0.05 <= into_window < MARGIN + 1 + SLACK_SECONDS, into_window


def test_a_storm_of_429s_without_retry_after_is_ridden_out_at_the_next_windows(
    sample_api: SampleApiServer, session: Session, tmp_path: Path
) -> None:
    """The shipped clock (`time.time()`): wherever in its window the storm starts."""
    sample_api.queue_fault(RESPONSES_PATH, 429, for_seconds=STORM_SECONDS)
    wall_minus_monotonic = _monotonic_to_wall()

    duckdb_path = _load(sample_api, session, tmp_path)

    _assert_every_row_loaded(duckdb_path, sample_api)
    requests = _responses_requests(sample_api)
    statuses = [r.status for r in requests]
    rejected = statuses.count(429)
    # The first page meets the storm; a retry in the next window ends it, or, when the storm
    # began late in its window, the one a window later. Never more than the policy's 3.
    assert 1 <= rejected <= 2 <= settings.DEFAULT_MAX_RETRIES, statuses
    assert statuses == [429] * rejected + [200] * RESPONSE_PAGES
    assert [r.query["skip"] for r in requests[rejected:]] == ["0", "100", "200"]
    assert sample_api.request_count(settings.SURVEYS_PATH) == 1
    _assert_each_retry_lands_just_after_the_next_boundary(
        requests, lambda received_at: received_at + wall_minus_monotonic
    )


@pytest.mark.parametrize(
    ("second_of_window", "rejected"),
    [
        # Early in its window: the retry (about 4.5 s on) comes after the storm's 3 s.
        pytest.param(0.5, 1, id="429-early-in-the-window"),
        # Late in it: the first retry (2 s on, at second 1 of the next window) is still in the
        # storm; the second, one window on, is not.
        pytest.param(3.0, 2, id="429-late-in-the-window"),
    ],
)
def test_the_retry_of_a_429_arrives_at_the_next_window_boundary(
    sample_api: SampleApiServer,
    session: Session,
    tmp_path: Path,
    second_of_window: float,
    rejected: int,
) -> None:
    """The adapter's clock is shifted so that the storm's first 429 falls at a chosen second
    of its window: as the first request for responses arrives, before it is answered."""
    clock = ShiftedClock()
    adapter = session.get_adapter(sample_api.base_url)
    adapter.clock = clock  # type: ignore[attr-defined]

    def place_the_first_429(path: str, query: dict[str, str]) -> None:
        if path.endswith(RESPONSES_PATH) and not _responses_requests(sample_api):
            now = time.time()
            clock.shift = second_of_window - now % WINDOW_SECONDS

    sample_api.on_request(place_the_first_429)
    sample_api.queue_fault(RESPONSES_PATH, 429, for_seconds=STORM_SECONDS)

    duckdb_path = _load(sample_api, session, tmp_path)

    _assert_every_row_loaded(duckdb_path, sample_api)
    requests = _responses_requests(sample_api)
    assert [r.status for r in requests] == [429] * rejected + [200] * RESPONSE_PAGES
    first = clock.at(requests[0].received_at)
    assert first % WINDOW_SECONDS == pytest.approx(second_of_window, abs=0.05)
    # The adapter used to wait a whole window from the 429: its retry arrived at second 0.5
    # or 3 of the next window, which this refuses.
    _assert_each_retry_lands_just_after_the_next_boundary(requests, clock.at)


def test_a_run_without_the_budget_survives_the_apps_own_limit_on_webhooks(
    make_resources: MakeResources, run_ingestion: RunIngestion, tmp_path: Path
) -> None:
    """`GET /v1/webhooks` is limited by Formbricks itself, even self-hosted without a proxy, so
    a run with the request budget off still meets a 429 there, and must ride it out."""
    import requests as http

    window = 6.0
    dataset = SampleDataset.generate(seed=9, responses=120, now=FIXED_NOW)
    refused: list[float] = []

    def server_clock() -> float:
        # The server's windows move on only past a 429: the other client's request and the
        # loader's fall in one window, the retry in the next, however busy the machine.
        return 1_000_000 * window + window * len(refused)

    with SampleApiServer(
        dataset=dataset,
        api_key=TEST_API_KEY,
        app_rate_limit_per_minute=1,
        rate_limit_window_seconds=window,
        clock=server_clock,
    ) as server:
        webhooks = server.base_url + settings.LEGACY_ENDPOINT_PATHS["webhooks"]
        arrivals: list[str] = []
        spent: list[int] = []

        def spend_the_window(path: str, query: dict[str, str]) -> None:
            if not path.endswith("/v1/webhooks"):
                return
            arrivals.append(path)
            if len(arrivals) == 1:
                # As the loader's request arrives, another client of the key takes the window's
                # one webhooks request (answered by another server thread: arrival 2).
                spent.append(http.get(webhooks, headers={"x-api-key": TEST_API_KEY}).status_code)
            elif len(arrivals) == 3:
                refused.append(time.time())  # the loader's retry: the next window

        server.on_request(spend_the_window)
        resources = make_resources(
            server, tmp_path, requests_per_minute=0, request_budget_period_seconds=window
        )
        result = run_ingestion(resources)
        statuses = [r.status for r in server.requests if r.path.endswith("/v1/webhooks")]

    assert result.success
    assert spent == [200]
    # The other client's request, the loader's 429, then its retry, in the next window.
    assert statuses == [200, 429, 200]
    assert table_ids(tmp_path / "warehouse.duckdb", "webhooks") == sorted(
        r["id"] for r in dataset.rows("webhooks")
    )
