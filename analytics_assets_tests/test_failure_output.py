"""A failed `dagster asset materialize` ends with its cause and what to do, without a traceback.

The five failures a person causes by a setting: a wrong key, a key without workspace access, a
base URL without `/api`, a base URL under which everything answers 404, and a generation pin
the server does not speak. Each runs the CLI as a user does, against one small sample API, all
five at once (a Dagster import takes seconds).

Dagster prints a step's error twice, with the step's failure and again with the run's, each
time as its message, its stack (Dagster's frames), then its causes. The project raises a
`dagster.Failure` with a headline whose cause is the explanation alone (`steps.expected_failure`):
so the cause and the fix are the last lines, once per event, with no frame of dlt or requests.
An unexpected error keeps its type and its traceback.
"""

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance
from dlt.sources.helpers.rest_client import RESTClient
from requests import Session

from analytics_assets.component.ingestion.steps import (
    EXPECTED_ERRORS,
    FAILURE_HEADLINE,
    expected_failure,
)
from analytics_assets.component.resources import AnalyticsApiResource
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.errors import AnalyticsConfigurationError, AnalyticsLoadError
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import (
    FIXED_NOW,
    TEST_API_KEY,
    MakeResources,
    RunIngestion,
    step_errors,
)
from analytics_assets_tests.live import scrubbed_env

PROJECT_DIR = Path(__file__).resolve().parents[1]
KEY_WITHOUT_WORKSPACE = "key-without-workspace-7c1d"
TAIL_LINES = 12
LAST_LINE = "Error: Materialization failed."
# Frames a traceback of the failure may show: Dagster's own and the asset's body, never those of
# dlt, requests, tenacity or urllib3 under the explanation.
ALLOWED_FRAMES = ("site-packages/dagster/", "analytics_assets/component/ingestion/")


@dataclass(frozen=True)
class Case:
    """One expected failure: how to cause it, and what its explanation must say.

    Attributes:
        base_url: The base URL, from the sample API's ("/api" at the end).
        key: The key.
        cause: A phrase only the explanation contains, quoted once per Dagster event.
        setting: The setting to fix, named in the last lines.
        fix: What to do, in the last lines.
        env: Other variables.
    """

    base_url: str
    key: str
    cause: str
    setting: str
    fix: str
    env: dict[str, str] = field(default_factory=dict)


def _root(api_base_url: str) -> str:
    return api_base_url.removesuffix("/api")


CASES = {
    "wrong key": lambda base: Case(
        base,
        "wrong-key",
        "the API rejected the key (HTTP 401)",
        settings.ENV_API_KEY,
        "must be a management API key of this server",
    ),
    "key without workspace": lambda base: Case(
        base,
        KEY_WITHOUT_WORKSPACE,
        "the API rejected the key (HTTP 401)",
        settings.ENV_API_KEY,
        "give the key read access under Workspace Access",
    ),
    "base URL without /api": lambda base: Case(
        _root(base),
        TEST_API_KEY,
        "every endpoint this run asked answered HTTP 404",
        settings.ENV_API_BASE_URL,
        "ending in /api",
    ),
    "everything answers 404": lambda base: Case(
        f"{_root(base)}/nothing/api",
        TEST_API_KEY,
        "every endpoint this run asked answered HTTP 404",
        settings.ENV_API_BASE_URL,
        "ending in /api",
    ),
    "legacy pin on release 5": lambda base: Case(
        base,
        TEST_API_KEY,
        f"{settings.ENV_API_GENERATION}=legacy, but GET",
        settings.ENV_API_GENERATION,
        f"Set {settings.ENV_API_GENERATION}=auto",
        {settings.ENV_API_GENERATION: "legacy"},
    ),
}


@dataclass(frozen=True)
class Outcome:
    """One CLI run: its exit code, its output (stdout and stderr) and its Dagster home."""

    returncode: int
    output: str
    dagster_home: Path


@pytest.fixture(scope="module")
def failure_api() -> Iterator[SampleApiServer]:
    dataset = SampleDataset.generate(seed=7, responses=50, now=FIXED_NOW)
    with SampleApiServer(
        dataset=dataset, api_key=TEST_API_KEY, keys_without_workspace=(KEY_WITHOUT_WORKSPACE,)
    ) as server:
        yield server


@pytest.fixture(scope="module")
def outcomes(
    failure_api: SampleApiServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Outcome]:
    """Every case's `dagster asset materialize`, started together and waited for."""
    command = [
        sys.executable, "-m", "dagster", "asset", "materialize",
        "-m", "analytics_assets.definitions", "--select", "*",
    ]  # fmt: skip
    started = {}
    for name, make_case in CASES.items():
        case = make_case(failure_api.base_url)
        root = tmp_path_factory.mktemp("failure")
        dagster_home = root / "dagster_home"
        dagster_home.mkdir()
        shutil.copyfile(PROJECT_DIR / "dagster.yaml", dagster_home / "dagster.yaml")
        env = scrubbed_env(
            ANALYTICS_API_BASE_URL=case.base_url,
            ANALYTICS_API_KEY=case.key,
            ANALYTICS_DUCKDB_PATH=str(root / "warehouse.duckdb"),
            DAGSTER_HOME=str(dagster_home),
            HOME=str(root),
            **case.env,
        )
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # in the order a terminal shows them
            text=True,
        )
        started[name] = (process, dagster_home)
    done = {}
    for name, (process, dagster_home) in started.items():
        output, _ = process.communicate(timeout=300)
        done[name] = Outcome(process.returncode, output, dagster_home)
    return done


