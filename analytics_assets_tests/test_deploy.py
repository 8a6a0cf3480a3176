"""The deployment files: deploy/dagster.yaml, deploy/workspace.yaml, the Dockerfile.

`deploy/dagster.yaml` is opened as a real Dagster instance on the PostgreSQL server that
`.ci/postgres.sh` starts (host and port of ANALYTICS_TEST_POSTGRES_DSN, default
127.0.0.1:55432, role `postgres` with trust auth), in a database created for each test and
dropped after it, and runs one materialization there. Without a server those tests skip,
except in CI (`CI` set), where they must run.

The Dockerfile's CMD is started from this virtual environment (the image itself cannot be built
here) and the code location is loaded from it over gRPC the way deploy/workspace.yaml loads it.

And the documented commands let no one in by accident (`audit_documentation` states the rule): the
README, docs/, deploy/ and the Dockerfile publish the UI and the gRPC port on no wildcard address,
bind the UI to every interface only inside a container, and say that the UI has no login.
"""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
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


# (d) the documented commands let no one in by accident
#
# Dagster's open-source UI has no authentication: whoever reaches its port can launch any run and
# read every log. The code server's gRPC port answers anyone too. So no command or file the project
# documents may publish either on every interface, or bind the UI to every interface on a host.


DOCUMENTED = (
    [REPO / "README.md", DOCKERFILE]
    + sorted(path for path in (REPO / "docs").rglob("*") if path.suffix in (".md", ".yaml", ".yml"))
    + sorted(path for path in (REPO / "deploy").rglob("*") if path.is_file())
)
# Addresses that mean "every interface" to Docker, Dagster and kubectl; a missing one means it too.
EVERY_INTERFACE = {"", "0.0.0.0", "::", "[::]", "*"}
LOOPBACK_PREFIXES = ("127.", "localhost", "[::1]", "::1")
UI_PORT, GRPC_PORT = 3000, CODE_SERVER_PORT
# The long options of `docker run` that take a value as the next word (short ones: -e -v -w -u -l
# -m -h); the rest are flags, or carry their value after `=`.
DOCKER_VALUE_OPTIONS = {
    "--name", "--env", "--env-file", "--volume", "--mount", "--restart", "--workdir", "--user",
    "--entrypoint", "--label", "--hostname", "--memory", "--cpus", "--log-driver", "--log-opt",
    "--add-host", "--platform", "--pull", "--device", "--dns", "--ip", "--network-alias",
    "--tmpfs", "--ulimit", "--health-cmd", "--cidfile", "--expose", "--link", "--volumes-from",
}  # fmt: skip
SEPARATORS = {"&&", "||", ";", "|", "&", "(", ")", ";;"}
SKIPPED_PREFIXES = {"sudo", "env", "exec", "nohup", "time", "command"}

# The webserver of the old README's "Deploy it" (before this check), its first line wrapped: the
# UI on every interface.
OLD_README_DEPLOY = """\
```bash
docker run -d --name dagster-webserver --network dagster --restart unless-stopped \\
  -p 3000:3000 $PG -v dagster-storage:/opt/dagster/dagster_home/storage \\
  analytics-assets:0.1.0 dagster-webserver -h 0.0.0.0 -p 3000 -w /opt/dagster/workspace.yaml
```
"""


def _snippets(path: Path, text: str) -> Iterator[tuple[int, str, str]]:
    """(line, kind, text) of what a file documents: kind `shell`, `yaml` or `container`.

    Markdown: every fenced block (`yaml`/`yml` blocks as YAML, every other one as shell) and every
    inline code span outside them (as shell). YAML files: the whole file. The Dockerfile: each RUN
    as shell, and CMD/ENTRYPOINT as the container's own command.
    """
    if path.name == "Dockerfile":
        line_number = 0
        pending = ""
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not pending:
                line_number = number
            if not pending and (not line or line.startswith("#")):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            keyword, _, arguments = (pending + line).partition(" ")
            pending = ""
            if keyword.upper() in ("CMD", "ENTRYPOINT"):
                yield line_number, "container", arguments
            elif keyword.upper() == "RUN":
                yield line_number, "shell", arguments
        return
    if path.suffix in (".yaml", ".yml"):
        yield 1, "yaml", text
        return
    prose: list[str] = []
    fence: tuple[str, str, int, list[str]] | None = None  # marker, language, first line, lines
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = (stripped[:3], stripped[3:].strip().lower(), number + 1, [])
            prose.append("")
        elif fence is not None and stripped.startswith(fence[0]) and not stripped[3:].strip():
            kind = "yaml" if fence[1] in ("yaml", "yml") else "shell"
            yield fence[2], kind, textwrap.dedent("\n".join(fence[3]))
            fence = None
            prose.append("")
        elif fence is not None:
            fence[3].append(raw)
        else:
            prose.append(raw)
    joined = "\n".join(prose)
    for match in re.finditer(r"`([^`]+)`", joined):
        yield joined.count("\n", 0, match.start()) + 1, "shell", match.group(1).replace("\n", " ")


