"""The two schedules: an hourly incremental sync and a weekly full refresh, both stopped at first.

Each schedule is evaluated with `dagster.build_schedule_context` (no daemon, no network): it
must ask for exactly one run of its job, and only the full-refresh job's run config turns
`full_refresh` on. How `ANALYTICS_SYNC_CRON` and `ANALYTICS_FULL_REFRESH_CRON` shape the code
location is checked by importing `analytics_assets.definitions` in fresh interpreters with a
clean environment, started in the background when this module's first test runs so they
overlap with the in-process tests.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from dagster import DefaultScheduleStatus, ScheduleDefinition, build_schedule_context

from analytics_assets.component.automation import build_schedules
from analytics_assets.component.ingestion import IngestionConfig
from analytics_assets.definitions import defs
from analytics_assets.formbricks.errors import AnalyticsConfigurationError
from analytics_assets_tests.live import DefinitionsImport
from analytics_assets_tests.loader import (
    NAMES,
    analytics_api_assets,
    analytics_api_full_refresh,
    analytics_api_sync,
)

SYNC = "analytics_api_sync_schedule"
FULL_REFRESH = "analytics_api_full_refresh_schedule"
INGESTION_OP = "analytics_api_ingestion"
# A Sunday at 03:00 UTC: a tick time of both default cron strings.
SUNDAY_3AM = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)

# Environments to import the code location in: name -> ANALYTICS_* variables set.
CRON_ENVIRONMENTS = {
    "unset": {},
    "custom": {"ANALYTICS_SYNC_CRON": "*/15 * * * *", "ANALYTICS_FULL_REFRESH_CRON": "0 4 * * 1"},
    "invalid": {"ANALYTICS_SYNC_CRON": "hourly"},
}
_PRINT_SCHEDULES = (
    "import json; from analytics_assets.definitions import defs;"
    "print(json.dumps({s.name: [s.job_name, s.cron_schedule, s.default_status.value]"
    " for s in defs.schedules}, sort_keys=True))"
)


# ----------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module", autouse=True)
def definitions_imports(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, DefinitionsImport]]:
    """One background import per `CRON_ENVIRONMENTS` entry, each in its own empty folder."""
    imports = {
        name: DefinitionsImport(
            _PRINT_SCHEDULES, str(tmp_path_factory.mktemp(f"cron-{name}")), variables
        )
        for name, variables in CRON_ENVIRONMENTS.items()
    }
    yield imports
    for started in imports.values():
        started.stop()


def _schedule(name: str) -> ScheduleDefinition:
    return defs.resolve_schedule_def(name)


# ----------------------------------------------------------------------------- registered


def test_definitions_register_exactly_the_two_schedules() -> None:
    assert sorted(schedule.name for schedule in defs.schedules) == [FULL_REFRESH, SYNC]


@pytest.mark.parametrize(
    ("name", "job_name"),
    [(SYNC, "analytics_api_sync"), (FULL_REFRESH, "analytics_api_full_refresh")],
)
def test_schedule_targets_its_job_and_starts_stopped(name: str, job_name: str) -> None:
    schedule = _schedule(name)

    assert schedule.job_name == job_name
    assert schedule.job.name == job_name
    assert schedule.default_status == DefaultScheduleStatus.STOPPED
    assert schedule.execution_timezone is None


def test_schedules_default_to_hourly_sync_and_sunday_3am_full_refresh(
    definitions_imports: dict[str, DefinitionsImport],
) -> None:
    completed = definitions_imports["unset"].result()

    assert completed.returncode == 0, completed.stderr
    crons = {name: cron for name, (_, cron, _) in json.loads(completed.stdout).items()}
    assert crons == {SYNC: "0 * * * *", FULL_REFRESH: "0 3 * * 0"}


@pytest.mark.parametrize("name", [SYNC, FULL_REFRESH])
def test_tick_requests_exactly_one_run_with_the_schedule_tag(name: str) -> None:
    schedule = _schedule(name)

    with build_schedule_context(scheduled_execution_time=SUNDAY_3AM) as context:
        result = schedule.evaluate_tick(context)

    assert result.skip_message is None
    (run_request,) = result.run_requests
    assert run_request.run_config == {}
    assert run_request.tags == {"dagster/schedule_name": name}
    # The job, not the run request, picks the assets.
    assert run_request.job_name is None
    assert run_request.asset_selection is None


def test_full_refresh_job_runs_the_ingestion_op_with_full_refresh_on() -> None:
    job = defs.resolve_job_def("analytics_api_full_refresh")
    assert analytics_api_assets.op.name == INGESTION_OP

    assert job.run_config == {"ops": {INGESTION_OP: {"config": {"full_refresh": True}}}}
    assert job.partitioned_config is None
    # The schedule's (empty) run config is what the job's config mapping turns into the run's.
    with build_schedule_context(scheduled_execution_time=SUNDAY_3AM) as context:
        (run_request,) = _schedule(FULL_REFRESH).evaluate_tick(context).run_requests
    resolved = job.config_mapping.resolve_from_unvalidated_config(run_request.run_config)
    assert resolved["ops"][INGESTION_OP] == {
        "config": {"full_refresh": True, "confirm_deletions": False}
    }


def test_sync_job_sets_no_config_so_full_refresh_stays_off() -> None:
    job = defs.resolve_job_def("analytics_api_sync")

    assert job.run_config is None
    assert job.config_mapping is None
    assert job.partitioned_config is None
    assert IngestionConfig().full_refresh is False


# ----------------------------------------------------------------------------- build_schedules


def test_build_schedules_uses_the_given_cron_strings() -> None:
    schedules = build_schedules(
        NAMES,
        analytics_api_sync,
        analytics_api_full_refresh,
        sync_cron="*/15 * * * *",
        full_refresh_cron="0 4 * * 1",
    )

    assert {s.name: (s.job_name, s.cron_schedule) for s in schedules} == {
        SYNC: ("analytics_api_sync", "*/15 * * * *"),
        FULL_REFRESH: ("analytics_api_full_refresh", "0 4 * * 1"),
    }


@pytest.mark.parametrize("cron", ["hourly", "", "61 * * * *", "0 * * *"])
def test_invalid_sync_cron_raises_naming_its_variable(cron: str) -> None:
    with pytest.raises(AnalyticsConfigurationError) as raised:
        build_schedules(
            NAMES,
            analytics_api_sync,
            analytics_api_full_refresh,
            sync_cron=cron,
            full_refresh_cron="0 3 * * 0",
        )

    assert str(raised.value) == (
        f"ANALYTICS_SYNC_CRON={cron!r} is not a cron string (e.g. '0 * * * *' for hourly)."
    )


def test_invalid_full_refresh_cron_raises_naming_its_variable() -> None:
    with pytest.raises(AnalyticsConfigurationError) as raised:
        build_schedules(
            NAMES,
            analytics_api_sync,
            analytics_api_full_refresh,
            sync_cron="0 * * * *",
            full_refresh_cron="weekly",
        )

    assert str(raised.value) == (
        "ANALYTICS_FULL_REFRESH_CRON='weekly' is not a cron string (e.g. '0 * * * *' for hourly)."
    )


# ----------------------------------------------------------------------------- environment


def test_cron_environment_variables_change_the_loaded_schedules(
    definitions_imports: dict[str, DefinitionsImport],
) -> None:
    completed = definitions_imports["custom"].result()

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {
        FULL_REFRESH: ["analytics_api_full_refresh", "0 4 * * 1", "STOPPED"],
        SYNC: ["analytics_api_sync", "*/15 * * * *", "STOPPED"],
    }


def test_invalid_cron_environment_variable_fails_the_import_naming_it(
    definitions_imports: dict[str, DefinitionsImport],
) -> None:
    completed = definitions_imports["invalid"].result()

    assert completed.returncode != 0
    assert completed.stdout == ""
    assert (
        "AnalyticsConfigurationError: ANALYTICS_SYNC_CRON='hourly' is not a cron string "
        "(e.g. '0 * * * *' for hourly)." in completed.stderr
    )
