"""The same loads, analytics and checks on a live PostgreSQL server, compared with DuckDB.

The destination is chosen by configuration (`WarehouseResource.destination`, normally
ANALYTICS_DESTINATION) with dlt's own credential settings (DESTINATION__POSTGRES__CREDENTIALS).
Each test gets a fresh database on the server `.ci/postgres.sh` starts (DSN in
ANALYTICS_TEST_POSTGRES_DSN, default the one the script prints). Without a server the tests skip,
except in CI (`CI` set), where they must run.
"""

import math
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dagster import (
    AssetSelection,
    DagsterInstance,
    Definitions,
    materialize,
)

from analytics_assets.component.analytics import MARTS_TABLES
from analytics_assets.component.checks import (
    DELETIONS_CHECK,
    ID_CHECK,
    RAW_TABLES,
    SCHEMA_CHECK,
    SURVEY_ID_CHECK,
    build_raw_table_checks,
)
from analytics_assets.component.names import LoaderNames
from analytics_assets.component.resources import WarehouseResource
from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import FIXED_NOW, TEST_API_KEY, MakeResources, api_ids, orphans
from analytics_assets_tests.handmade import (
    AFTER_DELETIONS,
    AFTER_DELETIONS_SQL,
    delete_some,
)
from analytics_assets_tests.handmade import handmade_dataset as hand_built_dataset
from analytics_assets_tests.live import import_or_skip_outside_ci
from analytics_assets_tests.loader import (
    NAMES,
    analytics_api_assets,
    analytics_api_sync,
    analytics_marts,
)

psycopg2 = import_or_skip_outside_ci("psycopg2")

RESPONSES_PATH = settings.RESPONSES_PATH
MARTS = NAMES.analytics_dataset
RAW_TABLE_CHECKS = build_raw_table_checks(LoaderNames())


@pytest.fixture
def postgres_warehouse(
    postgres_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> WarehouseResource:
    # dlt's own credential setting, as a deployment sets it.
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_dsn)
    return WarehouseResource(destination="postgres", pipelines_dir=str(tmp_path / "dlt_pg"))


def _rows(warehouse: WarehouseResource, sql: str, *args: Any) -> list[tuple]:
    """Rows of a query, through the project's own connection (DuckDB and Postgres alike)."""
    import logging

    with warehouse.connect(logging.getLogger(__name__)) as client:
        with client.execute_query(sql, *args) as cursor:
            return [tuple(row) for row in cursor.fetchall()]


def _ids(warehouse: WarehouseResource, table: str) -> list[str]:
    return sorted(row[0] for row in _rows(warehouse, f"SELECT id FROM analytics.{table}"))


def test_destination_is_postgres_by_configuration(postgres_warehouse: WarehouseResource) -> None:
    assert postgres_warehouse.resolved_destination() == "postgres"
    assert postgres_warehouse.resolved_loader_file_format() is None  # Postgres's own choice
    assert postgres_warehouse.build_pipeline().destination.destination_type.endswith("postgres")


def test_full_load_holds_exactly_the_api_rows_twice_over(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    postgres_warehouse: WarehouseResource,
    make_resources: MakeResources,
) -> None:
    resources = make_resources(base_url=sample_api.base_url, warehouse=postgres_warehouse)
    for _ in range(2):
        assert materialize([analytics_api_assets], resources=resources).success
        for table in settings.RESOURCES:
            assert _ids(postgres_warehouse, table) == api_ids(sample_dataset, table), table
    answers = _rows(postgres_warehouse, "SELECT count(*) FROM analytics.responses__answers")
    expected = sum(len(record["data"]) for record in sample_dataset.rows("responses"))
    assert answers == [(expected,)]


def test_incremental_sync_reads_few_pages_and_lands_new_and_edited_rows(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    postgres_warehouse: WarehouseResource,
    make_resources: MakeResources,
) -> None:
    resources = make_resources(base_url=sample_api.base_url, warehouse=postgres_warehouse)
    definitions = Definitions(assets=[analytics_api_assets], jobs=[analytics_api_sync])
    job = Definitions.merge(definitions, Definitions(resources=resources)).resolve_job_def(
        "analytics_api_sync"
    )
    assert job.execute_in_process().success
    recent = sample_dataset.rows("responses")[:5]
    for record in recent:
        sample_dataset.edit_response(record["id"], finished=True)
    added = sample_dataset.add_responses(150, at=FIXED_NOW + timedelta(minutes=5))
    sample_api.reset_requests()

    assert job.execute_in_process().success

    pages = [r for r in sample_api.requests if r.path.endswith(RESPONSES_PATH)]
    assert 2 <= len(pages) <= 4
    state = sorted(
        (row[0], row[1].isoformat(timespec="milliseconds").replace("+00:00", "Z"))
        for row in _rows(postgres_warehouse, "SELECT id, updated_at FROM analytics.responses")
    )
    assert state == sorted((r["id"], r["updatedAt"]) for r in sample_dataset.rows("responses"))
    assert set(added) <= {row[0] for row in state}


