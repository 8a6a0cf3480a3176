"""The raw-table checks and the freshness check: each passes on clean data and fails on its fault.

Loads run in process against the sample API into a tmp DuckDB; faults the API cannot produce
(a repeated id, a null id, a response of an unknown survey) are written into DuckDB directly
after a good load, and then only the checks run, on the same Dagster instance.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import time_machine
from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    AssetMaterialization,
    AssetSelection,
    DagsterInstance,
    DefaultSensorStatus,
    ExecuteInProcessResult,
    materialize,
)
from dagster_dlt import DagsterDltResource

from analytics_assets.formbricks import settings
from analytics_assets.component.ingestion import analytics_api_assets, asset_key_for
from analytics_assets.component.checks import (
    DELETIONS_CHECK,
    FRESHNESS_SENSOR_NAME,
    ID_CHECK,
    RAW_TABLES,
    SCHEMA_CHECK,
    SURVEY_ID_CHECK,
    build_freshness_checks,
    raw_table_checks,
)
from analytics_assets.formbricks.errors import AnalyticsConfigurationError
from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import FIXED_NOW, TEST_API_KEY, api_rows, query

UNKNOWN_SURVEY_ID = "survey-that-was-never-loaded"


@pytest.fixture
def sample_dataset() -> SampleDataset:
    """Fewer responses than conftest's (4 pages, not 24): the checks, not paging, are under test.

    Overrides conftest's fixture, so `sample_api` and `resources` serve this one.
    """
    return SampleDataset.generate(seed=7, responses=345, now=FIXED_NOW)


@pytest.fixture
def instance(tmp_path: Path) -> DagsterInstance:
    """One Dagster instance for every run of a test, so checks see earlier materializations.

    Its folder is under `tmp_path` rather than a temporary directory removed with the instance:
    the request budget's SQLite file lives there, and its leak thread outlives the runs.
    """
    return DagsterInstance.ephemeral(tempdir=str(tmp_path / "dagster"))


def _load_and_check(resources: dict, instance: DagsterInstance) -> ExecuteInProcessResult:
    """Materialize the six raw assets and run every check after them, in one run."""
    result = materialize(
        [analytics_api_assets, raw_table_checks], resources=resources, instance=instance
    )
    assert result.success
    return result


def _check_only(resources: dict, instance: DagsterInstance) -> ExecuteInProcessResult:
    """Run the 19 checks alone, as the UI's "Execute checks" does."""
    result = materialize(
        [analytics_api_assets, raw_table_checks],
        resources=resources,
        instance=instance,
        selection=AssetSelection.checks(raw_table_checks),
    )
    # Failed checks are findings, not step failures: none of them blocks.
    assert result.success
    assert result.get_asset_materialization_events() == []
    return result


def _evaluations(result: ExecuteInProcessResult) -> dict[tuple[str, str], AssetCheckEvaluation]:
    """Evaluations by (table, check name)."""
    return {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}


def _metadata(evaluation: AssetCheckEvaluation) -> dict:
    return {key: value.value for key, value in evaluation.metadata.items()}


def _failed(evaluations: dict[tuple[str, str], AssetCheckEvaluation]) -> set[tuple[str, str]]:
    return {key for key, evaluation in evaluations.items() if not evaluation.passed}


def _clean_ids(count: int) -> dict:
    return {"row_count": count, "null_ids": 0, "duplicate_ids": 0, "duplicate_id_examples": []}


def _run_sql(path: Path, statements: Sequence[str]) -> None:
    with duckdb.connect(str(path)) as connection:
        for statement in statements:
            connection.execute(statement)


def test_clean_load_passes_all_nineteen_checks(
    sample_dataset: SampleDataset, resources: dict, instance: DagsterInstance
) -> None:
    result = _load_and_check(resources, instance)

    evaluations = _evaluations(result)
    assert set(evaluations) == (
        {(table, ID_CHECK) for table in RAW_TABLES}
        | {(table, SCHEMA_CHECK) for table in RAW_TABLES}
        | {(table, DELETIONS_CHECK) for table in RAW_TABLES}
        | {("responses", SURVEY_ID_CHECK)}
    )
    assert _failed(evaluations) == set()
    columns = {
        event.asset_key.path[-1]: [
            column.name
            for column in event.materialization.metadata["dagster/column_schema"].schema.columns
            if not column.name.startswith("_dlt_")
        ]
        for event in result.get_asset_materialization_events()
    }
    for table in RAW_TABLES:
        ids = evaluations[(table, ID_CHECK)]
        assert ids.severity == AssetCheckSeverity.ERROR
        assert _metadata(ids) == _clean_ids(len(api_rows(sample_dataset, table)))
        schema = evaluations[(table, SCHEMA_CHECK)]
        assert schema.severity == AssetCheckSeverity.WARN
        assert _metadata(schema) == {
            "first_materialization": True,
            "column_count": len(columns[table]),
        }
        assert schema.description.startswith("First materialization")
    survey_ids = evaluations[("responses", SURVEY_ID_CHECK)]
    assert survey_ids.severity == AssetCheckSeverity.WARN
    assert _metadata(survey_ids) == {
        "orphan_responses": 0,
        "orphan_survey_ids": 0,
        "orphan_survey_id_examples": [],
    }


