"""The loader as a component in another team's `dg` project: two Formbricks in one location.

The project is written into a temporary folder outside this repository (a `dg.toml`, a package
with a `defs/` tree and one `defs.yaml` per Formbricks), as a team that installed this package
would write it. One instance reads a release-5 sample API, the other a release-2 one. Their
syncs run at the same time as two processes on one Dagster instance: the release-5 sync is held
at its first page of responses until the release-2 sync has finished, which it can only do if
nothing of the first (pool, dlt folder, DuckDB file, state) holds it back.
"""

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus, load_from_defs_folder

from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import FIXED_NOW, TEST_API_KEY, api_rows, query
from analytics_assets_tests.live import migrate_instance, new_dagster_home, scrubbed_env, wait_for

# Longest hold of the release-5 sync's first page; released once the other sync has ended.
HOLD_SECONDS = 50.0
# (key prefix, dataset, sample release) of the two instances.
INSTANCES = {
    "cloud": ("formbricks_cloud", "cloud", 5),
    "legacy": ("formbricks_legacy", "legacy", 2),
}


def _write_project(root: Path) -> Path:
    """Another team's dg project with one FormbricksLoader instance per Formbricks."""
    (root / "dg.toml").write_text(
        'directory_type = "project"\n[project]\nroot_module = "other_team"\n'
    )
    package = root / "other_team"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "definitions.py").write_text(
        textwrap.dedent(
            """\
            from pathlib import Path

            from dagster import load_from_defs_folder

            defs = load_from_defs_folder(path_within_project=Path(__file__).parent)
            """
        )
    )
    for folder, (prefix, dataset, _) in INSTANCES.items():
        (package / "defs" / folder).mkdir(parents=True)
        (package / "defs" / folder / "defs.yaml").write_text(
            textwrap.dedent(
                f"""\
                type: analytics_assets.component.FormbricksLoader
                attributes:
                  key_prefix: {prefix}
                  dataset: {dataset}
                  duckdb_path: {root / f"{dataset}_warehouse.duckdb"}
                """
            )
        )
    return package


@pytest.fixture
def other_project(tmp_path: Path) -> Iterator[Path]:
    """The project's root, importable while the test runs."""
    root = tmp_path / "other_project"
    root.mkdir()
    _write_project(root)
    sys.path.insert(0, str(root))
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.startswith("other_team")]:
            del sys.modules[name]


def test_another_project_builds_both_instances_from_its_defs_yaml(other_project: Path) -> None:
    defs = load_from_defs_folder(path_within_project=other_project)

    keys = defs.resolve_asset_graph().get_all_asset_keys()
    for prefix, _, _ in INSTANCES.values():
        assert {AssetKey([prefix, table]) for table in settings.RESOURCES} <= keys
        assert AssetKey([f"{prefix}_analytics", "survey_summary"]) in keys
        assert defs.resolve_job_def(f"{prefix}_sync").name == f"{prefix}_sync"
        assert defs.resolve_job_def(f"{prefix}_full_refresh")
        assert defs.resolve_schedule_def(f"{prefix}_sync_schedule")
        assert defs.resolve_sensor_def(f"{prefix}_new_responses_sensor")
        assert defs.resolve_sensor_def(f"{prefix}_analytics_automation_sensor")
    assert {"formbricks_cloud", "formbricks_legacy"} <= set(defs.resources or {})
    assert {"formbricks_cloud_warehouse", "formbricks_legacy_warehouse"} <= set(
        defs.resources or {}
    )
    # Each instance's steps take their own pool, so neither queues behind the other.
    pools = {
        defs.resolve_assets_def(AssetKey([prefix, "responses"])).op.pool
        for prefix, _, _ in INSTANCES.values()
    }
    assert pools == {"formbricks_cloud_warehouse", "formbricks_legacy_warehouse"}


@pytest.fixture
def servers() -> Iterator[dict[str, tuple[SampleApiServer, SampleDataset]]]:
    started = {}
    try:
        for folder, (_, _, release) in INSTANCES.items():
            dataset = SampleDataset.generate(seed=11, responses=430, now=FIXED_NOW, release=release)
            server = SampleApiServer(dataset=dataset, api_key=TEST_API_KEY).__enter__()
            started[folder] = (server, dataset)
        yield started
    finally:
        for server, _ in started.values():
            server.__exit__(None, None, None)


def test_two_instances_sync_side_by_side_into_their_own_datasets(
    other_project: Path, servers: dict, tmp_path: Path
) -> None:
    dagster_home = new_dagster_home(tmp_path / "dagster_home")
    variables = {}
    for folder, (prefix, _, _) in INSTANCES.items():
        variables[f"{prefix.upper()}_BASE_URL"] = servers[folder][0].base_url
        variables[f"{prefix.upper()}_KEY"] = TEST_API_KEY
    env = scrubbed_env(DAGSTER_HOME=str(dagster_home), HOME=str(tmp_path), **variables)
    migrate_instance(env)
    cloud_server = servers["cloud"][0]
    cloud_server.queue_fault(settings.RESPONSES_PATH, 503, delay=HOLD_SECONDS)

    runs = {}
    for folder, (prefix, _, _) in INSTANCES.items():
        command = [
            sys.executable, "-m", "dagster", "job", "execute",
            "-m", "other_team.definitions", "-j", f"{prefix}_sync",
        ]  # fmt: skip
        log = tmp_path / f"{folder}.log"
        runs[folder] = (
            subprocess.Popen(command, cwd=other_project, env=env, stdout=log.open("w"),
                             stderr=subprocess.STDOUT),
            log,
        )  # fmt: skip
    try:
        cloud, legacy = runs["cloud"][0], runs["legacy"][0]
        # The legacy sync ends while the cloud sync is still held at its first page.
        wait_for(lambda: legacy.poll() is not None, 300, "the legacy sync to end")
        assert legacy.returncode == 0, runs["legacy"][1].read_text()[-4000:]
        assert cloud.poll() is None, "the cloud sync ended before its held page was released"
        assert any(r.status == 503 for r in cloud_server.requests)
        cloud_server.release_delayed()
        assert cloud.wait(timeout=600) == 0, runs["cloud"][1].read_text()[-4000:]
    finally:
        for process, _ in runs.values():
            if process.poll() is None:
                process.kill()
                process.wait()

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        records = instance.get_run_records()
        assert sorted(r.dagster_run.job_name for r in records) == [
            "formbricks_cloud_sync",
            "formbricks_legacy_sync",
        ]
        assert {r.dagster_run.status for r in records} == {DagsterRunStatus.SUCCESS}
    for folder, (_, dataset, _) in INSTANCES.items():
        path = other_project / f"{dataset}_warehouse.duckdb"
        for table in settings.RESOURCES:
            expected = sorted(row["id"] for row in api_rows(servers[folder][1], table))
            found = sorted(row[0] for row in query(path, f"SELECT id FROM {dataset}.{table}"))
            assert found == expected, (folder, table)
        # Each pipeline keeps its state in its own dataset.
        [(loads,)] = query(path, f"SELECT count(*) FROM {dataset}._dlt_loads WHERE status = 0")
        # The load, and on a server with the change feed (release 5) the feed's first mark.
        assert loads == (2 if INSTANCES[folder][2] >= 4 else 1)
