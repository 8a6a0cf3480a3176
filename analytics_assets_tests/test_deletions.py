"""Deletions in the API reach the warehouse, and a full read never misses a row.

A user deletes a survey, a webhook and responses in the API (spam, test answers, a person's
deletion request). The hourly sync removes the rows of the small endpoints that a complete read
no longer returns, with their nested rows; the weekly full refresh does the same for responses;
an incremental sync never deletes a response, and a failed run deletes nothing. A read that
would remove more than half of a table of at least 20 rows is held back (a wrong key scope, a
proxy serving a partial list) until a run confirms it. With `ANALYTICS_DELETIONS=flag` the rows
stay, stamped with `deleted_at`, the analytics ignore them, and a row that comes back loses its
stamp. Responses that share one `createdAt` come back in a new order on every request; a full
read still returns each of them exactly once.
"""

from decimal import Decimal
from pathlib import Path
from typing import Any

import dlt
import pytest
from dagster import AssetCheckSeverity, DagsterInstance, ExecuteInProcessResult

from analytics_assets.component.checks import DELETIONS_CHECK, build_raw_table_checks
from analytics_assets.component.names import LoaderNames
from analytics_assets.formbricks import build_source, settings
from analytics_assets.formbricks.ledger import RunLedger
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import (
    FIXED_NOW,
    TEST_API_KEY,
    MakeResources,
    RunIngestion,
    api_ids,
    orphans,
    query,
    table_ids,
)
from analytics_assets_tests.handmade import (
    AFTER_DELETIONS,
    AFTER_DELETIONS_SQL,
    delete_some,
    handmade_dataset,
)
from analytics_assets_tests.loader import analytics_api_assets, analytics_marts

FULL_REFRESH = {"ops": {analytics_api_assets.op.name: {"config": {"full_refresh": True}}}}
CONFIRMED = {
    "ops": {
        analytics_api_assets.op.name: {"config": {"full_refresh": True, "confirm_deletions": True}}
    }
}
NESTED = (
    "surveys__questions",
    "surveys__questions__choices",
    "surveys__endings",
    "responses__answers",
    "responses__answers__selected",
    "responses__tags",
)


# No request budget: the sample API does not limit, and the runs here make more than
# 100 requests a minute (missing responses are asked for one by one).
NO_BUDGET = {"requests_per_minute": 0}
LOAD = [analytics_api_assets, *build_raw_table_checks(LoaderNames())]


def _deleted(result: ExecuteInProcessResult) -> dict[str, int]:
    return {
        event.asset_key.path[-1]: event.materialization.metadata["rows_deleted"].value
        for event in result.get_asset_materialization_events()
        if "rows_deleted" in event.materialization.metadata
    }


def _orphans(path: Path) -> dict[str, int]:
    """Nested rows whose root row is gone, per nested table."""
    return orphans(lambda sql: query(path, sql), NESTED)


def _live_ids(path: Path, table: str) -> list[str]:
    return sorted(
        row[0] for row in query(path, f"SELECT id FROM analytics.{table} WHERE deleted_at IS NULL")
    )


def _plain(rows: list[tuple]) -> list[tuple]:
    """Rows with floats (and Postgres' decimals) rounded, to compare with hand figures."""

    def value(item: Any) -> Any:
        if isinstance(item, Decimal):
            item = float(item)
        return round(item, 9) if isinstance(item, float) else item

    return [tuple(value(item) for item in row) for row in rows]


# ----------------------------------------------------------------------------- every endpoint