def _commands(shell: str) -> Iterator[list[str]]:
    """Each simple command of a shell text as its words, continuation lines joined."""
    for line in shell.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            words = list(lexer)
        except ValueError:  # an unbalanced quote in prose: plain words are enough here
            words = line.split("#")[0].split()
        command: list[str] = []
        for word in [*words, ";"]:
            if word in SEPARATORS:
                while command and (
                    re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", command[0])
                    or command[0] in SKIPPED_PREFIXES
                ):
                    command.pop(0)
                if command:
                    yield command
                command = []
            else:
                command.append(word)


def _program(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _server_hosts(words: list[str]) -> list[str]:
    """The hosts a Dagster server in these words binds: webserver, dev, code server, gRPC API."""
    for index, word in enumerate(words):
        name, rest = _program(word), words[index + 1 :]
        if name == "dagster-webserver":
            arguments = rest
        elif name in ("dagster", "dg") and rest[:1] == ["dev"]:
            arguments = rest[1:]
        elif name == "dagster" and rest[:2] in (["code-server", "start"], ["api", "grpc"]):
            arguments = rest[2:]
        else:
            continue
        hosts = []
        for position, argument in enumerate(arguments):
            if argument in ("-h", "--host") and position + 1 < len(arguments):
                hosts.append(arguments[position + 1])
            elif argument.startswith("--host="):
                hosts.append(argument.removeprefix("--host="))
        return hosts
    return []


def _published(spec: str) -> tuple[str, set[int]]:
    """A `-p` value's host address ('' for every interface) and the ports it names, both sides."""
    spec = spec.split("/", 1)[0]
    if spec.startswith("["):
        address, _, rest = spec[1:].partition("]")
        address, parts = f"[{address}]", rest.lstrip(":").split(":")
    else:
        parts = spec.split(":")
        address = parts.pop(0) if len(parts) == 3 else ""
    ports: set[int] = set()
    for part in parts:
        low, _, high = part.partition("-")
        if low.isdigit():
            ports.update(range(int(low), int(high or low) + 1))
    return address, ports


def _publication_problems(address: str, ports: set[int]) -> list[str]:
    problems = []
    if GRPC_PORT in ports:
        problems.append(f"publishes the code server's gRPC port {GRPC_PORT}")
    if address in EVERY_INTERFACE:
        problems.append(
            f"publishes port {', '.join(map(str, sorted(ports))) or '?'} on every interface "
            "(bind it to 127.0.0.1)"
        )
    return problems


def _docker_run_problems(words: list[str]) -> list[str]:
    """`-p`/`--publish`/`-P` of a `docker run` (or create), and the host its server binds.

    The options end at the image, the first word that is neither an option nor an option's value;
    what follows is the container's command, whose `-p` and `-h` are its own.
    """
    if _program(words[0]) not in ("docker", "podman"):
        return []
    verbs = words[1:3]
    if not ({"run", "create"} & set(verbs)):
        return []
    position = 3 if verbs[:1] == ["container"] else 2
    problems = []
    host_network = False
    while position < len(words):
        word = words[position]
        position += 1
        value = None
        if not word.startswith("-"):
            break  # the image
        if word == "--publish-all" or re.fullmatch(r"-[a-zA-Z]*P[a-zA-Z]*", word):
            problems.append("publishes every exposed port on every interface (-P)")
        elif word == "--publish" or re.fullmatch(r"-[a-zA-Z]*p", word):
            value, position = (words[position] if position < len(words) else ""), position + 1
        elif word.startswith("--publish="):
            value = word.removeprefix("--publish=")
        elif match := re.fullmatch(r"-[a-zA-Z]*p=?([\[\d$].*)", word):
            value = match.group(1)
        elif word in ("--network", "--net"):
            host_network = position < len(words) and words[position] == "host"
            position += 1
        elif word in ("--network=host", "--net=host"):
            host_network = True
        elif word in DOCKER_VALUE_OPTIONS or re.fullmatch(r"-[a-zA-Z]*[evwulmh]", word):
            position += 1  # the option's value
        if value is not None:
            problems += _publication_problems(*_published(value))
    if host_network and any(host in EVERY_INTERFACE for host in _server_hosts(words[position:])):
        problems.append("binds the UI to every interface of the host (--network host)")
    return problems


def _shell_problems(words: list[str], in_container: bool) -> list[str]:
    problems = _docker_run_problems(words)
    is_container_run = _program(words[0]) in ("docker", "podman")
    if not in_container and not is_container_run:
        for host in _server_hosts(words):
            if host in EVERY_INTERFACE:
                problems.append(f"binds a Dagster server to every interface ({host}) on the host")
    if _program(words[0]) == "kubectl" and "port-forward" in words:
        for position, word in enumerate(words):
            address = None
            if word == "--address" and position + 1 < len(words):
                address = words[position + 1]
            elif word.startswith("--address="):
                address = word.removeprefix("--address=")
            if address is not None and any(
                part.strip() in EVERY_INTERFACE for part in address.split(",")
            ):
                problems.append("forwards a port on every interface (--address)")
    return problems


def _yaml_problems(text: str) -> list[str]:
    """Compose `ports:`, Kubernetes `hostPort`/`hostNetwork`, Services of type LoadBalancer or
    NodePort."""
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        return []
    problems: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "ports" and isinstance(value, list):
                    for item in value:
                        if isinstance(item, (str, int)):  # compose's short form
                            problems.extend(_publication_problems(*_published(str(item))))
                        elif isinstance(item, dict) and "hostPort" in item:
                            problems.append(f"publishes {item['hostPort']} on the node (hostPort)")
                        elif isinstance(item, dict) and ("published" in item or "host_ip" in item):
                            ports = {
                                int(item[name])
                                for name in ("target", "published")
                                if str(item.get(name, "")).isdigit()
                            }
                            problems.extend(
                                _publication_problems(str(item.get("host_ip", "")), ports)
                            )
                if key == "hostNetwork" and value is True:
                    problems.append("runs a pod on the node's network (hostNetwork)")
                if key == "type" and value in ("LoadBalancer", "NodePort"):
                    problems.append(f"makes a Service reachable from outside the cluster ({value})")
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for document in documents:
        walk(document)
    return problems


def audit_documentation(path: Path, text: str) -> list[str]:
    """What in one documented file publishes the UI or the gRPC port to more than this machine.

    The rule, kept simple:

    - a `docker run` (or `docker create`, or podman's) publishes a port only on a given,
      non-wildcard address (`-p 127.0.0.1:3000:3000`): a bare `-p 3000:3000`, `-p 0.0.0.0:...`,
      `-p [::]:...` and `-P`/`--publish-all` fail, and port 4000 (the code server's gRPC) is never
      published, on any address. Compose's `ports:`, Kubernetes' `hostPort`/`hostNetwork`, a
      Service of type `LoadBalancer` or `NodePort`, and `kubectl port-forward --address 0.0.0.0`
      fail likewise;
    - `dagster-webserver`, `dagster dev`, `dg dev`, `dagster code-server start` and `dagster api
      grpc` may bind every interface (`-h 0.0.0.0`) only inside a container: as the command of a
      `docker run` (whose publications the first rule limits, and not on `--network host`) or as
      the Dockerfile's CMD. Anywhere else they bind the loopback (their default) or a given
      address.

    Commands are the fenced blocks and inline code spans of Markdown, the Dockerfile's RUN and
    CMD, and YAML as YAML; prose that only names a flag (`-p 3000:3000`) is no command.
    """
    findings = []
    for line, kind, snippet in _snippets(path, text):
        problems: list[str] = []
        if kind == "yaml":
            problems = _yaml_problems(snippet)
        elif kind == "container":
            problems = []  # the container's own interfaces; a Dockerfile publishes nothing
        else:
            for words in _commands(snippet):
                problems += [f"{p}: {' '.join(words)}" for p in _shell_problems(words, False)]
        name = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        findings += [f"{name}:{line}: {problem}" for problem in problems]
    return findings


def test_no_documented_command_publishes_the_ui_or_the_grpc_port_to_every_interface() -> None:
    assert len(DOCUMENTED) >= 4, DOCUMENTED
    findings = [
        finding for path in DOCUMENTED for finding in audit_documentation(path, path.read_text())
    ]
    assert findings == []


def test_the_audit_flags_the_old_readme_and_each_way_in() -> None:
    readme = REPO / "README.md"
    old = audit_documentation(readme, OLD_README_DEPLOY)
    assert len(old) == 1 and "publishes port 3000 on every interface" in old[0], old

    def flagged(text: str, path: Path = readme) -> bool:
        return bool(audit_documentation(path, text))

    for bad in (
        "docker run -p 3000:3000 analytics-assets:0.1.0 dagster-webserver -h 0.0.0.0 -p 3000",
        "docker run -d -p 0.0.0.0:3000:3000 image",
        "docker run --publish [::]:3000:3000 image",
        "docker run -p 127.0.0.1:4000:4000 analytics-assets:0.1.0",
        "docker run --publish=4000 analytics-assets:0.1.0",
        "docker run -dp 3000:3000 image",
        "docker run -P analytics-assets:0.1.0",
        "docker container run -p 4180:4180 quay.io/oauth2-proxy/oauth2-proxy",
        "docker run --network host image dagster-webserver -h 0.0.0.0 -p 3000",
        ".venv/bin/dagster dev -h 0.0.0.0",
        "dg dev --host 0.0.0.0",
        "dagster-webserver --host=0.0.0.0 -p 3000 -w workspace.yaml",
        "dagster code-server start -h 0.0.0.0 -p 4000 -m analytics_assets.definitions",
        "kubectl -n dagster port-forward --address 0.0.0.0 svc/dagster-dagster-webserver 3000:80",
    ):
        assert flagged(f"```bash\n{bad}\n```\n"), bad
        assert flagged(f"Run `{bad}` to see it.\n"), bad
    for bad_yaml in (
        "services:\n  web:\n    ports: ['3000:3000']\n",
        "services:\n  web:\n    ports:\n      - target: 3000\n        published: 3000\n",
        "dagsterWebserver:\n  service:\n    type: LoadBalancer\n",
        "containers:\n  - ports:\n      - containerPort: 4000\n        hostPort: 4000\n",
    ):
        assert flagged(f"```yaml\n{bad_yaml}```\n"), bad_yaml
        assert flagged(bad_yaml, REPO / "deploy" / "example.yaml"), bad_yaml

    for good in (
        "docker run -d -p 127.0.0.1:3000:3000 image dagster-webserver -h 0.0.0.0 -p 3000",
        "docker run -p 127.0.0.1:4180:4180 oauth2-proxy --http-address=0.0.0.0:4180",
        "docker exec analytics-assets dagster api grpc-health-check -p 4000",
        ".venv/bin/dg dev",
        "dagster-webserver -h 127.0.0.1 -p 3000 -w workspace.yaml",
        "dagster code-server start -h 10.0.0.5 -p 4000 -m analytics_assets.definitions",
        "kubectl -n dagster port-forward svc/dagster-dagster-webserver 3000:80",
        "never `-p 3000:3000`",
    ):
        assert not flagged(f"```bash\n{good}\n```\n"), good
    assert not flagged(
        "services:\n  web:\n    ports: ['127.0.0.1:3000:3000']\n", REPO / "deploy" / "x.yaml"
    )
    assert not flagged(
        "dagsterWebserver:\n  service:\n    type: ClusterIP\n", REPO / "deploy" / "x.yaml"
    )


def test_the_docs_say_the_ui_has_no_login_and_show_the_ways_in() -> None:
    readme = (REPO / "README.md").read_text()
    assert "open-source UI has no authentication" in readme
    assert "-p 127.0.0.1:3000:3000" in readme
    # An authenticating proxy in front, reaching the webserver over the private network.
    assert "quay.io/oauth2-proxy/oauth2-proxy" in readme
    assert "--upstream=http://dagster-webserver:3000" in readme
    assert "-p 127.0.0.1:4180:4180" in readme
    # The Helm chart keeps the webserver on a cluster-internal Service, reached by port-forward.
    assert "ClusterIP" in readme and "kubectl -n dagster port-forward" in readme
    deploy_doc = (REPO / "docs" / "deploy.md").read_text()
    values = [
        yaml.safe_load(snippet)
        for _, kind, snippet in _snippets(REPO / "docs" / "deploy.md", deploy_doc)
        if kind == "yaml"
    ]
    webserver_services = [
        doc["dagsterWebserver"]["service"]
        for doc in values
        if isinstance(doc, dict) and "dagsterWebserver" in doc
    ]
    assert webserver_services == [{"type": "ClusterIP"}]
