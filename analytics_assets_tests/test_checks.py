"""The raw-table checks: each passes on clean data and fails on its fault.

Loads run in process against the sample API into a tmp DuckDB; faults the API cannot produce
(a repeated id, a null id, a response of an unknown survey) are written into DuckDB directly
after a good load, and then only the checks run, on the same Dagster instance.
"""

import warnings
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetCheckSeverity,
    AssetSelection,
    DagsterInstance,
    ExecuteInProcessResult,
    materialize,
)
from dagster_dlt import DagsterDltResource

from analytics_assets.component.checks import (
    DELETIONS_CHECK,
    ID_CHECK,
    RAW_TABLES,
    SCHEMA_CHECK,
    SURVEY_ID_CHECK,
    build_raw_table_checks,
)
from analytics_assets.component.names import LoaderNames
from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import FIXED_NOW, TEST_API_KEY, api_rows, query
from analytics_assets_tests.loader import NAMES, analytics_api_assets
from analytics_assets_tests.loader import raw_table_checks as CHECKS

UNKNOWN_SURVEY_ID = "survey-that-was-never-loaded"
# What Dagster's column_schema_change says of an asset it has nothing to compare yet.
FEWER_THAN_TWO = "fewer than 2 times"


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
    result = materialize([analytics_api_assets, *CHECKS], resources=resources, instance=instance)
    assert result.success
    return result


def _check_only(resources: dict, instance: DagsterInstance) -> ExecuteInProcessResult:
    """Run the 19 checks alone, as the UI's "Execute checks" does."""
    result = materialize(
        [analytics_api_assets, *CHECKS],
        resources=resources,
        instance=instance,
        selection=AssetSelection.checks(*CHECKS),
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
        # The schema check compares this column schema with the next load's.
        assert "id" in columns[table]
        # A first materialization has nothing to compare with: Dagster passes it.
        schema = evaluations[(table, SCHEMA_CHECK)]
        assert schema.severity == AssetCheckSeverity.WARN
        assert FEWER_THAN_TWO in schema.description
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


def test_new_api_field_fails_the_schema_check_on_that_table_only(
    sample_dataset: SampleDataset, resources: dict, duckdb_path: Path, instance: DagsterInstance
) -> None:
    _load_and_check(resources, instance)
    sample_dataset.add_field("webhooks", "secretLength", lambda record: 12)

    evaluations = _evaluations(_load_and_check(resources, instance))

    assert _failed(evaluations) == {("webhooks", SCHEMA_CHECK)}
    drift = evaluations[("webhooks", SCHEMA_CHECK)]
    assert drift.severity == AssetCheckSeverity.WARN
    assert drift.description.splitlines()[-1] == "Added columns: secret_length"
    assert "Removed columns" not in drift.description
    assert "type changes" not in drift.description
    for table in RAW_TABLES:
        if table != "webhooks":
            unchanged = evaluations[(table, SCHEMA_CHECK)].description
            assert unchanged.startswith("No changes to column schema"), table
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
        selection=[NAMES.asset_key("webhooks")],
    )
    assert loaded.success

    evaluations = _evaluations(_check_only(resources, instance))

    assert len(evaluations) == 19
    never_loaded = [table for table in RAW_TABLES if table != "webhooks"]
    assert _failed(evaluations) == (
        {(table, ID_CHECK) for table in never_loaded} | {("responses", SURVEY_ID_CHECK)}
    )
    for table in never_loaded:
        missing = evaluations[(table, ID_CHECK)]
        assert _metadata(missing) == {"missing_table": f"analytics.{table}"}
        assert missing.description.startswith(f"Table `analytics.{table}` does not exist")
        # Dagster passes the schema check of an asset materialized fewer than two times.
        assert FEWER_THAN_TWO in evaluations[(table, SCHEMA_CHECK)].description
        # No complete read decided deletions yet, which the spec's description allows for.
        assert evaluations[(table, DELETIONS_CHECK)].description.startswith("No complete read")
    assert _metadata(evaluations[("responses", SURVEY_ID_CHECK)]) == {
        "missing_table": "analytics.responses"
    }


def test_raw_table_checks_are_one_subsettable_step_in_the_warehouse_pool() -> None:
    raw_table_checks, schema_checks = CHECKS
    assert raw_table_checks.node_def.name == "raw_table_checks"
    assert raw_table_checks.op.pool == NAMES.pool
    assert raw_table_checks.can_subset
    assert "warehouse" in raw_table_checks.required_resource_keys
    assert len(raw_table_checks.check_keys) == 13
    # SCHEMA_CHECK quotes the name Dagster gives its checks.
    assert set(schema_checks.check_keys) == {
        AssetCheckKey(NAMES.asset_key(table), SCHEMA_CHECK) for table in RAW_TABLES
    }
    # The event-log-only schema checks need no warehouse and no slot of its pool.
    assert schema_checks.required_resource_keys == {"io_manager"}
    assert schema_checks.op.pool is None
    deletions = raw_table_checks.get_spec_for_check_key(
        AssetCheckKey(NAMES.asset_key("responses"), DELETIONS_CHECK)
    )
    assert "no load has read the table completely yet" in deletions.description


def test_checks_of_another_instance_use_its_names_and_warn_of_nothing() -> None:
    names = LoaderNames.derive("acme")
    with warnings.catch_warnings():
        # Dagster's beta, preview and supersession warnings included.
        warnings.simplefilter("error")
        raw_table_checks, schema_checks = build_raw_table_checks(names)

    assert raw_table_checks.node_def.name == "acme_raw_table_checks"
    assert raw_table_checks.op.pool == "acme_warehouse"
    assert "acme_warehouse" in raw_table_checks.required_resource_keys
    assert "warehouse" not in raw_table_checks.required_resource_keys
    keys = {*raw_table_checks.check_keys, *schema_checks.check_keys}
    assert {key.asset_key for key in keys} == {names.asset_key(table) for table in RAW_TABLES}
    assert len(keys) == 19
    ids = raw_table_checks.get_spec_for_check_key(
        AssetCheckKey(names.asset_key("webhooks"), ID_CHECK)
    )
    assert ids.description.startswith("Every row of `acme.webhooks`")
    # Two instances in one code location: their schema checks are two distinct steps.
    assert schema_checks.node_def.name != CHECKS[1].node_def.name


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