def _frames(lines: list[str]) -> list[str]:
    return [line for line in lines if line.lstrip().startswith('File "')]


@pytest.mark.parametrize("name", list(CASES))
def test_the_terminal_ends_with_the_cause_and_the_fix(
    name: str, outcomes: dict[str, Outcome], failure_api: SampleApiServer
) -> None:
    case = CASES[name](failure_api.base_url)
    outcome = outcomes[name]
    lines = outcome.output.rstrip().splitlines()
    tail = lines[-TAIL_LINES:]
    shown = "\n".join(tail)

    assert outcome.returncode != 0
    assert lines[-1] == LAST_LINE, shown
    # The cause and the fix are the last words before Dagster's own last line.
    last = max(i for i, line in enumerate(lines[:-1]) if line.strip())
    last_words = lines[last]
    for words in (case.cause, case.setting, case.fix):
        assert words in last_words, shown
    assert not any("Traceback" in line for line in tail), shown
    # Nothing of a traceback after the cause, and none of a library under it anywhere.
    assert not _frames(lines[last:]), shown
    assert all(any(ok in frame for ok in ALLOWED_FRAMES) for frame in _frames(lines)), shown
    # Once with the step's failure and once with the run's (Dagster prints the step's error with
    # each); before, the 404s' cause was printed 8 times.
    [run_failure] = [i for i, line in enumerate(lines) if " - RUN_FAILURE - " in line]
    assert "\n".join(lines[:run_failure]).count(case.cause) == 1
    assert "\n".join(lines[run_failure:]).count(case.cause) == 1


@pytest.mark.parametrize("name", list(CASES))
def test_the_runs_error_for_the_ui_ends_with_the_cause_and_no_library_frames(
    name: str, outcomes: dict[str, Outcome], failure_api: SampleApiServer
) -> None:
    case = CASES[name](failure_api.base_url)
    with DagsterInstance.from_config(str(outcomes[name].dagster_home)) as instance:
        [run] = instance.get_runs()
        events = [record.dagster_event for record in instance.all_logs(run.run_id)]
    [step_failure] = [e for e in events if e and e.event_type == DagsterEventType.STEP_FAILURE]
    [run_failure] = [e for e in events if e and e.event_type == DagsterEventType.RUN_FAILURE]

    data = step_failure.step_failure_data
    error = data.error
    assert error is not None
    assert error.cls_name == "Failure" and FAILURE_HEADLINE in error.message
    assert data.user_failure_data is not None
    assert data.user_failure_data.description == FAILURE_HEADLINE
    assert all(any(ok in frame for ok in ALLOWED_FRAMES) for frame in error.stack)
    # The UI shows the message, the stack, then the cause: the explanation, with no stack and
    # nothing under it.
    cause = error.cause
    assert cause is not None and error.context is None
    for words in (case.cause, case.setting, case.fix):
        assert words in cause.message
    assert cause.stack == [] and cause.cause is None and cause.context is None
    assert run_failure.job_failure_data.error == error


class _BrokenApi(AnalyticsApiResource):
    """An API resource with a bug: its client cannot be built."""

    def rest_client(self, session: Session) -> RESTClient:
        raise RuntimeError("a bug in the client")


def test_an_unexpected_error_keeps_its_type_and_its_traceback(
    failure_api: SampleApiServer,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
    tmp_path: Path,
) -> None:
    api = _BrokenApi(base_url=failure_api.base_url, api_key=TEST_API_KEY)
    result = run_ingestion(make_resources(root=tmp_path, api=api))

    assert not result.success
    [event] = result.get_step_failure_events()
    assert event.step_failure_data.user_failure_data is None
    outer, original = step_errors(result)[:2]
    assert outer.cls_name == "DagsterExecutionStepExecutionError"
    assert original.cls_name == "RuntimeError" and "a bug in the client" in original.message
    assert any("in rest_client" in frame for frame in original.stack)


@pytest.mark.parametrize("kind", [AnalyticsLoadError, AnalyticsConfigurationError])
def test_an_expected_failures_cause_is_a_copy_with_no_traceback_and_no_chain(kind: type) -> None:
    try:
        try:
            raise ConnectionError("the library's error")
        except ConnectionError as library_error:
            raise kind("the cause. The fix.") from library_error
    except EXPECTED_ERRORS as error:
        failure, cause = expected_failure(error)
        original = error

    assert type(cause) is kind and str(cause) == "the cause. The fix."
    assert cause.__traceback__ is None and cause.__cause__ is None and cause.__context__ is None
    assert failure.description == FAILURE_HEADLINE and failure.allow_retries is False
    # The original is not altered: its traceback and chain stay, for a debugger.
    assert original.__traceback__ is not None
    assert isinstance(original.__cause__, ConnectionError)