def test_sync_removes_small_endpoint_rows_and_the_full_refresh_removes_responses(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=300, now=FIXED_NOW)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        assert run_ingestion(resources, LOAD, instance=instance).success
        survey = dataset.rows("surveys")[1]["id"]
        responses = [r for r in dataset.rows("responses") if r["surveyId"] != survey]
        tagged = [r["id"] for r in responses if r["tags"]][:10]
        multi = [
            r["id"]
            for r in responses
            if r["id"] not in tagged and any(isinstance(v, list) for v in r["data"].values())
        ][:15]
        assert len(tagged) == 10 and len(multi) == 15
        cascaded = dataset.delete("surveys", [survey])
        dataset.delete("responses", tagged + multi)
        dataset.delete("webhooks", [dataset.rows("webhooks")[0]["id"]])
        dataset.delete("action_classes", [dataset.rows("action_classes")[0]["id"]])
        dataset.delete("people", [dataset.people()[0]["id"]])
        key = next(k for k in dataset.rows("contact_attribute_keys") if k["key"] == "plan")
        dataset.delete("attribute_classes", [key["id"]])
        before_sync = table_ids(duckdb_path, "responses")

        sync = run_ingestion(resources, LOAD, instance=instance)
        assert sync.success
        # Every small endpoint, read whole, lost what the API lost; responses kept everything.
        for table in settings.RESOURCES:
            if table != "responses":
                assert table_ids(duckdb_path, table) == api_ids(dataset, table), table
        assert table_ids(duckdb_path, "responses") == before_sync
        assert _deleted(sync) == {
            "surveys": 1, "action_classes": 1, "attribute_classes": 1, "identified_peoples": 1,
            "responses": 0, "webhooks": 1,
        }  # fmt: skip
        # The contact lost its attributes with the key: the plan is gone from every person.
        assert query(
            duckdb_path,
            "SELECT count(*) FROM analytics.identified_peoples WHERE attributes LIKE '%plan%'",
        ) == [(0,)]

        full = run_ingestion(resources, LOAD, instance=instance, run_config=FULL_REFRESH)
        assert full.success
        for table in settings.RESOURCES:
            assert table_ids(duckdb_path, table) == api_ids(dataset, table), table
        assert _deleted(full)["responses"] == 25 + len(cascaded)
        assert _orphans(duckdb_path) == dict.fromkeys(NESTED, 0)
        # Answers are exactly those of the responses left.
        answers = query(duckdb_path, "SELECT count(*) FROM analytics.responses__answers")
        assert answers == [(sum(len(r["data"]) for r in dataset.rows("responses")),)]
        checks = {
            (e.asset_key.path[-1], e.check_name): e for e in full.get_asset_check_evaluations()
        }
        assert all(checks[(table, DELETIONS_CHECK)].passed for table in settings.RESOURCES)


@pytest.mark.parametrize("mode", ["delete", "flag"])
def test_the_analytics_match_a_hand_computation_on_what_is_left(
    tmp_path: Path,
    mode: str,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = handmade_dataset()
    dataset.edit_response("r2", tags=[{"id": "t1", "name": "spam", "workspaceId": "W1"}])
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions=mode)
        everything = [analytics_api_assets, analytics_marts]
        assert run_ingestion(resources, everything, instance=instance).success
        delete_some(dataset)
        assert run_ingestion(resources, everything, instance=instance).success
        assert run_ingestion(
            resources, everything, instance=instance, run_config=FULL_REFRESH
        ).success

    for table, expected in AFTER_DELETIONS.items():
        assert _plain(query(duckdb_path, AFTER_DELETIONS_SQL[table])) == _plain(expected), table
    if mode == "flag":
        # The rows stay, stamped; the analytics read only the others.
        assert table_ids(duckdb_path, "responses") == [f"r{n}" for n in range(1, 8)]
        assert _live_ids(duckdb_path, "responses") == ["r1", "r3", "r4"]
        assert _live_ids(duckdb_path, "surveys") == ["S1", "S3"]
        assert _live_ids(duckdb_path, "identified_peoples") == ["P1", "P2"]
    else:
        assert table_ids(duckdb_path, "responses") == ["r1", "r3", "r4"]
        assert table_ids(duckdb_path, "identified_peoples") == ["P1", "P2"]
        assert query(duckdb_path, "SELECT count(*) FROM analytics.responses__tags") == [(0,)]


# ----------------------------------------------------------------------------- what never deletes