def test_duplicate_and_null_ids_fail_with_counts_and_examples(
    sample_dataset: SampleDataset, resources: dict, duckdb_path: Path, instance: DagsterInstance
) -> None:
    _load_and_check(resources, instance)
    webhook_id = sample_dataset.rows("webhooks")[0]["id"]
    survey_id = sample_dataset.rows("surveys")[0]["id"]
    _run_sql(
        duckdb_path,
        [
            f"INSERT INTO analytics.webhooks SELECT * FROM analytics.webhooks "
            f"WHERE id = '{webhook_id}'",
            # dlt declares the merge key NOT NULL; only a broken load or a hand edit gets past it.
            "ALTER TABLE analytics.surveys ALTER COLUMN id DROP NOT NULL",
            f"UPDATE analytics.surveys SET id = NULL WHERE id = '{survey_id}'",
        ],
    )

    evaluations = _evaluations(_check_only(resources, instance))

    duplicated = evaluations[("webhooks", ID_CHECK)]
    assert not duplicated.passed
    assert duplicated.severity == AssetCheckSeverity.ERROR
    assert _metadata(duplicated) == {
        "row_count": 5,
        "null_ids": 0,
        "duplicate_ids": 1,
        "duplicate_id_examples": [webhook_id],
    }
    nulled = evaluations[("surveys", ID_CHECK)]
    assert not nulled.passed
    assert _metadata(nulled) == {
        "row_count": 8,
        "null_ids": 1,
        "duplicate_ids": 0,
        "duplicate_id_examples": [],
    }
    id_failures = {key for key in _failed(evaluations) if key[1] == ID_CHECK}
    assert id_failures == {("webhooks", ID_CHECK), ("surveys", ID_CHECK)}


def test_response_of_an_unknown_survey_warns_with_the_orphan_id(
    sample_dataset: SampleDataset, resources: dict, duckdb_path: Path, instance: DagsterInstance
) -> None:
    _load_and_check(resources, instance)
    # The sample API refuses responses of unknown surveys, so the orphan is written directly.
    newest = sample_dataset.rows("responses")[0]["id"]
    _run_sql(
        duckdb_path,
        [f"UPDATE analytics.responses SET survey_id = '{UNKNOWN_SURVEY_ID}' WHERE id = '{newest}'"],
    )

    evaluations = _evaluations(_check_only(resources, instance))

    survey_ids = evaluations[("responses", SURVEY_ID_CHECK)]
    assert not survey_ids.passed
    assert survey_ids.severity == AssetCheckSeverity.WARN
    assert _metadata(survey_ids) == {
        "orphan_responses": 1,
        "orphan_survey_ids": 1,
        "orphan_survey_id_examples": [UNKNOWN_SURVEY_ID],
    }
    assert _failed(evaluations) == {("responses", SURVEY_ID_CHECK)}


def test_new_api_field_fails_schema_unchanged_on_that_table_only(
    sample_dataset: SampleDataset, resources: dict, duckdb_path: Path, instance: DagsterInstance
) -> None:
    _load_and_check(resources, instance)
    sample_dataset.add_field("webhooks", "secretLength", lambda record: 12)

    evaluations = _evaluations(_load_and_check(resources, instance))

    assert _failed(evaluations) == {("webhooks", SCHEMA_CHECK)}
    drift = evaluations[("webhooks", SCHEMA_CHECK)]
    assert drift.severity == AssetCheckSeverity.WARN
    metadata = _metadata(drift)
    assert metadata["added_columns"] == ["secret_length"]
    assert metadata["removed_columns"] == []
    assert metadata["first_materialization"] is False
    assert "secret_length" in drift.description
    for table in RAW_TABLES:
        if table != "webhooks":
            unchanged = _metadata(evaluations[(table, SCHEMA_CHECK)])
            assert unchanged["added_columns"] == unchanged["removed_columns"] == []
            assert unchanged["first_materialization"] is False
    assert query(
        duckdb_path,
        "SELECT DISTINCT secret_length FROM analytics.webhooks",
    ) == [(12,)]


