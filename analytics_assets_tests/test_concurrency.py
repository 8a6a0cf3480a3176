"""Two sync runs launched at once on one Dagster instance both succeed: the pool serialises them."""

import shutil
import subprocess
import sys
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus

from analytics_assets import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import TEST_API_KEY, api_rows, query, table_ids
from analytics_assets_tests.live import scrubbed_env

PROJECT_DIR = Path(__file__).resolve().parents[1]


def test_two_sync_runs_at_once_both_succeed_and_tables_stay_exact(
    sample_api: SampleApiServer, sample_dataset: SampleDataset, tmp_path: Path
) -> None:
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(PROJECT_DIR / "dagster.yaml", dagster_home / "dagster.yaml")
    duckdb_path = tmp_path / "warehouse.duckdb"
    env = scrubbed_env(
        ANALYTICS_API_BASE_URL=sample_api.base_url,
        ANALYTICS_API_KEY=TEST_API_KEY,
        ANALYTICS_DUCKDB_PATH=str(duckdb_path),
        DAGSTER_HOME=str(dagster_home),
        HOME=str(tmp_path),  # one dlt working folder for both runs, as on one machine
    )
    # A new instance's storage is created once, as a deployment does before starting services.
    subprocess.run(
        [sys.executable, "-m", "dagster", "instance", "migrate"],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip

    command = [
        sys.executable, "-m", "dagster", "job", "execute",
        "-m", "analytics_assets.definitions", "-j", "analytics_api_sync",
    ]  # fmt: skip
    runs = [
        subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-4000:]

    for table in settings.RESOURCES:
        expected = sorted(r["id"] for r in api_rows(sample_dataset, table))
        assert table_ids(duckdb_path, table) == expected, table

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        records = instance.get_run_records()
        assert [r.dagster_run.status for r in records] == [DagsterRunStatus.SUCCESS] * 2
    # Each run loaded once, one after the other: two completed dlt loads.
    assert query(duckdb_path, "SELECT count(*) FROM analytics._dlt_loads WHERE status = 0") == [
        (2,)
    ]