def _normalised(rows: list[tuple]) -> list[tuple]:
    """Rows comparable across destinations: floats rounded, dates and JSON as text."""

    def value(item: Any) -> Any:
        if isinstance(item, float):
            return None if math.isnan(item) else round(item, 9)
        if isinstance(item, datetime):
            return item.isoformat()
        if hasattr(item, "isoformat"):
            return item.isoformat()
        if isinstance(item, dict | list):
            import json

            return json.dumps(item, sort_keys=True)
        if isinstance(item, str) and item.startswith(("{", "[")):
            import json

            try:
                return json.dumps(json.loads(item), sort_keys=True)
            except ValueError:
                return item
        return item

    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


def test_analytics_and_checks_match_duckdb_exactly(
    postgres_warehouse: WarehouseResource, tmp_path: Path, make_resources: MakeResources
) -> None:
    duckdb_warehouse = WarehouseResource(
        duckdb_path=str(tmp_path / "w.duckdb"), pipelines_dir=str(tmp_path / "dlt_duck")
    )
    results = {}
    with SampleApiServer(dataset=hand_built_dataset(), api_key=TEST_API_KEY) as server:
        for name, warehouse in (("postgres", postgres_warehouse), ("duckdb", duckdb_warehouse)):
            result = materialize(
                [analytics_api_assets, analytics_marts, *RAW_TABLE_CHECKS],
                resources=make_resources(base_url=server.base_url, warehouse=warehouse),
            )
            assert result.success, name
            results[name] = result

    # The hand-built dataset has no action classes or webhooks.
    for table in ("surveys", "attribute_classes", "identified_peoples", "responses"):
        assert _ids(postgres_warehouse, table) == _ids(duckdb_warehouse, table), table
    for table in MARTS_TABLES:
        sql = f"SELECT * FROM {MARTS}.{table}"
        on_postgres = _normalised(_rows(postgres_warehouse, sql))
        assert on_postgres, table
        assert on_postgres == _normalised(_rows(duckdb_warehouse, sql)), table
    # The hand-computed figures of test_marts.py, on Postgres.
    summary = _rows(
        postgres_warehouse,
        f"SELECT survey_id, responses, finished_responses, completion_rate, nps,"
        f" mean_rating_normalized FROM {MARTS}.survey_summary ORDER BY survey_id",
    )
    assert summary == [
        ("S1", 4, 3, 0.75, 25.0, pytest.approx(0.8)),
        ("S2", 3, 1, pytest.approx(1 / 3), -100.0, pytest.approx(0.9)),
        ("S3", 0, 0, None, None, None),
    ]
    for name, result in results.items():
        checked = {
            (e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()
        }
        evaluations = {key: e.passed for key, e in checked.items()}
        expected = (
            {(table, ID_CHECK) for table in RAW_TABLES}
            | {(table, SCHEMA_CHECK) for table in RAW_TABLES}
            | {(table, DELETIONS_CHECK) for table in RAW_TABLES}
            | {("responses", SURVEY_ID_CHECK)}
        )
        assert set(evaluations) == expected, name
        # webhooks and action classes are empty in the hand-built dataset: dlt creates no
        # table for them, and their id checks pass saying so.
        assert all(evaluations.values()), name
        for table in ("action_classes", "webhooks"):
            assert "returned no records" in checked[(table, ID_CHECK)].description, name


def test_checks_fail_on_an_unknown_survey_on_postgres(
    sample_api: SampleApiServer,
    postgres_warehouse: WarehouseResource,
    postgres_dsn: str,
    tmp_path: Path,
    make_resources: MakeResources,
) -> None:
    resources = make_resources(base_url=sample_api.base_url, warehouse=postgres_warehouse)
    # One instance for both runs: the schema check compares with the previous materialization.
    instance = DagsterInstance.ephemeral(tempdir=str(tmp_path / "dagster"))
    assert materialize(
        [analytics_api_assets, *RAW_TABLE_CHECKS], resources=resources, instance=instance
    ).success
    with psycopg2.connect(postgres_dsn) as connection, connection.cursor() as cursor:
        # dlt gives Postgres tables a primary key on `id`, so a repeated id cannot even be
        # written there; a response of a survey that is not loaded can.
        cursor.execute(
            "UPDATE analytics.responses SET survey_id = 'survey-never-loaded' "
            "WHERE id = (SELECT min(id) FROM analytics.responses)"
        )

    result = materialize(
        [analytics_api_assets, *RAW_TABLE_CHECKS],
        resources=resources,
        instance=instance,
        selection=AssetSelection.checks(*RAW_TABLE_CHECKS),
    )

    assert result.success
    failed = {
        (e.asset_key.path[-1], e.check_name)
        for e in result.get_asset_check_evaluations()
        if not e.passed
    }
    assert failed == {("responses", SURVEY_ID_CHECK)}


# ----------------------------------------------------------------------------- deletions

NESTED = (
    "surveys__questions",
    "surveys__endings",
    "responses__answers",
    "responses__answers__selected",
    "responses__tags",
)
FULL_REFRESH = {"ops": {analytics_api_assets.op.name: {"config": {"full_refresh": True}}}}


def _orphans(warehouse: WarehouseResource) -> dict[str, int]:
    return orphans(lambda sql: _rows(warehouse, sql), NESTED)


def test_deletions_of_every_endpoint_reach_postgres(
    postgres_warehouse: WarehouseResource, make_resources: MakeResources
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=300, now=FIXED_NOW)
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        resources = make_resources(base_url=server.base_url, warehouse=postgres_warehouse)
        assert materialize([analytics_api_assets], resources=resources).success
        survey = dataset.rows("surveys")[1]["id"]
        others = [r for r in dataset.rows("responses") if r["surveyId"] != survey]
        tagged = [r["id"] for r in others if r["tags"]][:10]
        multi = [
            r["id"]
            for r in others
            if r["id"] not in tagged and any(isinstance(v, list) for v in r["data"].values())
        ][:15]
        dataset.delete("surveys", [survey])
        dataset.delete("responses", tagged + multi)
        dataset.delete("webhooks", [dataset.rows("webhooks")[0]["id"]])
        dataset.delete("action_classes", [dataset.rows("action_classes")[0]["id"]])
        dataset.delete("people", [dataset.people()[0]["id"]])
        responses_before = _ids(postgres_warehouse, "responses")

        assert materialize([analytics_api_assets], resources=resources).success
        for table in settings.RESOURCES:
            if table != "responses":
                assert _ids(postgres_warehouse, table) == api_ids(dataset, table), table
        assert _ids(postgres_warehouse, "responses") == responses_before

        assert materialize(
            [analytics_api_assets], resources=resources, run_config=FULL_REFRESH
        ).success
    for table in settings.RESOURCES:
        assert _ids(postgres_warehouse, table) == api_ids(dataset, table), table
    assert _orphans(postgres_warehouse) == dict.fromkeys(NESTED, 0)


@pytest.mark.parametrize("mode", ["delete", "flag"])
def test_analytics_after_deletions_match_the_hand_computation_on_postgres(
    postgres_dsn: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    make_resources: MakeResources,
) -> None:
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_dsn)
    warehouse = WarehouseResource(
        destination="postgres", pipelines_dir=str(tmp_path / "dlt_pg"), deletions=mode
    )
    dataset = hand_built_dataset()
    dataset.edit_response("r2", tags=[{"id": "t1", "name": "spam", "workspaceId": "W1"}])
    everything = [analytics_api_assets, analytics_marts]
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        resources = make_resources(base_url=server.base_url, warehouse=warehouse)
        assert materialize(everything, resources=resources).success
        delete_some(dataset)
        assert materialize(everything, resources=resources).success
        assert materialize(everything, resources=resources, run_config=FULL_REFRESH).success
    for table, expected in AFTER_DELETIONS.items():
        rows = _rows(warehouse, AFTER_DELETIONS_SQL[table])
        assert _plain(rows) == _plain(expected), table


def _plain(rows: list[tuple]) -> list[tuple]:
    def value(item: Any) -> Any:
        if isinstance(item, Decimal):
            item = float(item)
        return round(item, 9) if isinstance(item, float) else item

    return [tuple(value(item) for item in row) for row in rows]
