"""The deployment files: deploy/dagster.yaml, deploy/workspace.yaml, the Dockerfile.

`deploy/dagster.yaml` is opened as a real Dagster instance on the PostgreSQL server that
`.ci/postgres.sh` starts (host and port of ANALYTICS_TEST_POSTGRES_DSN, default
127.0.0.1:55432, role `postgres` with trust auth), in a database created for each test and
dropped after it, and runs one materialization there. Without a server those tests skip,
except in CI (`CI` set), where they must run.

The Dockerfile's CMD is started from this virtual environment (the image itself cannot be built
here) and the code location is loaded from it over gRPC the way deploy/workspace.yaml loads it.
"""

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from dagster import (
    AssetKey,
    DagsterInstance,
    DagsterRunStatus,
    QueuedRunCoordinator,
    asset,
    materialize,
)

from analytics_assets_tests.live import free_port, scrubbed_env, skip_or_fail_in_ci
from analytics_assets_tests.loader import NAMES

REPO = Path(__file__).resolve().parents[1]
DEPLOY_INSTANCE = REPO / "deploy" / "dagster.yaml"
DEPLOY_WORKSPACE = REPO / "deploy" / "workspace.yaml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"

# The server .ci/postgres.sh starts: the same host and port as the warehouse tests' DSN.
_PG_DSN = urlsplit(
    os.environ.get(
        "ANALYTICS_TEST_POSTGRES_DSN", "postgresql://analytics:analytics@127.0.0.1:55432/analytics"
    )
)
PG_HOST = _PG_DSN.hostname or "127.0.0.1"
PG_PORT = _PG_DSN.port or 5432
PG_ADMIN = "postgres"
PG_ENV = ("DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD")
CODE_LOCATION = "analytics_assets"
CODE_SERVER_PORT = 4000


@pytest.fixture(scope="module")
def psycopg2():
    """psycopg2 and dagster-postgres, and a server that answers; else skip (fail in CI)."""
    try:
        import dagster_postgres  # noqa: F401
        import psycopg2
    except ImportError as error:
        skip_or_fail_in_ci(f"{error.name} is not installed (pip install -e '.[test]' installs it)")
    try:
        psycopg2.connect(
            host=PG_HOST, port=PG_PORT, user=PG_ADMIN, dbname="postgres", connect_timeout=3
        ).close()
    except psycopg2.OperationalError:
        skip_or_fail_in_ci(
            f"no PostgreSQL server answers at {PG_HOST}:{PG_PORT} as role {PG_ADMIN} "
            "(start one with .ci/postgres.sh)"
        )
    return psycopg2


@pytest.fixture
def dagster_database(psycopg2) -> Iterator[str]:
    """A fresh database `dagster_<random>` for one test, dropped after it."""
    name = f"dagster_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_ADMIN, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture
def deploy_home(dagster_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAGSTER_HOME holding deploy/dagster.yaml as it is, with DAGSTER_PG_* set for it."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY_INSTANCE, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_HOST", PG_HOST)
    monkeypatch.setenv("DAGSTER_PG_PORT", str(PG_PORT))
    monkeypatch.setenv("DAGSTER_PG_USER", PG_ADMIN)
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "")  # trust auth
    monkeypatch.setenv("DAGSTER_PG_DB", dagster_database)
    return home


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each Dockerfile line, continuation lines joined."""
    instructions = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _dockerfile_cmd() -> list[str]:
    cmds = [args for keyword, args in _dockerfile_instructions() if keyword == "CMD"]
    assert len(cmds) == 1, "the Dockerfile has exactly one CMD"
    return json.loads(cmds[0])  # exec form: a JSON array, so the server is PID 1 and gets SIGTERM


# (a) deploy/dagster.yaml on PostgreSQL


def test_deploy_instance_is_postgres_queued_and_pooled(deploy_home: Path) -> None:
    from dagster_postgres import (
        PostgresEventLogStorage,
        PostgresRunStorage,
        PostgresScheduleStorage,
    )

    with DagsterInstance.get() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_runtime_seconds == 7200
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] == 30
        assert instance.managed_python_loggers == ["dlt"]
        assert not instance.telemetry_enabled

        # The warehouse pool gets the default limit of one slot on Postgres: a second run's
        # step is blocked while the first holds it, and gets it once the first frees it.
        storage = instance.event_log_storage
        pool = NAMES.pool
        assert storage.initialize_concurrency_limit_to_default(pool)
        assert storage.get_concurrency_info(pool).slot_count == 1
        assert storage.claim_concurrency_slot(pool, "run-a", "load").is_claimed
        assert not storage.claim_concurrency_slot(pool, "run-b", "load").is_claimed
        storage.free_concurrency_slots_for_run("run-a")
        assert storage.claim_concurrency_slot(pool, "run-b", "load").is_claimed


def test_deploy_instance_materializes_and_keeps_the_run_in_postgres(
    deploy_home: Path, dagster_database: str, psycopg2
) -> None:
    @asset(pool=NAMES.pool)
    def deploy_smoke() -> int:
        return 42

    with DagsterInstance.get() as instance:
        result = materialize([deploy_smoke], instance=instance)
        assert result.success
        run_id = result.run_id
        pool_info = instance.event_log_storage.get_concurrency_info(NAMES.pool)
        # The step ran in the pool, which took the default limit, and gave its slot back.
        assert pool_info.slot_count == 1
        assert pool_info.active_slot_count == 0

    # A new instance, as another process (the webserver, the daemon) would open it, reads the run
    # and its materialization back from Postgres.
    with DagsterInstance.get() as reader:
        run = reader.get_run_by_id(run_id)
        assert run is not None and run.status == DagsterRunStatus.SUCCESS
        event = reader.get_latest_materialization_event(AssetKey("deploy_smoke"))
        assert event is not None and event.run_id == run_id

    connection = psycopg2.connect(
        host=PG_HOST, port=PG_PORT, user=PG_ADMIN, dbname=dagster_database
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT status FROM runs WHERE run_id = %s", (run_id,))
            assert cursor.fetchall() == [("SUCCESS",)]
            cursor.execute(
                "SELECT count(*) FROM event_logs WHERE run_id = %s "
                "AND dagster_event_type = 'ASSET_MATERIALIZATION'",
                (run_id,),
            )
            assert cursor.fetchone() == (1,)
    finally:
        connection.close()
    # Nothing fell back to SQLite files in DAGSTER_HOME.
    assert not list(deploy_home.rglob("*.db"))


def test_deploy_instance_names_every_postgres_field_by_environment_variable() -> None:
    config = yaml.safe_load(DEPLOY_INSTANCE.read_text())
    postgres_db = config["storage"]["postgres"]["postgres_db"]
    assert postgres_db == {
        "hostname": {"env": "DAGSTER_PG_HOST"},
        "port": {"env": "DAGSTER_PG_PORT"},
        "username": {"env": "DAGSTER_PG_USER"},
        "password": {"env": "DAGSTER_PG_PASSWORD"},
        "db_name": {"env": "DAGSTER_PG_DB"},
        # SQLAlchemy 2.1 would pick psycopg 3 for a bare `postgresql` scheme.
        "scheme": "postgresql+psycopg2",
    }
    # The same instance settings as the project's dagster.yaml, which `dagster dev` reads.
    local = yaml.safe_load((REPO / "dagster.yaml").read_text())
    for key in ("concurrency", "run_monitoring", "python_logs", "telemetry"):
        assert config[key] == local[key], key


# (b) deploy/workspace.yaml


def test_deploy_workspace_names_the_grpc_code_server() -> None:
    # Dagster itself reads the file (with the host swapped) in the code-server test below.
    config = yaml.safe_load(DEPLOY_WORKSPACE.read_text())
    assert config["load_from"] == [
        {
            "grpc_server": {
                "host": "analytics-assets",
                "port": CODE_SERVER_PORT,
                "location_name": CODE_LOCATION,
            }
        }
    ]


# (c) the Dockerfile


def test_dockerfile_runs_the_code_server_unprivileged_with_no_secrets() -> None:
    instructions = _dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    assert instructions[0] == ("FROM", "python:3.11-slim")
    assert "ENTRYPOINT" not in keywords  # the Helm chart's `args` replace CMD whole

    cmd = _dockerfile_cmd()
    assert cmd[:3] == ["dagster", "code-server", "start"]
    options = dict(zip(cmd[3::2], cmd[4::2], strict=True))
    assert options == {
        "-h": "0.0.0.0",
        "-p": str(CODE_SERVER_PORT),
        "-m": "analytics_assets.definitions",
    }
    assert ("EXPOSE", str(CODE_SERVER_PORT)) in instructions

    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), "the server runs as a non-root user"
    assert keywords.index("USER") < keywords.index("CMD")

    installs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "pip install -e ." in installs and "dagster-k8s" in installs
    # The instance's Postgres storage comes with the project itself.
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(dependency.startswith("dagster-postgres") for dependency in dependencies)

    # No secret is set or passed in at build time.
    for keyword, args in instructions:
        if keyword in ("ENV", "ARG"):
            for secret in ("ANALYTICS_API_KEY", "PASSWORD", "CREDENTIALS", "SECRET", "TOKEN"):
                assert secret not in args.upper(), f"{keyword} {args}"

    # What the image copies exists and is not ignored; what must stay out is ignored.
    ignored = {line.strip() for line in DOCKERIGNORE.read_text().splitlines()}
    assert {".venv", "data", ".git", ".env"} <= ignored
    for keyword, args in instructions:
        if keyword == "COPY":
            sources = [part for part in shlex.split(args) if not part.startswith("--")][:-1]
            for source in sources:
                assert (REPO / source).exists(), source
                assert source.split("/")[0] not in ignored, source


@pytest.fixture
def code_server(tmp_path: Path) -> Iterator[int]:
    """The Dockerfile's CMD, run from this environment on a free localhost port."""
    port = free_port()
    cmd = _dockerfile_cmd()
    cmd[0] = str(Path(sys.executable).parent / "dagster")
    cmd[cmd.index("-h") + 1] = "127.0.0.1"
    cmd[cmd.index("-p") + 1] = str(port)
    # As in the image, whose DAGSTER_HOME holds deploy/dagster.yaml: the code server must start
    # without DAGSTER_PG_* too (the Helm chart's code location pods set only the password).
    home = tmp_path / "code_server_home"
    home.mkdir()
    shutil.copy(DEPLOY_INSTANCE, home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    for name in (*PG_ENV, "DAGSTER_PG_DB", "ANALYTICS_API_KEY"):
        env.pop(name, None)
    log = (tmp_path / "code_server.log").open("w")
    server = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        health = [str(Path(sys.executable).parent / "dagster"), "api", "grpc-health-check"]
        while subprocess.run([*health, "-p", str(port)], capture_output=True).returncode != 0:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    "the Dockerfile's CMD did not serve: "
                    + (tmp_path / "code_server.log").read_text()[-2000:]
                )
            time.sleep(0.5)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def test_dockerfile_cmd_serves_the_code_location_that_the_workspace_loads(
    code_server: int, tmp_path: Path
) -> None:
    # deploy/workspace.yaml as it is, with the container's host name swapped for localhost.
    config = yaml.safe_load(DEPLOY_WORKSPACE.read_text())
    config["load_from"][0]["grpc_server"].update(host="127.0.0.1", port=code_server)
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(yaml.safe_dump(config))

    # The webserver's side, through Dagster's CLI, on a local (SQLite) instance: loading the
    # location needs none of Postgres.
    home = tmp_path / "webserver_home"
    home.mkdir()
    env = scrubbed_env(DAGSTER_HOME=str(home))
    dagster = str(Path(sys.executable).parent / "dagster")

    def listed(kind: str, prefix: str) -> set[str]:
        completed = subprocess.run(
            [dagster, kind, "list", "-w", str(workspace)],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr[-3000:]
        return {
            line.removeprefix(prefix).split(" [")[0]
            for line in completed.stdout.splitlines()
            if line.startswith(prefix)
        }

    assert {"analytics_api_sync", "analytics_api_full_refresh"} <= listed("job", "Job: ")
    assert "analytics_api_sync_schedule" in listed("schedule", "Schedule: ")
