"""Two sync runs launched at once on one Dagster instance: the pool runs their loads in turn.

The warehouse writer also takes file locks of its own (dlt's working folder, DuckDB), which
would keep two loads apart even without the pool, but only inside steps already running. So
the test checks the pool itself: the first run's request for responses is held at the sample
API until the other run's ingestion step reports it is blocked by the pool's limit, and that
step starts only after the first run's ingestion step ended.
"""

import subprocess
import sys
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, EventLogEntry

from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import TEST_API_KEY, api_rows, query, table_ids
from analytics_assets_tests.live import migrate_instance, new_dagster_home, scrubbed_env, wait_for
from analytics_assets_tests.loader import NAMES, analytics_api_assets

PROJECT_DIR = Path(__file__).resolve().parents[1]
INGESTION_STEP = analytics_api_assets.op.name
BLOCKED = f"blocked by limit for pool {NAMES.pool}"
# Longest hold of the first run's request; it is released as soon as the second run is blocked.
# Below the client's request timeout, so the held request is answered, not timed out.
HOLD_SECONDS = 50.0


def _ingestion_events(instance: DagsterInstance, run_id: str) -> list[EventLogEntry]:
    return [entry for entry in instance.all_logs(run_id) if entry.step_key == INGESTION_STEP]


def _is_blocked(entry: EventLogEntry) -> bool:
    return entry.is_dagster_event and BLOCKED in (entry.message or "")


def _time_of(entries: list[EventLogEntry], event_type: DagsterEventType) -> float:
    (entry,) = [e for e in entries if e.dagster_event_type == event_type]
    return entry.timestamp


def test_two_sync_runs_at_once_both_succeed_one_load_after_the_other(
    sample_api: SampleApiServer, sample_dataset: SampleDataset, tmp_path: Path
) -> None:
    dagster_home = new_dagster_home(tmp_path / "dagster_home")
    duckdb_path = tmp_path / "warehouse.duckdb"
    env = scrubbed_env(
        ANALYTICS_API_BASE_URL=sample_api.base_url,
        ANALYTICS_API_KEY=TEST_API_KEY,
        ANALYTICS_DUCKDB_PATH=str(duckdb_path),
        DAGSTER_HOME=str(dagster_home),
        HOME=str(tmp_path),  # one dlt working folder for both runs, as on one machine
    )
    migrate_instance(env)
    # Whichever run takes the pool's slot first is held at its first page of responses.
    sample_api.queue_fault(settings.RESPONSES_PATH, 503, delay=HOLD_SECONDS)

    command = [
        sys.executable, "-m", "dagster", "job", "execute",
        "-m", "analytics_assets.definitions", "-j", "analytics_api_sync",
    ]  # fmt: skip
    logs = [tmp_path / f"run-{n}.log" for n in range(2)]
    runs = [
        subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log.open("w"),
                         stderr=subprocess.STDOUT)
        for log in logs
    ]  # fmt: skip
    try:
        with DagsterInstance.from_config(str(dagster_home)) as instance:

            def held_and_blocked() -> bool:
                if any(run.poll() is not None for run in runs):
                    raise AssertionError("a run ended while the other held the pool")
                held = any(r.status == 503 for r in sample_api.requests)
                return held and any(
                    _is_blocked(entry)
                    for record in instance.get_run_records()
                    for entry in _ingestion_events(instance, record.dagster_run.run_id)
                )

            wait_for(
                held_and_blocked,
                240,
                "one run held at the API while the other is blocked by the pool",
                fatal=(AssertionError,),
            )
            sample_api.release_delayed()
            for run, log in zip(runs, logs, strict=True):
                assert run.wait(timeout=600) == 0, log.read_text()[-4000:]

            records = instance.get_run_records()
            assert [r.dagster_run.status for r in records] == [DagsterRunStatus.SUCCESS] * 2
            events = {r.dagster_run.run_id: _ingestion_events(instance, r.dagster_run.run_id)
                      for r in records}  # fmt: skip
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()

    [waited] = [run_id for run_id, entries in events.items() if any(map(_is_blocked, entries))]
    [first] = [run_id for run_id in events if run_id != waited]
    first_ended = _time_of(events[first], DagsterEventType.STEP_SUCCESS)
    assert _time_of(events[waited], DagsterEventType.STEP_START) >= first_ended
    # The held request was the first run's: answered 503 once, then retried.
    held = [r for r in sample_api.requests if r.path.endswith(settings.RESPONSES_PATH)][0]
    assert held.status == 503

    for table in settings.RESOURCES:
        expected = sorted(r["id"] for r in api_rows(sample_dataset, table))
        assert table_ids(duckdb_path, table) == expected, table
    # Each run loaded once, one after the other, and the first also stored the change feed's
    # first mark (the second, with nothing changed, had nothing to store): three dlt loads.
    assert query(duckdb_path, "SELECT count(*) FROM analytics._dlt_loads WHERE status = 0") == [
        (3,)
    ]
