"""The load benchmark's correctness checks, at a small N (its timings are a benchmark, not a test).

Every loader the benchmark times must load exactly the rows the API lists, so a loader that drops
a page cannot look faster; the rate-limited scenario must count the requests and 429s the server
saw. These tests run the benchmark's own code on 300 responses and a shortened rate-limit window.
"""

from pathlib import Path

import duckdb
import pytest

from analytics_assets.formbricks import settings
from benchmarks import load
from benchmarks.floor import ENDPOINTS

RESPONSES = 300


def test_a_loader_missing_rows_fails_the_benchmark_naming_the_table(tmp_path: Path) -> None:
    path = tmp_path / "short.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE SCHEMA analytics")
        connection.execute("CREATE TABLE analytics.responses AS SELECT range AS id FROM range(200)")
    expected = {"responses": RESPONSES, "webhooks": 2}
    loaded = load.table_counts(path, list(expected))
    assert loaded == {"responses": 200, "webhooks": 0}

    with pytest.raises(load.RowCountMismatch) as raised:
        load.check_counts("floor", loaded, expected)
    message = str(raised.value)
    assert message.startswith("floor loaded the wrong rows")
    assert "responses: 200 rows, the API lists 300" in message
    assert "webhooks: 0 rows, the API lists 2" in message
    assert load.check_counts("floor", dict(expected), expected) == RESPONSES + 2


def test_rounds_start_one_loader_later_each_time() -> None:
    units = ["baseline", "project", "floor"]
    assert [load.round_order(units, r) for r in range(4)] == [
        ["baseline", "project", "floor"],
        ["project", "floor", "baseline"],
        ["floor", "baseline", "project"],
        ["baseline", "project", "floor"],
    ]


def test_every_loader_loads_exactly_the_apis_rows() -> None:
    results = load.run(RESPONSES, set(load.SCENARIOS), page_size=100, repeat=1, keep=None)

    # The incremental run follows the project's full load it builds on, and the no-op run on
    # the same instance follows them.
    names = ["baseline", "project", "incremental", "startup", "floor"]
    assert [m.name for m in results] == names
    full = {m.rows for m in results if m.name not in ("incremental", "startup")}
    assert len(full) == 1 and full.pop() > RESPONSES  # every table of every loader, checked
    assert {m.rows for m in results if m.name == "incremental"} == {RESPONSES // 100}
    assert {m.rows for m in results if m.name == "startup"} == {0}
    assert all(m.seconds > 0 and m.peak_rss_mb > 0 for m in results)
    dlt_steps = [m.steps for m in results if m.name in ("baseline", "project", "incremental")]
    assert all(set(steps) == {"extract", "normalize", "load"} for steps in dlt_steps)

    verdicts = load.ratio_verdicts(results)
    for top, bottom, target in load.RATIO_TARGETS:
        (line,) = [line for line in verdicts if f": {top}/{bottom} worst" in line]
        assert f"(target <= {target}: " in line
    assert sum("peak RSS worst" in line for line in verdicts) == 2
    (startup,) = [line for line in verdicts if ": startup/project worst" in line]
    assert "incremental/project cannot go below it" in startup


def test_the_floor_reads_every_endpoint_without_parsing_pages(tmp_path: Path) -> None:
    from analytics_assets.sample_api import SampleApiServer, SampleDataset
    from benchmarks import floor

    dataset = SampleDataset.generate(seed=11, responses=250, now=load.NOW, release=load.RELEASE)
    with SampleApiServer(dataset=dataset, api_key=load.API_KEY) as server:
        expected = load.api_counts(server.base_url)
        folders = floor.fetch_pages(server.base_url, load.API_KEY, tmp_path / "pages", 100)
        responses_requests = server.request_count("/responses")
    # Three pages with records, then the empty page that ends the list.
    assert sorted(p.name for p in folders["responses"].iterdir()) == [
        "000000.json", "000001.json", "000002.json"
    ]  # fmt: skip
    assert responses_requests == 4 + 1  # + the one api_counts made
    assert set(folders) == set(ENDPOINTS)
    path = tmp_path / "floor.duckdb"
    assert floor.load(str(path), folders) == sum(expected.values())
    assert load.table_counts(path, list(expected)) == expected


def test_the_rate_limited_scenario_counts_requests_and_429s() -> None:
    # The real window is a minute; 5 requests in 2 s keeps the same shape at test speed.
    results = load.run_rate_limited(RESPONSES, per_minute=5, window_seconds=2.0)

    assert [(m.name, m.page_size) for m in results] == [
        ("baseline", 100), ("project", settings.DEFAULT_PAGE_SIZE), ("project", 1000)
    ]  # fmt: skip
    baseline, project, large_pages = results
    # Every row loaded, and the requests counted are the server's: the probe, five small
    # endpoints and the responses pages (three of 100 and the empty one, or one short page of
    # 1,000), plus one retry per 429 met. The pacing itself is `test_request_budget.py`'s.
    assert project.rows is not None and project.rows == large_pages.rows
    # And the change feed's probe, which release 2 answers with its 404 page.
    assert project.requests - project.throttled == 1 + 5 + 4 + 1
    assert large_pages.requests - large_pages.throttled == 1 + 5 + 1 + 1
    # Plain dlt knows nothing of the limit; whether it meets a 429 here depends on its speed,
    # but a run it finishes must hold every row, and one it gives up on must say why.
    assert baseline.rows == project.rows or (baseline.rows is None and baseline.error)
    lines = load.rate_limited_verdicts(results)
    assert "target: 0 x 429, within 10% of the bound" in lines[1]
