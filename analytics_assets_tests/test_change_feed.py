"""The change feed: edits to responses older than a sync's window reach the warehouse at the
next sync, on servers with v2's `updatedAt` filter, and syncs without it behave as before."""

import random
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance

from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import (
    FIXED_NOW,
    TEST_API_KEY,
    MakeResources,
    RunIngestion,
    query,
)
from analytics_assets_tests.loader import analytics_marts

RESPONSES_KEY = AssetKey(["analytics_api", "responses"])
V2_PATH = "/api" + settings.V2_RESPONSES_PATH
V1_PATH = "/api" + settings.RESPONSES_PATH


def _metadata(result) -> dict:
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == RESPONSES_KEY]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _api_state(dataset: SampleDataset) -> list[tuple[str, str, bool]]:
    return sorted((r["id"], r["updatedAt"], r["finished"]) for r in dataset.rows("responses"))


def _table_state(duckdb_path: Path) -> list[tuple[str, str, bool]]:
    return sorted(
        query(
            duckdb_path,
            "SELECT id, strftime(updated_at, '%Y-%m-%dT%H:%M:%S.%gZ'), finished "
            "FROM analytics.responses",
        )
    )


def _requests_by_kind(server: SampleApiServer) -> Counter:
    kinds: Counter = Counter()
    for request in server.requests:
        if request.path == V2_PATH:
            kinds["v2 pages"] += 1
        elif request.path.startswith(V1_PATH + "/"):
            kinds["reads by id"] += 1
        elif request.path == V1_PATH:
            kinds["v1 pages"] += 1
        else:
            kinds["other endpoints"] += 1
    return kinds


def _nps_by_survey(dataset: SampleDataset) -> dict[str, float]:
    """NPS per survey by hand: 100 x (answers 9-10 - answers 0-6) / answers."""
    nps_questions = {
        survey["id"]: {q["id"] for q in survey.get("questions", []) if q.get("type") == "nps"}
        for survey in dataset.rows("surveys")
    }
    scores: dict[str, list[float]] = {}
    for response in dataset.rows("responses"):
        for question, value in (response.get("data") or {}).items():
            if question in nps_questions.get(response["surveyId"], ()) and isinstance(
                value, int | float
            ):
                scores.setdefault(response["surveyId"], []).append(value)
    return {
        survey: 100 * (sum(s >= 9 for s in values) - sum(s <= 6 for s in values)) / len(values)
        for survey, values in scores.items()
    }


@pytest.fixture
def feed_dataset() -> SampleDataset:
    return SampleDataset.generate(seed=11, responses=1600, now=FIXED_NOW)


@pytest.fixture
def feed_api(feed_dataset: SampleDataset) -> Iterator[SampleApiServer]:
    with SampleApiServer(dataset=feed_dataset, api_key=TEST_API_KEY, shuffle_ties=True) as server:
        yield server


def test_five_finished_and_changed_old_responses_arrive_at_the_next_sync(
    feed_api: SampleApiServer,
    feed_dataset: SampleDataset,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
    tmp_path: Path,
) -> None:
    resources = make_resources(feed_api, tmp_path, requests_per_minute=0)
    duckdb_path = tmp_path / "warehouse.duckdb"
    assert run_ingestion(resources, job="analytics_api_sync").success
    old = feed_dataset.old_response_ids(5, older_than=timedelta(days=3), rng=random.Random(1))
    assert len(old) == 5
    feed_dataset.finish_and_change_answers(old)
    assert _table_state(duckdb_path) != _api_state(feed_dataset)
    feed_api.reset_requests()

    result = run_ingestion(resources, job="analytics_api_sync")

    assert result.success
    assert _table_state(duckdb_path) == _api_state(feed_dataset)
    metadata = _metadata(result)
    assert metadata["change_feed"] == "available"
    assert (metadata["changes_applied"], metadata["changes_pending"]) == (5, 0)
    kinds = _requests_by_kind(feed_api)
    assert kinds["reads by id"] == 5
    # The probe, the newest update, and one page of the feed.
    assert kinds["v2 pages"] == 3
    print(f"requests of the sync by kind: {dict(kinds)}")  # the closing note quotes them

    # The analytics run after that sync: NPS per survey as computed by hand from the API.
    assert run_ingestion(resources, [analytics_marts]).success
    rows = query(duckdb_path, "SELECT survey_id, nps FROM analytics_marts.survey_summary")
    computed = {survey: nps for survey, nps in rows if nps is not None}
    assert computed == pytest.approx(_nps_by_survey(feed_dataset))