def test_a_failed_full_refresh_deletes_nothing_and_the_next_one_does(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=245, now=FIXED_NOW)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        assert run_ingestion(resources, LOAD, instance=instance).success
        gone = [r["id"] for r in dataset.rows("responses")[150:160]]
        dataset.delete("responses", gone)
        dataset.delete("webhooks", [dataset.rows("webhooks")[0]["id"]])
        loaded = {table: table_ids(duckdb_path, table) for table in settings.RESOURCES}
        # The last page of the complete read keeps failing.
        server.queue_fault(settings.RESPONSES_PATH, 500, times=-1, query={"skip": "200"})

        failed = run_ingestion(resources, LOAD, instance=instance, run_config=FULL_REFRESH)
        assert not failed.success
        for table in settings.RESOURCES:
            assert table_ids(duckdb_path, table) == loaded[table], table

        server.clear_faults()
        healed = run_ingestion(resources, LOAD, instance=instance, run_config=FULL_REFRESH)
        assert healed.success
        for table in settings.RESOURCES:
            assert table_ids(duckdb_path, table) == api_ids(dataset, table), table
        assert _deleted(healed)["responses"] == 10


def test_an_incremental_sync_never_deletes_a_response(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=245, now=FIXED_NOW)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        assert run_ingestion(resources, LOAD, instance=instance).success
        # The newest responses: inside the window the sync reads again.
        dataset.delete("responses", [r["id"] for r in dataset.rows("responses")[:5]])
        before = table_ids(duckdb_path, "responses")
        sync = run_ingestion(resources, LOAD, instance=instance)
    assert sync.success
    assert table_ids(duckdb_path, "responses") == before
    assert _deleted(sync)["responses"] == 0


