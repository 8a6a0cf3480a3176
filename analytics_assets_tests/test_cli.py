"""The front door as a user runs it: `dagster asset materialize` and `analytics-assets demo`."""

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import TEST_API_KEY, api_rows, data_tables, table_ids
from analytics_assets_tests.live import free_port, graphql, scrubbed_env, wait_for

PROJECT_DIR = Path(__file__).resolve().parents[1]


def _cli_env(sample_api: SampleApiServer, root: Path) -> dict[str, str]:
    """A user's environment for the CLI: the sample API, a DuckDB file and a Dagster home."""
    (root / "dagster_home").mkdir()
    return scrubbed_env(
        ANALYTICS_API_BASE_URL=sample_api.base_url,
        ANALYTICS_API_KEY=TEST_API_KEY,
        ANALYTICS_DUCKDB_PATH=str(root / "warehouse.duckdb"),
        DAGSTER_HOME=str(root / "dagster_home"),
        HOME=str(root),
    )


def test_dagster_cli_materializes_every_row_exactly_once_twice(
    sample_api: SampleApiServer, sample_dataset: SampleDataset, tmp_path: Path
) -> None:
    duckdb_path = tmp_path / "warehouse.duckdb"
    env = _cli_env(sample_api, tmp_path)
    command = [
        sys.executable, "-m", "dagster", "asset", "materialize",
        "-m", "analytics_assets.definitions", "--select", "*",
    ]  # fmt: skip
    for _ in range(2):
        completed = subprocess.run(
            command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
        )
        assert completed.returncode == 0, completed.stderr[-4000:]
        for table in settings.RESOURCES:
            expected = sorted(r["id"] for r in api_rows(sample_dataset, table))
            assert table_ids(duckdb_path, table) == expected, table

    # `drop-responses` drops the responses tables (the move onto the Arrow path); the next run
    # reads every response again.
    drop = [sys.executable, "-m", "analytics_assets.cli", "drop-responses"]
    dropped = subprocess.run(drop, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert dropped.returncode == 0, dropped.stderr[-4000:]
    assert "Dropped responses, responses__answers" in dropped.stdout
    assert "responses" not in data_tables(duckdb_path)
    completed = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert table_ids(duckdb_path, "responses") == sorted(
        r["id"] for r in api_rows(sample_dataset, "responses")
    )


ASSET_NODES = "{ assetNodes { assetKey { path } groupName } }"
LAUNCH_RUN = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}"""
RUN_STATUS = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"


def test_demo_serves_the_ui_and_the_six_assets_materialize(tmp_path: Path) -> None:
    ui_port, api_port = free_port(), free_port()
    duckdb_path = tmp_path / "demo.duckdb"
    # A file, not a pipe nobody reads: dg dev's output would fill a pipe and block it.
    log = (tmp_path / "demo.log").open("wb")
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analytics_assets.cli",
            "demo",
            "--ui-port",
            str(ui_port),
            "--api-port",
            str(api_port),
            "--responses",
            "345",
            "--duckdb-path",
            str(duckdb_path),
        ],  # fmt: skip
        cwd=PROJECT_DIR,
        env=scrubbed_env(HOME=str(tmp_path)),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        nodes = wait_for(lambda: graphql(ui_port, ASSET_NODES)["assetNodes"], 180, "the Dagster UI")
        keys = {tuple(node["assetKey"]["path"]) for node in nodes}
        assert {("analytics_api", table) for table in settings.RESOURCES} <= keys

        params = {
            "selector": {
                # dg dev names the location as pyproject.toml does ([tool.dg.project]).
                "repositoryLocationName": "analytics_assets",
                "repositoryName": "__repository__",
                "jobName": "__ASSET_JOB",
                "assetSelection": [{"path": ["analytics_api", t]} for t in settings.RESOURCES],
            },
            "mode": "default",
        }
        launched = graphql(ui_port, LAUNCH_RUN, {"params": params})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        status = wait_for(
            lambda: (
                s
                if (s := graphql(ui_port, RUN_STATUS, {"id": run_id})["runOrError"]["status"])
                in ("SUCCESS", "FAILURE", "CANCELED")
                else None
            ),
            240,
            "the demo run",
        )
        assert status == "SUCCESS"
        assert len(table_ids(duckdb_path, "responses")) == 345
    finally:
        demo.send_signal(signal.SIGINT)  # as Ctrl+C would; the demo stops dagster dev itself
        try:
            demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
        log.close()


def _readme_dg_launch() -> list[str]:
    """The README's `dg launch` command, as its arguments."""
    readme = (PROJECT_DIR / "README.md").read_text()
    [line] = [line for line in readme.splitlines() if line.startswith(".venv/bin/dg launch")]
    words = shlex.split(line.split("#")[0])
    return [str(Path(sys.executable).parent / "dg"), *words[1:]]


def test_the_readmes_dg_launch_materializes_everything_without_a_warning(
    sample_api: SampleApiServer, sample_dataset: SampleDataset, tmp_path: Path
) -> None:
    duckdb_path = tmp_path / "warehouse.duckdb"
    env = _cli_env(sample_api, tmp_path)
    completed = subprocess.run(
        _readme_dg_launch(), cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    assert "Warning" not in output, [line for line in output.splitlines() if "Warning" in line]
    assert output.count("STEP_SUCCESS") == 4, output[-4000:]
    for table in settings.RESOURCES:
        expected = sorted(r["id"] for r in api_rows(sample_dataset, table))
        assert table_ids(duckdb_path, table) == expected, table