def test_a_thousand_edits_arrive_within_their_share_of_syncs_and_count_down(
    feed_api: SampleApiServer,
    feed_dataset: SampleDataset,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
    tmp_path: Path,
) -> None:
    cap = 300
    resources = make_resources(feed_api, tmp_path, changes_per_sync=cap, requests_per_minute=0)
    duckdb_path = tmp_path / "warehouse.duckdb"
    assert run_ingestion(resources, job="analytics_api_sync").success
    old = feed_dataset.old_response_ids(1000, older_than=timedelta(days=2), rng=random.Random(2))
    assert len(old) == 1000
    feed_dataset.finish_and_change_answers(old)

    pending, applied = [], 0
    for _ in range(-(-1000 // cap)):  # ceil(1000 / cap) syncs
        result = run_ingestion(resources, job="analytics_api_sync")
        assert result.success
        metadata = _metadata(result)
        applied += metadata["changes_applied"]
        pending.append(metadata["changes_pending"])

    assert pending == [700, 400, 100, 0]
    assert applied == 1000
    assert _table_state(duckdb_path) == _api_state(feed_dataset)
    [(rows, distinct)] = query(
        duckdb_path, "SELECT count(*), count(DISTINCT id) FROM analytics.responses"
    )
    assert rows == distinct == feed_dataset.response_count
    # Nested rows follow their response: none is left of an answer that changed.
    [(orphans,)] = query(
        duckdb_path,
        "SELECT count(*) FROM analytics.responses__answers a WHERE NOT EXISTS "
        "(SELECT 1 FROM analytics.responses r WHERE r._dlt_id = a._dlt_root_id)",
    )
    assert orphans == 0


def test_three_hundred_edits_sharing_one_instant_all_arrive_through_shuffled_pages(
    feed_api: SampleApiServer,
    feed_dataset: SampleDataset,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
    tmp_path: Path,
) -> None:
    resources = make_resources(feed_api, tmp_path, changes_per_sync=400, requests_per_minute=0)
    duckdb_path = tmp_path / "warehouse.duckdb"
    assert run_ingestion(resources, job="analytics_api_sync").success
    old = feed_dataset.old_response_ids(300, older_than=timedelta(days=2), rng=random.Random(3))
    edited = feed_dataset.finish_and_change_answers(old)
    assert len({r["updatedAt"] for r in edited}) == 1

    result = run_ingestion(resources, job="analytics_api_sync")

    assert result.success
    assert _metadata(result)["changes_applied"] == 300
    assert _table_state(duckdb_path) == _api_state(feed_dataset)
    v2 = [r for r in feed_api.requests if r.path == V2_PATH]
    assert all(int(r.query.get("limit", 0)) <= settings.V2_PAGE_SIZE for r in v2)


@pytest.mark.parametrize(
    ("release", "server_options", "api_fields", "status", "why"),
    [
        (2, {}, {}, "unavailable", "no v2 API"),
        (4, {"v2_date_filter": False}, {}, "unavailable", "ignores filterDateField"),
        (5, {}, {"change_feed": "off"}, "off", "analytics_api.change_feed is off"),
    ],
    ids=["release 2", "release 4 before the date filter", "off"],
)
def test_without_a_feed_a_sync_works_as_before_and_says_why(
    release: int,
    server_options: dict,
    api_fields: dict,
    status: str,
    why: str,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
    tmp_path: Path,
) -> None:
    dataset = SampleDataset.generate(seed=5, responses=300, now=FIXED_NOW, release=release)
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY, **server_options) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **api_fields)
        assert run_ingestion(resources, job="analytics_api_sync", instance=instance).success
        old = dataset.old_response_ids(3, older_than=timedelta(days=2), rng=random.Random(4))
        dataset.finish_and_change_answers(old)
        server.reset_requests()

        result = run_ingestion(resources, job="analytics_api_sync", instance=instance)
        warnings = [
            entry.user_message
            for entry in instance.all_logs(result.run_id)
            if entry.level >= 30 and "feed" in entry.user_message
        ]

    assert result.success
    assert warnings == []
    metadata = _metadata(result)
    assert metadata["change_feed"] == status
    assert why in metadata["change_feed_reason"]
    assert "changes_applied" not in metadata
    # As before the feed: the old edits wait for the full refresh; everything else is exact.
    table = {row[0]: row for row in _table_state(tmp_path / "warehouse.duckdb")}
    api = {row[0]: row for row in _api_state(dataset)}
    assert [i for i in api if table[i] != api[i]] == sorted(old)
    v2 = [r for r in server.requests if r.path == V2_PATH]
    assert len(v2) == (0 if status == "off" else 1)


def test_a_failing_feed_warns_keeps_its_mark_and_the_next_sync_applies_the_edits(
    feed_api: SampleApiServer,
    feed_dataset: SampleDataset,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
    tmp_path: Path,
) -> None:
    resources = make_resources(feed_api, tmp_path, requests_per_minute=0)
    duckdb_path = tmp_path / "warehouse.duckdb"
    assert run_ingestion(resources, job="analytics_api_sync").success
    old = feed_dataset.old_response_ids(4, older_than=timedelta(days=3), rng=random.Random(6))
    feed_dataset.finish_and_change_answers(old)
    # The feed's own pages (ascending) fail past the retries; the probe and the rest answer.
    feed_api.queue_fault(settings.V2_RESPONSES_PATH, 500, times=-1, query={"order": "asc"})

    with DagsterInstance.ephemeral() as instance:
        failed = run_ingestion(resources, job="analytics_api_sync", instance=instance)
        warnings = [
            entry.user_message
            for entry in instance.all_logs(failed.run_id)
            if entry.level >= 30 and "change feed failed" in entry.user_message
        ]

    assert failed.success
    assert len(warnings) == 1 and "HTTP 500" in warnings[0]
    assert _metadata(failed)["change_feed"] == "failed"
    assert _table_state(duckdb_path) != _api_state(feed_dataset)

    feed_api.clear_faults()
    healed = run_ingestion(resources, job="analytics_api_sync")
    assert healed.success
    assert _metadata(healed)["changes_applied"] == 4
    assert _table_state(duckdb_path) == _api_state(feed_dataset)
