"""A run killed mid-load (SIGKILL, no cleanup) leaves no duplicates or half-written tables.

Each test runs the project as a user does, `dagster asset materialize` in its own process group
against the sample API, kills the whole group with SIGKILL at a chosen point (mid-extract, at the
start of dlt's load step, in the middle of the load), and then runs again with the same
environment, DuckDB file and dlt working folder. The rerun must succeed, and afterwards every
table of the `analytics` schema must hold exactly what the API serves: the same ids (each once),
the same `updatedAt`, child tables (`responses__tags`, `surveys__questions__choices`, ...) with
exactly the API's nested records and no orphans, and every table, column for column, the same
as a clean single load of the same API (which covers tables the project derives, such as
`responses__answers`).

The kill points:

- mid-extract: the sample API holds the second page of responses (a `queue_fault` with a long
  `delay`, matching that page's `skip`) and the kill lands once the request log shows it
  arrived;
- load: the kill lands as soon as dlt's progress log prints `Load analytics_api` (optionally
  after the first load job completed), with a dataset big enough that the load takes seconds;
  the test checks the load really had not finished when the process died.

Every process gets its own DAGSTER_HOME and HOME inside `tmp_path`; dlt's working folder is the
instance's (`$DAGSTER_HOME/dlt_pipelines`), so nothing is shared with other tests.

The DAGSTER_HOME of most recovery tests has no `dagster.yaml`. With the project's `dagster.yaml`
a dead run keeps its pool slot until run monitoring releases it; the last tests show that it
does, and that the project's settings keep dlt's progress in the run log.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import psutil
import pytest

from analytics_assets.component.ingestion.report import responses_cursor
from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import FIXED_NOW, TEST_API_KEY, api_rows, data_tables, query
from analytics_assets_tests.live import scrubbed_env
from analytics_assets_tests.loader import analytics_api_assets

PROJECT_DIR = Path(__file__).resolve().parents[1]
POOL = analytics_api_assets.op.pool
RESPONSES_PATH = settings.RESPONSES_PATH
MATERIALIZE = [
    sys.executable, "-m", "dagster", "asset", "materialize",
    "-m", "analytics_assets.definitions", "--select", "*",
]  # fmt: skip
LOAD_LINE = f"Load {settings.PIPELINE_NAME}"
# Longer than any scenario: the held request must still be pending when the kill lands.
HOLD_SECONDS = 30.0
RUN_TIMEOUT_SECONDS = 180


# ----------------------------------------------------------------------------- processes


def _group_members(group_id: int) -> list[str]:
    """Live (not zombie) processes of a process group."""
    members = []
    for process in psutil.process_iter(["pid", "status", "cmdline"]):
        try:
            if os.getpgid(process.pid) == group_id and process.status() != psutil.STATUS_ZOMBIE:
                members.append(f"{process.pid} {' '.join(process.info['cmdline'] or [])[:120]}")
        except (ProcessLookupError, psutil.Error):
            continue
    return members


class _LiveRun:
    """`dagster asset materialize` in a new session, its merged output read line by line."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self._new_line = threading.Condition()
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._new_line:
                self.lines.append(line)
                self._new_line.notify_all()
        with self._new_line:
            self._new_line.notify_all()

    @property
    def output(self) -> str:
        with self._new_line:
            return "".join(self.lines)

    def wait_for_line(self, text: str, timeout: float) -> None:
        """Return as soon as a line containing `text` has been printed."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._new_line:
            while True:
                if any(text in line for line in self.lines[seen:]):
                    return
                seen = len(self.lines)
                remaining = deadline - time.monotonic()
                finished = self.process.poll() is not None and not self._reader.is_alive()
                if remaining <= 0 or finished:
                    raise AssertionError(
                        f"no line with {text!r} (exit code {self.process.poll()}):\n"
                        + "".join(self.lines)[-4000:]
                    )
                self._new_line.wait(min(remaining, 0.5))

    def kill(self) -> int:
        """SIGKILL the whole process group (the CLI and its step worker); the exit code."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        returncode = self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        # The step worker (which holds DuckDB and dlt's folder) died too, not just the CLI.
        deadline = time.monotonic() + 10
        while (survivors := _group_members(self.process.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not survivors, f"still running after SIGKILL: {survivors}"
        return returncode

    def stop_if_running(self) -> None:
        if self.process.poll() is None:
            self.kill()


def _text(output: str | bytes | None) -> str:
    """Output a timed-out `subprocess.run` kept (bytes even in text mode), as text."""
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


@dataclass
class Deployment:
    """One machine's worth of state: DAGSTER_HOME, HOME, dlt's folder and the DuckDB file."""

    root: Path
    env: dict[str, str]
    runs: list[_LiveRun] = field(default_factory=list)

    @property
    def duckdb_path(self) -> Path:
        return Path(self.env["ANALYTICS_DUCKDB_PATH"])

    @property
    def pipeline_dir(self) -> Path:
        return Path(self.env["DAGSTER_HOME"]) / "dlt_pipelines" / settings.PIPELINE_NAME

    def start(self, *args: str) -> _LiveRun:
        run = _LiveRun([*MATERIALIZE, *args], self.env)
        self.runs.append(run)
        return run

    def run(self, *args: str) -> str:
        """A complete run that must succeed; its output."""
        try:
            completed = subprocess.run(
                [*MATERIALIZE, *args],
                cwd=PROJECT_DIR,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_SECONDS,
                start_new_session=True,
            )
        except subprocess.TimeoutExpired as timeout:
            output = _text(timeout.stdout) + _text(timeout.stderr)
            raise AssertionError(
                f"the run did not finish in {RUN_TIMEOUT_SECONDS} s; its output ends:\n"
                + output[-6000:]
            ) from None
        assert completed.returncode == 0, (completed.stdout + completed.stderr)[-6000:]
        return completed.stdout + completed.stderr

    def completed_loads(self) -> int:
        """Loads dlt finished in the warehouse (0 before the schema exists)."""
        if not self.duckdb_path.exists():
            return 0
        tables = query(
            self.duckdb_path,
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = ? AND table_name = '_dlt_loads'",
            settings.DATASET_NAME,
        )
        if tables == [(0,)]:
            return 0
        return query(
            self.duckdb_path,
            f"SELECT count(*) FROM {settings.DATASET_NAME}._dlt_loads WHERE status = 0",
        )[0][0]

    def local_cursor(self) -> str | None:
        """The responses cursor in dlt's local state file (None before the first extract)."""
        path = self.pipeline_dir / "state.json"
        if not path.exists():
            return None
        return responses_cursor(json.loads(path.read_text()))

    def pending_packages(self) -> list[Path]:
        """dlt load packages normalized but not (completely) loaded."""
        return sorted(
            path for path in (self.pipeline_dir / "load" / "normalized").glob("*") if path.is_dir()
        )


def _environment(root: Path, base_url: str) -> dict[str, str]:
    (root / "dagster_home").mkdir(parents=True)
    return scrubbed_env(
        ANALYTICS_API_BASE_URL=base_url,
        ANALYTICS_API_KEY=TEST_API_KEY,
        ANALYTICS_DUCKDB_PATH=str(root / "warehouse.duckdb"),
        DAGSTER_HOME=str(root / "dagster_home"),
        HOME=str(root),
        PYTHONUNBUFFERED="1",
        # These count the main load's dlt loads; the change feed's own load (its mark) would be
        # one more per run (`test_change_feed.py` covers the feed).
        ANALYTICS_API_CHANGE_FEED="off",
    )


@pytest.fixture
def deployment(sample_api: SampleApiServer, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(root=tmp_path, env=_environment(tmp_path, sample_api.base_url))
    yield deployment
    for run in deployment.runs:
        run.stop_if_running()


def _hold_responses_page(server: SampleApiServer, skip: int) -> Callable[[], bool]:
    """Hold the next request for the responses page at `skip` for HOLD_SECONDS.

    Only that request: the rerun is served normally.

    Returns:
        A check that the held request is in the server's request log.
    """
    server.queue_fault(RESPONSES_PATH, 503, delay=HOLD_SECONDS, query={"skip": str(skip)})

    def arrived() -> bool:
        return any(
            record.path.endswith(RESPONSES_PATH)
            and record.query.get("skip") == str(skip)
            and record.status == 503
            for record in server.requests
        )

    return arrived


def _wait_until(predicate: Callable[[], bool], timeout: float, what: str, run: _LiveRun) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline or run.process.poll() is not None:
            raise AssertionError(
                f"timed out waiting for {what} (exit code {run.process.poll()}):\n"
                + run.output[-4000:]
            )
        time.sleep(0.02)


# ----------------------------------------------------------------------------- the warehouse


def _utc_ms(column: str) -> str:
    return f"strftime({column} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ')"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _nested_keys_from_api(rows: list[dict], fields: list[str]) -> list[tuple] | None:
    """Keys of the records nested at `fields`: (root id, list indexes..., id).

    None when the API's records have no such list (a table the project derives itself, such as
    `responses__answers`).
    """
    keys: list[tuple] = []
    found = False

    def walk(record: dict, prefix: tuple, remaining: list[str]) -> None:
        nonlocal found
        items = record.get(remaining[0])
        if not isinstance(items, list):
            return
        found = True
        for index, item in enumerate(items):
            if len(remaining) == 1:
                keys.append((*prefix, index, item.get("id")))
            elif isinstance(item, dict):
                walk(item, (*prefix, index), remaining[1:])

    for row in rows:
        walk(row, (row["id"],), fields)
    return sorted(keys) if found else None


def _nested_keys_from_table(duckdb_path: Path, table: str) -> list[tuple]:
    """The same keys, rebuilt from the `_dlt_parent_id` chain up to the root table's `id`.

    Fails on orphans (a `_dlt_parent_id` not in the parent table) and on duplicates.
    """
    schema = settings.DATASET_NAME
    parts = table.split("__")
    levels = ["__".join(parts[: depth + 1]) for depth in range(len(parts))]
    keys = {
        dlt_id: (row_id,)
        for dlt_id, row_id in query(duckdb_path, f"SELECT _dlt_id, id FROM {schema}.{levels[0]}")
    }
    for depth, level in enumerate(levels[1:], start=1):
        leaf = depth == len(levels) - 1
        columns = _columns(duckdb_path, level)
        own_id = "id" if "id" in columns else "NULL"
        rows = query(
            duckdb_path,
            f"SELECT _dlt_id, _dlt_parent_id, _dlt_list_idx, {own_id} FROM {schema}.{level}",
        )
        orphans = [row for row in rows if row[1] not in keys]
        assert not orphans, f"{level}: {len(orphans)} rows whose parent is not in the parent table"
        keys = {
            dlt_id: (*keys[parent], index, *((row_id,) if leaf else ()))
            for dlt_id, parent, index, row_id in rows
        }
        assert len(keys) == len(rows), f"{level}: duplicate _dlt_id"
    values = sorted(keys.values(), key=repr)
    positions = [key[:-1] for key in values]
    assert len(positions) == len(set(positions)), f"{table}: a nested record is there twice"
    return sorted(values, key=repr)


def _columns(duckdb_path: Path, table: str) -> list[str]:
    return [
        name
        for (name,) in query(
            duckdb_path,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            settings.DATASET_NAME,
            table,
        )
    ]


_BOOKKEEPING = {"_dlt_load_id", "_dlt_id", "_dlt_parent_id", "_dlt_root_id"}


def _content(duckdb_path: Path, table: str, columns: list[str]) -> list[tuple]:
    """A table's rows without dlt's per-load ids; nested rows carry their root record's id."""
    schema = settings.DATASET_NAME
    selected = ", ".join(f't."{name}"' for name in columns)
    if "__" in table:
        root = table.split("__")[0]
        sql = (
            f"SELECT r.id, {selected} FROM {schema}.{table} t "
            f"JOIN {schema}.{root} r ON t._dlt_root_id = r._dlt_id"
        )
    else:
        sql = f"SELECT {selected} FROM {schema}.{table} t"
    return sorted(query(duckdb_path, sql), key=repr)


def _load_once(dataset: SampleDataset, root: Path) -> Path:
    """The dataset loaded once, cleanly, into a fresh DuckDB file (in process)."""
    from dagster import materialize
    from dagster_dlt import DagsterDltResource

    from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
    from analytics_assets_tests.loader import analytics_api_assets

    path = root / "reference.duckdb"
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        result = materialize(
            [analytics_api_assets],
            resources={
                "dlt": DagsterDltResource(),
                "analytics_api": AnalyticsApiResource(
                    base_url=server.base_url,
                    api_key=TEST_API_KEY,
                    page_size=1000,
                    requests_per_minute=0,
                ),
                "warehouse": WarehouseResource(
                    duckdb_path=str(path), pipelines_dir=str(root / "dlt_pipelines")
                ),
            },
        )
    assert result.success
    return path


@pytest.fixture(scope="module")
def reference_load(tmp_path_factory: pytest.TempPathFactory) -> Callable[[SampleDataset], Path]:
    """A clean single load of what the API serves now, shared by tests whose API is the same."""
    loaded: dict[str, Path] = {}

    def load(dataset: SampleDataset) -> Path:
        bodies = [
            json.dumps(api_rows(dataset, table)).encode()
            for table in settings.RESOURCES
            if table != settings.PAGED_RESOURCE
        ]
        fingerprint = hashlib.sha256(b"".join([*bodies, dataset.responses_body()])).hexdigest()
        if fingerprint not in loaded:
            loaded[fingerprint] = _load_once(dataset, tmp_path_factory.mktemp("reference"))
        return loaded[fingerprint]

    return load


def assert_warehouse_matches_api(
    duckdb_path: Path, dataset: SampleDataset, reference_path: Path
) -> None:
    """Every table of the analytics schema holds exactly the API's records, each once.

    Root tables are compared with the API (ids, each once, and `updatedAt`); nested tables with
    the API's nested lists where the API has them; and every table, column for column, with a
    clean single load of the same API (`reference_path`), which covers the tables the project
    derives (`responses__answers`, ...).
    """
    schema = settings.DATASET_NAME
    tables = data_tables(duckdb_path)
    roots = set(settings.RESOURCES)
    assert roots <= tables, f"missing tables: {sorted(roots - tables)}"
    children = tables - roots
    assert all(child.split("__")[0] in roots for child in children), sorted(children)
    assert {"responses__tags", "surveys__questions"} <= children

    for table in sorted(roots):
        served = api_rows(dataset, table)
        expected = sorted((row["id"], row["updatedAt"]) for row in served)
        actual = sorted(
            query(duckdb_path, f"SELECT id, {_utc_ms('updated_at')} FROM {schema}.{table}")
        )
        assert len(actual) == len({row_id for row_id, _ in actual}), f"{table}: duplicate ids"
        assert actual == expected, f"{table}: rows differ from the API"

    for child in sorted(children):
        root, *fields = child.split("__")
        actual_keys = _nested_keys_from_table(duckdb_path, child)
        served = api_rows(dataset, root)
        expected_keys = _nested_keys_from_api(served, [_camel(name) for name in fields])
        if expected_keys is not None:
            assert actual_keys == sorted(expected_keys, key=repr), f"{child} differs from the API"

    reference_tables = data_tables(reference_path)
    assert tables == reference_tables
    for table in sorted(tables):
        columns = [c for c in _columns(reference_path, table) if c not in _BOOKKEEPING]
        assert set(columns) <= set(_columns(duckdb_path, table)), table
        assert _content(duckdb_path, table, columns) == _content(reference_path, table, columns), (
            f"{table} differs from a clean load of the same API"
        )

    # Every load in the main dataset finished: none is left half-done by the dead run.
    unfinished = query(
        duckdb_path, f"SELECT load_id, status FROM {schema}._dlt_loads WHERE status <> 0"
    )
    assert unfinished == []


# ----------------------------------------------------------------------------- scenarios


def test_kill_mid_extract_of_the_first_run_then_rerun_loads_exactly(
    deployment: Deployment,
    reference_load: Callable[[SampleDataset], Path],
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
) -> None:
    held_page_arrived = _hold_responses_page(sample_api, skip=settings.DEFAULT_PAGE_SIZE)
    run = deployment.start()
    _wait_until(held_page_arrived, 90, "the held second page of responses", run)

    assert run.kill() == -signal.SIGKILL
    assert "RUN_SUCCESS" not in run.output
    assert deployment.completed_loads() == 0
    assert not deployment.pending_packages()  # nothing was extracted to completion

    deployment.run()

    assert deployment.completed_loads() == 1
    assert_warehouse_matches_api(
        deployment.duckdb_path, sample_dataset, reference_load(sample_dataset)
    )


@pytest.fixture
def big_dataset() -> SampleDataset:
    """Big enough that dlt's load step takes seconds, so a kill lands inside it."""
    return SampleDataset.generate(seed=11, responses=4000, now=FIXED_NOW)


@pytest.mark.parametrize("kill_point", ["load_start", "mid_load"])
def test_kill_during_load_then_rerun_loads_exactly(
    big_dataset: SampleDataset,
    tmp_path: Path,
    kill_point: str,
    reference_load: Callable[[SampleDataset], Path],
) -> None:
    with SampleApiServer(dataset=big_dataset, api_key=TEST_API_KEY) as server:
        deployment = Deployment(root=tmp_path, env=_environment(tmp_path, server.base_url))
        # Pages of 1000 keep the two runs well inside the client's request budget (100/min).
        config = json.dumps(
            {
                "resources": {
                    "analytics_api": {
                        "config": {
                            "base_url": {"env": settings.ENV_API_BASE_URL},
                            "api_key": {"env": settings.ENV_API_KEY},
                            "page_size": 1000,
                        }
                    }
                }
            }
        )
        run = deployment.start("--config-json", config)
        try:
            run.wait_for_line(LOAD_LINE, timeout=120)
            if kill_point == "mid_load":
                # Some load jobs done (rows in the staging tables or merged), the rest not.
                _wait_until(
                    lambda: any(
                        any((package / "completed_jobs").glob("*"))
                        for package in deployment.pending_packages()
                    ),
                    60,
                    "the first completed load job",
                    run,
                )
            returncode = run.kill()
        finally:
            run.stop_if_running()

        # The kill landed inside the load: the run died, no load finished, the package waits.
        assert returncode == -signal.SIGKILL, run.output[-4000:]
        assert "RUN_SUCCESS" not in run.output
        assert deployment.completed_loads() == 0
        [package] = deployment.pending_packages()
        if kill_point == "mid_load":
            assert list((package / "completed_jobs").glob("*"))
            assert list((package / "new_jobs").glob("*")) or list(
                (package / "started_jobs").glob("*")
            ), "every job had completed: the kill landed too late to test anything"

        deployment.run("--config-json", config)

    assert deployment.completed_loads() >= 1
    assert not deployment.pending_packages()
    assert_warehouse_matches_api(deployment.duckdb_path, big_dataset, reference_load(big_dataset))


def _add_and_edit_across_the_lookback(dataset: SampleDataset) -> tuple[list[str], list[str]]:
    """New responses spread over more than the lookback, and edits to already loaded ones.

    If a killed run's cursor were kept while its rows were lost, the next run would start
    from that cursor minus the lookback and never read the first batch or the edits again.
    """
    lookback = timedelta(hours=settings.DEFAULT_RESPONSES_LOOKBACK_HOURS)
    loaded = dataset.rows("responses")
    newest = FIXED_NOW
    edited = [row["id"] for row in loaded[:5]]
    for response_id in edited:
        dataset.edit_response(response_id, finished=True, tags=[])
    first = dataset.add_responses(120, at=newest + timedelta(hours=1))
    second = dataset.add_responses(120, at=newest + timedelta(hours=2) + lookback)
    return first + second, edited


@pytest.mark.parametrize("kill_point", ["extract", "load"])
def test_kill_of_an_incremental_run_then_rerun_lands_new_and_edited_responses(
    deployment: Deployment,
    reference_load: Callable[[SampleDataset], Path],
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    kill_point: str,
) -> None:
    deployment.run()
    assert deployment.completed_loads() == 1
    loaded_cursor = deployment.local_cursor()
    assert loaded_cursor == sample_dataset.rows("responses")[0]["createdAt"]

    new_ids, edited = _add_and_edit_across_the_lookback(sample_dataset)
    if kill_point == "extract":
        # Page 1 (the newest 100) is read, page 2 is held: the run dies mid-extract.
        arrived = _hold_responses_page(sample_api, skip=settings.DEFAULT_PAGE_SIZE)
        run = deployment.start()
        _wait_until(arrived, 90, "the held second page of responses", run)
    else:
        run = deployment.start()
        run.wait_for_line(LOAD_LINE, timeout=120)
    returncode = run.kill()

    assert returncode == -signal.SIGKILL, run.output[-4000:]
    assert deployment.completed_loads() == 1  # the killed run finished no load
    loaded = set(query(deployment.duckdb_path, "SELECT id FROM analytics.responses"))
    assert not {(response_id,) for response_id in new_ids} & loaded
    if kill_point == "extract":
        # Nothing of the killed run was kept: no package, the cursor where the last load left it.
        assert not deployment.pending_packages()
        assert deployment.local_cursor() == loaded_cursor
    else:
        # The hard case: dlt's local state already holds the new cursor (more than the lookback
        # past the first new batch and the edits), and the rows only exist in a pending package.
        assert deployment.pending_packages()
        assert deployment.local_cursor() == sample_dataset.rows("responses")[0]["createdAt"]

    deployment.run()

    assert deployment.completed_loads() >= 2
    assert not deployment.pending_packages()
    assert_warehouse_matches_api(
        deployment.duckdb_path, sample_dataset, reference_load(sample_dataset)
    )
    responses = dict(query(deployment.duckdb_path, "SELECT id, finished FROM analytics.responses"))
    assert all(responses[response_id] is True for response_id in edited)
    assert set(new_ids) <= set(responses)


def test_the_daemon_fails_a_dead_run_and_frees_its_pool_slot_under_the_projects_settings(
    deployment: Deployment,
    reference_load: Callable[[SampleDataset], Path],
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
) -> None:
    """A SIGKILLed run keeps its pool slot until the daemon's run monitoring releases it.

    `dagster-daemon run` with the project's `dagster.yaml` (its times shortened so the test
    takes seconds, not two hours) fails the dead run once it passes `max_runtime_seconds` and
    frees its slot `free_slots_after_run_end_seconds` later; the next run then gets the slot.
    """
    import yaml
    from dagster import DagsterInstance, DagsterRunStatus

    settings_file = yaml.safe_load((PROJECT_DIR / "dagster.yaml").read_text())
    assert settings_file["concurrency"]["pools"]["default_limit"] == 1
    monitoring = settings_file["run_monitoring"]
    assert monitoring["enabled"] is True
    assert 0 < monitoring["max_runtime_seconds"] <= 6 * 3600
    assert monitoring["free_slots_after_run_end_seconds"] > 0
    monitoring.update(max_runtime_seconds=1, free_slots_after_run_end_seconds=1)
    monitoring["poll_interval_seconds"] = 1
    dagster_home = Path(deployment.env["DAGSTER_HOME"])
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(settings_file))

    arrived = _hold_responses_page(sample_api, skip=settings.DEFAULT_PAGE_SIZE)
    run = deployment.start()
    _wait_until(arrived, 90, "the held second page of responses", run)
    assert run.kill() == -signal.SIGKILL

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        (dead,) = instance.get_runs()
        assert not dead.is_finished
        held = instance.event_log_storage.get_concurrency_info(POOL)
        # The dead run holds the slot twice over: its claim, and its step's assignment.
        assert {slot.run_id for slot in held.claimed_slots} == {dead.run_id}
        assert {step.run_id for step in held.pending_steps} == {dead.run_id}

        # The console script the `dagster` package installs beside this interpreter.
        daemon_command = [str(Path(sys.executable).with_name("dagster-daemon")), "run"]
        daemon = _LiveRun([*daemon_command, "-m", "analytics_assets.definitions"], deployment.env)
        deployment.runs.append(daemon)

        def released() -> bool:
            # Dagster frees a run's claimed slots, then removes its pending step, which holds
            # the slot's assignment: both must be gone before the daemon is stopped, or a rerun
            # waits for ever behind the dead run's assignment.
            run_now = instance.get_run_by_id(dead.run_id)
            pool = instance.event_log_storage.get_concurrency_info(POOL)
            return (
                run_now is not None
                and run_now.status == DagsterRunStatus.FAILURE
                and not pool.claimed_slots
                and not pool.pending_steps
            )

        _wait_until(released, 180, "run monitoring to fail the dead run and free its slot", daemon)
        daemon.kill()
        failure = instance.get_run_by_id(dead.run_id)
        assert failure is not None and failure.status == DagsterRunStatus.FAILURE
        # The daemon launched nothing that could hold the slot the rerun needs.
        assert [run.run_id for run in instance.get_runs()] == [dead.run_id]
        pool = instance.event_log_storage.get_concurrency_info(POOL)
        assert not pool.claimed_slots and not pool.pending_steps

    deployment.run()

    assert_warehouse_matches_api(
        deployment.duckdb_path, sample_dataset, reference_load(sample_dataset)
    )


def test_with_the_projects_instance_settings_dlt_progress_reaches_the_run_log(
    resources: dict, tmp_path: Path
) -> None:
    from dagster import DagsterInstance, materialize

    dagster_home = tmp_path / "dagster_home_with_project_settings"
    dagster_home.mkdir()
    shutil.copy(PROJECT_DIR / "dagster.yaml", dagster_home / "dagster.yaml")
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        result = materialize([analytics_api_assets], resources=resources, instance=instance)
        assert result.success
        messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert any(LOAD_LINE in message for message in messages)