@pytest.mark.parametrize("lookback_seconds", [None, 3600.0], ids=["full-read", "sync"])
def test_only_a_full_read_of_responses_keeps_their_ids(
    tmp_path: Path, lookback_seconds: float | None
) -> None:
    """The ids are what a deletion compares with; a sync reads a window and deletes no
    response, so it keeps none (a million of them would hold 100 MB to the end of the run)."""
    dataset = SampleDataset.generate(seed=7, responses=245, now=FIXED_NOW)
    ledger = RunLedger(generation=settings.GENERATION_CURRENT)
    pipeline = dlt.pipeline(
        pipeline_name="ids",
        destination=dlt.destinations.duckdb(str(tmp_path / "ids.duckdb")),
        dataset_name="analytics",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        source = build_source(
            server.base_url,
            TEST_API_KEY,
            responses_lookback_seconds=lookback_seconds,
            ledger=ledger,
        ).with_resources("surveys", "responses")
        pipeline.run(source, loader_file_format="parquet")
    assert sorted(ledger.seen["surveys"]) == api_ids(dataset, "surveys")
    if lookback_seconds is None:
        assert sorted(ledger.seen["responses"]) == api_ids(dataset, "responses")
    else:
        assert "responses" not in ledger.seen
    assert len(table_ids(tmp_path / "ids.duckdb", "responses")) == 245


# ----------------------------------------------------------------------------- the guard


def test_a_list_that_suddenly_holds_a_tenth_deletes_nothing_until_confirmed(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=300, now=FIXED_NOW)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        assert run_ingestion(resources, LOAD, instance=instance).success
        # A proxy serving a partial list: 10% of the responses are listed.
        hidden = [r["id"] for i, r in enumerate(dataset.rows("responses")) if i % 10]
        dataset.delete("responses", hidden)

        guarded = run_ingestion(resources, LOAD, instance=instance, run_config=FULL_REFRESH)
        assert guarded.success
        assert len(table_ids(duckdb_path, "responses")) == 300
        assert _deleted(guarded)["responses"] == 0
        metadata = next(
            e.materialization.metadata
            for e in guarded.get_asset_materialization_events()
            if e.asset_key.path[-1] == "responses"
        )
        assert metadata["deletions_withheld"].value == 270
        warnings = [
            entry.user_message
            for entry in instance.all_logs(guarded.run_id)
            if entry.level == 30 and "no longer returns" in entry.user_message
        ]
        assert warnings == [
            "responses: kept 270 rows the API no longer returns: "
            + metadata["deletions_withheld_reason"].value
        ]
        assert "270 of 300 rows (90%)" in warnings[0] and "confirm_deletions" in warnings[0]
        check = next(
            e
            for e in guarded.get_asset_check_evaluations()
            if e.asset_key.path[-1] == "responses" and e.check_name == DELETIONS_CHECK
        )
        assert not check.passed and check.severity == AssetCheckSeverity.WARN
        assert "270 rows the API no longer returns were kept" in check.description

        confirmed = run_ingestion(resources, LOAD, instance=instance, run_config=CONFIRMED)
        assert confirmed.success
        assert table_ids(duckdb_path, "responses") == api_ids(dataset, "responses")
        assert _deleted(confirmed)["responses"] == 270
        assert all(
            e.passed
            for e in confirmed.get_asset_check_evaluations()
            if e.check_name == DELETIONS_CHECK
        )


def test_a_small_table_is_not_guarded(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    """Three of four webhooks go: 75%, but of a table under 20 rows, so they are deleted."""
    dataset = SampleDataset.generate(seed=7, responses=50, now=FIXED_NOW)
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        assert run_ingestion(resources, LOAD, instance=instance).success
        dataset.delete("webhooks", [w["id"] for w in dataset.rows("webhooks")[:3]])
        result = run_ingestion(resources, LOAD, instance=instance)
    assert result.success
    assert _deleted(result)["webhooks"] == 3
    assert table_ids(tmp_path / "warehouse.duckdb", "webhooks") == api_ids(dataset, "webhooks")


# ----------------------------------------------------------------------------- flag


def test_flagged_rows_lose_their_flag_when_they_come_back(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=50, now=FIXED_NOW)
    duckdb_path = tmp_path / "warehouse.duckdb"
    webhook = None
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="flag")
        assert run_ingestion(resources, LOAD, instance=instance).success
        webhook = dataset.rows("webhooks")[0]["id"]
        dataset.delete("webhooks", [webhook])
        flagged = run_ingestion(resources, LOAD, instance=instance)
        assert flagged.success
        assert _deleted(flagged)["webhooks"] == 1
        [(stamp,)] = query(
            duckdb_path, "SELECT deleted_at FROM analytics.webhooks WHERE id = ?", webhook
        )
        assert stamp is not None
        # A second run keeps the first stamp and flags nothing new.
        again = run_ingestion(resources, LOAD, instance=instance)
        assert _deleted(again)["webhooks"] == 0
        assert query(
            duckdb_path, "SELECT deleted_at FROM analytics.webhooks WHERE id = ?", webhook
        ) == [(stamp,)]

        dataset.restore("webhooks", [webhook])
        back = run_ingestion(resources, LOAD, instance=instance)
    assert back.success
    assert query(
        duckdb_path, "SELECT deleted_at FROM analytics.webhooks WHERE id = ?", webhook
    ) == [(None,)]
    assert _live_ids(duckdb_path, "webhooks") == api_ids(dataset, "webhooks")


# ----------------------------------------------------------------------------- ties


def _tied_dataset(tied: int, others: int) -> SampleDataset:
    survey = {
        "id": "S1",
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
        "status": "inProgress",
        "questions": [],
    }
    responses = []
    for n in range(tied + others):
        # A bulk import: `tied` responses share one createdAt, between older and newer ones.
        if n < others // 2:
            created = f"2026-11-01T00:00:{n:02d}.000Z"
        elif n < others // 2 + tied:
            created = "2026-11-02T00:00:00.000Z"
        else:
            created = f"2026-11-03T00:00:{n % 60:02d}.{n:03d}Z"
        responses.append(
            {"id": f"r{n:04d}", "createdAt": created, "updatedAt": created, "surveyId": "S1",
             "finished": True, "data": {}, "tags": []}
        )  # fmt: skip
    return SampleDataset.from_records(surveys=[survey], responses=responses)


@pytest.mark.parametrize("run_config", [None, FULL_REFRESH], ids=["first-load", "full-refresh"])
def test_a_full_read_returns_every_one_of_250_tied_responses_once(
    tmp_path: Path,
    run_config: dict | None,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = _tied_dataset(tied=250, others=60)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(
            dataset=dataset, api_key=TEST_API_KEY, shuffle_ties=True, seed=11
        ) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        if run_config is not None:
            assert run_ingestion(resources, LOAD, instance=instance).success
            server.reset_requests()
        result = run_ingestion(resources, LOAD, instance=instance, run_config=run_config)
        pages = [
            (int(r.query["skip"]), int(r.query["limit"]))
            for r in server.requests
            if r.path.endswith(settings.RESPONSES_PATH)
        ]
    assert result.success
    assert query(duckdb_path, "SELECT count(*), count(DISTINCT id) FROM analytics.responses") == [
        (310, 310)
    ]
    assert table_ids(duckdb_path, "responses") == api_ids(dataset, "responses")
    # 30 newer responses, then the 250 tied ones at positions 30 to 279: the page where the group
    # ends (200) is followed by one read of the whole group, then paging goes on.
    assert pages == [(0, 100), (100, 100), (200, 100), (30, 250), (300, 100)]


def test_the_sample_loses_tied_rows_to_plain_offset_paging() -> None:
    """What the loader guards against: without the re-read, pages miss some of the group."""
    dataset = _tied_dataset(tied=250, others=60)
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY, shuffle_ties=True) as server:
        import requests

        seen: set[str] = set()
        for skip in range(0, 310, 100):
            page = requests.get(
                server.base_url + settings.RESPONSES_PATH,
                params={"limit": 100, "skip": skip},
                headers={"x-api-key": TEST_API_KEY},
                timeout=10,
            ).json()["data"]
            seen.update(record["id"] for record in page)
    assert len(seen) < 310


# ----------------------------------------------------------------------------- what reads can miss


def test_a_key_of_another_workspace_deletes_nothing(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    """The key now reads another workspace of the same size: every row would go, table by
    table, although the load doubled each table first."""
    ours = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW)
    theirs = SampleDataset.generate(seed=8, responses=120, now=FIXED_NOW)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with DagsterInstance.ephemeral() as instance:
        with SampleApiServer(dataset=ours, api_key=TEST_API_KEY) as server:
            assert run_ingestion(
                make_resources(server, tmp_path, **NO_BUDGET, deletions="delete"),
                LOAD,
                instance=instance,
            ).success
        with SampleApiServer(dataset=theirs, api_key=TEST_API_KEY) as server:
            result = run_ingestion(
                make_resources(server, tmp_path, **NO_BUDGET, deletions="delete"),
                LOAD,
                instance=instance,
                run_config=FULL_REFRESH,
            )
    assert result.success
    assert set(_deleted(result).values()) == {0}
    for table in settings.RESOURCES:
        assert set(api_ids(ours, table)) <= set(table_ids(duckdb_path, table)), table
    assert not any(e.passed for e in result.get_asset_check_evaluations()
                   if e.check_name == DELETIONS_CHECK)  # fmt: skip


def test_formbricks_2_people_cut_at_30_are_never_a_complete_read(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=50, now=FIXED_NOW, release=2)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        assert run_ingestion(resources, LOAD, instance=instance).success
        first = dataset.rows("people")[0]["id"]
        dataset.delete("people", [first])  # the 31st person moves up into the 30 served
        result = run_ingestion(resources, LOAD, instance=instance)
    assert result.success
    people = table_ids(duckdb_path, "identified_peoples")
    assert len(people) == 31 and first in people
    metadata = next(
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[-1] == "identified_peoples"
    )
    assert metadata["complete_read"].value is False and metadata["rows_deleted"].value == 0


def test_a_response_the_read_missed_while_the_list_changed_is_not_deleted(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    """The three newest responses are deleted after the first page of the full read: the later
    ones move up three places, and the three at the first page boundary are never read. The API,
    asked for each missing one, still has them, so nothing goes; the next full refresh removes
    the three deleted ones (the first page had still returned them)."""
    dataset = SampleDataset.generate(seed=7, responses=245, now=FIXED_NOW)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        assert run_ingestion(resources, LOAD, instance=instance).success
        rows = dataset.rows("responses")
        newest, skipped = [r["id"] for r in rows[:3]], [r["id"] for r in rows[100:103]]

        def delete_between_pages(path: str, query: dict[str, str]) -> None:
            if path.endswith(settings.RESPONSES_PATH) and query.get("skip") == "100":
                server.on_request(None)
                dataset.delete("responses", newest)

        server.on_request(delete_between_pages)
        changed = run_ingestion(resources, LOAD, instance=instance, run_config=FULL_REFRESH)
        asked = sorted(
            r.path.rsplit("/", 1)[-1] for r in server.requests if "/responses/" in r.path
        )
        assert changed.success
        assert _deleted(changed)["responses"] == 0
        assert asked == sorted(skipped)
        assert set(skipped) | set(newest) <= set(table_ids(duckdb_path, "responses"))

        settled = run_ingestion(resources, LOAD, instance=instance, run_config=FULL_REFRESH)
    assert _deleted(settled)["responses"] == 3
    assert table_ids(duckdb_path, "responses") == api_ids(dataset, "responses")


def test_missing_responses_the_api_cannot_confirm_are_kept(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        assert run_ingestion(resources, LOAD, instance=instance).success
        gone = [r["id"] for r in dataset.rows("responses")[50:52]]
        dataset.delete("responses", gone)
        server.queue_fault(f"{settings.RESPONSES_PATH}/{gone[0]}", 500, times=-1)
        result = run_ingestion(resources, LOAD, instance=instance, run_config=FULL_REFRESH)
    assert result.success
    assert set(gone) <= set(table_ids(duckdb_path, "responses"))
    check = next(
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key.path[-1] == "responses" and e.check_name == DELETIONS_CHECK
    )
    assert not check.passed and "could not confirm" in check.description


@pytest.mark.parametrize(
    ("body", "content_type", "said"),
    [
        (
            b"<!DOCTYPE html><html><body><h1>404</h1>Page not found</body></html>",
            "text/html; charset=utf-8",
            "answered HTTP 404 with a page that is not the API's (text/html)",
        ),
        (
            b'{"code": "bad_request", "message": "Not here", "details": {}}',
            "application/json",
            "answered HTTP 404 with code 'bad_request'",
        ),
    ],
    ids=["html-404-page", "json-404-another-code"],
)
def test_only_the_apis_json_not_found_confirms_a_missing_response(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
    body: bytes,
    content_type: str,
    said: str,
) -> None:
    """A 404 that is not the API's `not_found` (a proxy's or Next.js's page, another code) holds
    the deletion back; once the API answers its own JSON `not_found`, the responses go."""
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        assert run_ingestion(resources, LOAD, instance=instance).success
        gone = [r["id"] for r in dataset.rows("responses")[50:52]]
        dataset.delete("responses", gone)
        server.queue_fault(
            f"{settings.RESPONSES_PATH}/{gone[0]}",
            404,
            times=-1,
            body=body,
            content_type=content_type,
        )
        held = run_ingestion(resources, LOAD, instance=instance, run_config=FULL_REFRESH)
        assert held.success
        assert set(gone) <= set(table_ids(duckdb_path, "responses"))
        assert _deleted(held)["responses"] == 0
        check = next(
            e
            for e in held.get_asset_check_evaluations()
            if e.asset_key.path[-1] == "responses" and e.check_name == DELETIONS_CHECK
        )
        assert not check.passed and "could not confirm" in check.description
        metadata = next(
            e.materialization.metadata
            for e in held.get_asset_materialization_events()
            if e.asset_key.path[-1] == "responses"
        )
        assert said in metadata["deletions_withheld_reason"].value

        server.clear_faults()  # the sample answers the API's JSON `not_found` again
        confirmed = run_ingestion(resources, LOAD, instance=instance, run_config=FULL_REFRESH)
    assert confirmed.success
    assert _deleted(confirmed)["responses"] == 2
    assert table_ids(duckdb_path, "responses") == api_ids(dataset, "responses")


def test_formbricks_2_cannot_confirm_a_missing_response_so_none_is_deleted(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    """2.7 answers a response that does not exist with 401 `unauthorized`, as it answers one of
    a survey the key may not read: that confirms nothing, and the responses stay."""
    dataset = SampleDataset.generate(seed=7, responses=60, now=FIXED_NOW, release=2)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        assert run_ingestion(resources, LOAD, instance=instance).success
        gone = [r["id"] for r in dataset.rows("responses")[10:12]]
        dataset.delete("responses", gone)
        result = run_ingestion(resources, LOAD, instance=instance, run_config=FULL_REFRESH)
        asked = [r.path for r in server.requests if "/responses/" in r.path]
    assert result.success
    assert set(gone) <= set(table_ids(duckdb_path, "responses"))
    assert _deleted(result)["responses"] == 0
    assert len(asked) == 1  # the first answer already says the check cannot be made
    metadata = next(
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.asset_key.path[-1] == "responses"
    )
    reason = metadata["deletions_withheld_reason"].value
    assert "401 `unauthorized`: Formbricks 2.x" in reason and "cannot confirm" in reason


def test_a_sync_does_not_clear_what_the_full_refresh_held_back(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=100, now=FIXED_NOW)
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        assert run_ingestion(resources, LOAD, instance=instance).success
        dataset.delete("responses", [r["id"] for r in dataset.rows("responses")[5:95]])
        assert run_ingestion(resources, LOAD, instance=instance, run_config=FULL_REFRESH).success
        sync = run_ingestion(resources, LOAD, instance=instance)
    check = next(
        e
        for e in sync.get_asset_check_evaluations()
        if e.asset_key.path[-1] == "responses" and e.check_name == DELETIONS_CHECK
    )
    assert not check.passed and "90 rows the API no longer returns were kept" in check.description


def test_switching_from_flag_to_delete_purges_the_flagged_rows(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=50, now=FIXED_NOW)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        assert run_ingestion(
            make_resources(server, tmp_path, **NO_BUDGET, deletions="flag"), LOAD, instance=instance
        ).success
        webhook = dataset.rows("webhooks")[0]["id"]
        dataset.delete("webhooks", [webhook])
        assert run_ingestion(
            make_resources(server, tmp_path, **NO_BUDGET, deletions="flag"), LOAD, instance=instance
        ).success
        assert webhook in table_ids(duckdb_path, "webhooks")
        purged = run_ingestion(
            make_resources(server, tmp_path, **NO_BUDGET, deletions="delete"),
            LOAD,
            instance=instance,
        )
    assert _deleted(purged)["webhooks"] == 1
    assert table_ids(duckdb_path, "webhooks") == api_ids(dataset, "webhooks")


def test_responses_of_a_deleted_survey_leave_the_analytics_at_the_next_sync(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    """The raw responses stay until the full refresh; no analytics count them meanwhile."""
    dataset = handmade_dataset()
    duckdb_path = tmp_path / "warehouse.duckdb"
    everything = [analytics_api_assets, analytics_marts]
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        resources = make_resources(server, tmp_path, **NO_BUDGET, deletions="delete")
        assert run_ingestion(resources, everything, instance=instance).success
        dataset.delete("surveys", ["S2"])
        assert run_ingestion(resources, everything, instance=instance).success
    assert "r5" in table_ids(duckdb_path, "responses")
    days = query(
        duckdb_path, "SELECT DISTINCT survey_id FROM analytics_marts.daily_survey_responses"
    )
    assert days == [("S1",)]
    # P2 answered r2 in S1 (NPS 9) and r5, r6 in S2.
    assert query(
        duckdb_path,
        "SELECT responses, latest_nps FROM analytics_marts.person_engagement "
        "WHERE person_id = 'P2'",
    ) == [(1, 9)]
