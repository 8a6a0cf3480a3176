"""Two projects on one machine: two loads that share nothing but the machine run at once.

Each has its own Dagster instance (DAGSTER_HOME), DuckDB file and API; they share the user's
HOME, so dlt's machine-wide default folder (`~/.dlt/pipelines`) and its lock would be one for
both. dlt's working folder and the load's lock belong to the instance instead: both loads hold
their locks at the same time, and neither waits for the other.

Each run's first request for responses is held at its API. Both are held at once (with one
lock for the machine, the second could not get that far while the first holds it); then the
second is let go and must finish while the first is still held, before the first is let go.
"""

import shutil
import subprocess
import sys
from pathlib import Path
from typing import IO

from analytics_assets.component.resources.warehouse import INSTANCE_PIPELINES_FOLDER
from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import (
    FIXED_NOW,
    TEST_API_KEY,
    api_rows,
    query,
    table_ids,
)
from analytics_assets_tests.live import scrubbed_env, wait_for

PROJECT_DIR = Path(__file__).resolve().parents[1]
# Longest hold of one request. The first run's responses are held up to three times (its
# retries of the 503 are held again), so it stays held however long the second run takes.
# Below the client's request timeout, so a held request is answered, not timed out.
HOLD_SECONDS = 50.0
FIRST_RUN_HOLDS = 3  # one fewer than the client's attempts, so the next attempt succeeds
COMMAND = [
    sys.executable, "-m", "dagster", "job", "execute",
    "-m", "analytics_assets.definitions", "-j", "analytics_api_sync",
]  # fmt: skip


def _responses_requests(server: SampleApiServer) -> list[int]:
    """The statuses the server answered requests for responses with, in order."""
    return [r.status for r in server.requests if r.path.endswith(settings.RESPONSES_PATH)]


def _is_held(server: SampleApiServer) -> bool:
    """The run has asked for responses and has been answered nothing but held 503s."""
    statuses = _responses_requests(server)
    return bool(statuses) and all(status == 503 for status in statuses)


class Project:
    """One project's instance, DuckDB file and API, in its own folder under `tmp_path`."""

    def __init__(self, name: str, server: SampleApiServer, tmp_path: Path, home: Path) -> None:
        self.server = server
        self.root = tmp_path / name
        self.dagster_home = self.root / "dagster_home"
        self.dagster_home.mkdir(parents=True)
        shutil.copy(PROJECT_DIR / "dagster.yaml", self.dagster_home / "dagster.yaml")
        self.duckdb_path = self.root / "warehouse.duckdb"
        self.log_path = self.root / "run.log"
        self.env = scrubbed_env(
            ANALYTICS_API_BASE_URL=server.base_url,
            ANALYTICS_API_KEY=TEST_API_KEY,
            ANALYTICS_DUCKDB_PATH=str(self.duckdb_path),
            DAGSTER_HOME=str(self.dagster_home),
            HOME=str(home),  # one HOME for both, as on one machine
        )
        self.process: subprocess.Popen | None = None
        self._log: IO[str] | None = None

    def migrate(self) -> subprocess.Popen:
        # A new instance's storage is created once, as a deployment does before its services.
        return subprocess.Popen(
            [sys.executable, "-m", "dagster", "instance", "migrate"],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip

    def start(self) -> None:
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            COMMAND, cwd=PROJECT_DIR, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def poll(self) -> int | None:
        assert self.process is not None
        return self.process.poll()

    def log(self) -> str:
        return self.log_path.read_text()[-4000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self._log is not None:
            self._log.close()


def test_two_projects_on_one_machine_load_at_once_without_waiting_for_each_other(
    sample_api: SampleApiServer, sample_dataset: SampleDataset, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    other_dataset = SampleDataset.generate(seed=8, responses=1234, now=FIXED_NOW)
    with SampleApiServer(dataset=other_dataset, api_key=TEST_API_KEY) as other_api:
        first = Project("first", sample_api, tmp_path, home)
        second = Project("second", other_api, tmp_path, home)
        migrations = [first.migrate(), second.migrate()]
        for migration in migrations:
            output, _ = migration.communicate(timeout=120)
            assert migration.returncode == 0, output
        sample_api.queue_fault(
            settings.RESPONSES_PATH, 503, delay=HOLD_SECONDS, times=FIRST_RUN_HOLDS
        )
        other_api.queue_fault(settings.RESPONSES_PATH, 503, delay=HOLD_SECONDS)

        projects = (first, second)
        for project in projects:
            project.start()
        try:

            def both_held() -> bool:
                for project in projects:
                    if project.poll() is not None:
                        raise AssertionError(f"a run ended before both were held:\n{project.log()}")
                return _is_held(sample_api) and _is_held(other_api)

            # Each holds its load's locks now (they are taken before the first request).
            wait_for(both_held, 240, "both runs held at their APIs", fatal=(AssertionError,))
            other_api.release_delayed()

            def second_done() -> bool:
                if first.poll() is not None:
                    raise AssertionError(f"the first run ended while held:\n{first.log()}")
                code = second.poll()
                if code not in (None, 0):
                    raise AssertionError(f"the second run failed:\n{second.log()}")
                return code == 0

            wait_for(
                second_done, 2 * HOLD_SECONDS, "the second run to finish", fatal=(AssertionError,)
            )
            # The first run was held the whole time: it has been answered nothing but 503s.
            assert _is_held(sample_api), _responses_requests(sample_api)
            sample_api.clear_faults()
            sample_api.release_delayed()
            assert first.process is not None
            assert first.process.wait(timeout=600) == 0, first.log()
        finally:
            for project in projects:
                project.stop()

        for project, dataset in ((first, sample_dataset), (second, other_dataset)):
            for table in settings.RESOURCES:
                expected = sorted(r["id"] for r in api_rows(dataset, table))
                assert table_ids(project.duckdb_path, table) == expected, (project.root, table)
            assert query(
                project.duckdb_path, "SELECT count(*) FROM analytics._dlt_loads WHERE status = 0"
            ) == [(2,)]  # the load, and the change feed's first mark
            # dlt's working folder and lock are the instance's.
            folder = project.dagster_home / INSTANCE_PIPELINES_FOLDER
            assert (folder / settings.PIPELINE_NAME / "state.json").is_file(), project.root
            assert (folder / f".{settings.PIPELINE_NAME}.lock").exists(), project.root
    # Nothing went to the machine's folder (dlt's default, ~/.dlt/pipelines).
    assert not (home / ".dlt").exists(), sorted(map(str, (home / ".dlt").rglob("*")))