def test_checks_of_tables_never_loaded_fail_and_say_so(
    resources: dict, instance: DagsterInstance
) -> None:
    loaded = materialize(
        [analytics_api_assets],
        resources=resources,
        instance=instance,
        selection=[asset_key_for("webhooks")],
    )
    assert loaded.success

    evaluations = _evaluations(_check_only(resources, instance))

    assert len(evaluations) == 19
    never_loaded = [table for table in RAW_TABLES if table != "webhooks"]
    assert _failed(evaluations) == (
        {(table, ID_CHECK) for table in never_loaded}
        | {(table, SCHEMA_CHECK) for table in never_loaded}
        | {("responses", SURVEY_ID_CHECK)}
    )
    for table in never_loaded:
        missing = evaluations[(table, ID_CHECK)]
        assert _metadata(missing) == {"missing_table": f"analytics.{table}"}
        assert missing.description.startswith(f"Table `analytics.{table}` does not exist")
        assert evaluations[(table, SCHEMA_CHECK)].description.startswith("Never materialized")
    assert _metadata(evaluations[("responses", SURVEY_ID_CHECK)]) == {
        "missing_table": "analytics.responses"
    }


def test_freshness_check_passes_within_the_bound_and_fails_past_it(
    instance: DagsterInstance,
) -> None:
    checks, _ = build_freshness_checks(2)
    loaded_at = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
    with time_machine.travel(loaded_at, tick=False):
        instance.report_runless_asset_event(AssetMaterialization(asset_key_for("responses")))

    def evaluate_at(moment: datetime) -> AssetCheckEvaluation:
        with time_machine.travel(moment, tick=False):
            result = materialize(
                checks, instance=instance, selection=AssetSelection.all_asset_checks()
            )
        [evaluation] = result.get_asset_check_evaluations()
        assert evaluation.asset_key == asset_key_for("responses")
        return evaluation

    fresh = evaluate_at(loaded_at + timedelta(hours=1, minutes=59))
    assert fresh.passed
    assert (
        _metadata(fresh)["dagster/fresh_until_timestamp"]
        == (loaded_at + timedelta(hours=2)).timestamp()
    )

    stale = evaluate_at(loaded_at + timedelta(hours=2, seconds=1))
    assert not stale.passed
    assert stale.severity == AssetCheckSeverity.WARN
    assert _metadata(stale)["dagster/last_updated_timestamp"] == loaded_at.timestamp()
    assert _metadata(stale)["dagster/freshness_params"] == {
        "timezone": "UTC",
        "lower_bound_delta_seconds": 7200.0,
    }


def test_freshness_sensor_starts_stopped_and_the_age_must_be_positive() -> None:
    checks, sensor = build_freshness_checks(0.5)

    assert sensor.name == FRESHNESS_SENSOR_NAME
    assert sensor.default_status == DefaultSensorStatus.STOPPED
    assert [key.asset_key for key in checks[0].check_keys] == [asset_key_for("responses")]
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(AnalyticsConfigurationError, match="ANALYTICS_FRESHNESS_HOURS"):
            build_freshness_checks(bad)


def test_raw_table_checks_are_one_subsettable_step_in_the_warehouse_pool() -> None:
    assert raw_table_checks.op.pool == settings.WAREHOUSE_POOL
    assert raw_table_checks.can_subset
    assert "warehouse" in raw_table_checks.required_resource_keys
    assert len(raw_table_checks.check_keys) == 19


def test_an_endpoint_with_no_records_passes_its_checks_and_says_so(
    tmp_path: Path, instance: DagsterInstance
) -> None:
    """An account without webhooks: the asset materializes, dlt creates no table for zero rows."""
    dataset = SampleDataset.generate(seed=7, responses=120, webhooks=0, now=FIXED_NOW)
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        resources = {
            "dlt": DagsterDltResource(),
            "analytics_api": AnalyticsApiResource(base_url=server.base_url, api_key=TEST_API_KEY),
            "warehouse": WarehouseResource(
                duckdb_path=str(tmp_path / "w.duckdb"), pipelines_dir=str(tmp_path / "dlt")
            ),
        }
        result = _load_and_check(resources, instance)

    evaluations = _evaluations(result)
    assert _failed(evaluations) == set()
    empty = evaluations[("webhooks", ID_CHECK)]
    assert _metadata(empty)["row_count"] == 0
    assert "returned no records" in empty.description


def test_a_table_gone_after_a_load_that_read_rows_fails_its_checks(
    resources: dict, instance: DagsterInstance, duckdb_path: Path
) -> None:
    """Not an empty endpoint: the warehouse changed under the asset, which the checks report."""
    _load_and_check(resources, instance)
    _run_sql(duckdb_path, ["DROP TABLE analytics.webhooks"])

    evaluations = _evaluations(_check_only(resources, instance))

    assert _failed(evaluations) == {("webhooks", ID_CHECK)}
    assert _metadata(evaluations[("webhooks", ID_CHECK)]) == {"missing_table": "analytics.webhooks"}
