"""Helpers for tests that run the project as live processes: ports, Dagster's GraphQL, waiting."""

import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn
from urllib.request import Request, urlopen

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]

# Settings of the project, Dagster and dlt (its own `DLT_*` and config sections such as
# `RUNTIME__*`) that a developer's shell may hold and a child process must not inherit.
SCRUBBED_PREFIXES = ("ANALYTICS_", "DAGSTER_", "DLT_", "RUNTIME__")


def skip_or_fail_in_ci(reason: str) -> NoReturn:
    """Skip a test whose service or package is missing; under CI (`CI` set), fail it instead.

    A developer without PostgreSQL or Chromium still runs the rest of the suite; CI, which
    installs and starts both (`.ci/run`), never passes by skipping what it must test.
    """
    if os.environ.get("CI"):
        pytest.fail(f"CI must run this test, but {reason}", pytrace=False)
    # Module level too: `import_or_skip_outside_ci` runs while pytest collects a module.
    pytest.skip(reason, allow_module_level=True)


def import_or_skip_outside_ci(name: str) -> ModuleType:
    """`pytest.importorskip`, except that under CI a missing module fails the test."""
    try:
        return importlib.import_module(name)
    except ImportError:
        skip_or_fail_in_ci(f"{name} is not installed (pip install -e '.[test]' installs it)")


def free_port() -> int:
    """A localhost TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    """The `data` of a query to the Dagster webserver on `port`; fails on GraphQL errors."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = Request(
        f"http://127.0.0.1:{port}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urlopen(request, timeout=30) as response:
        payload = json.load(response)
    assert "errors" not in payload, payload
    return payload["data"]


def wait_for(
    predicate: Callable[[], Any],
    timeout: float,
    what: str,
    *,
    fatal: tuple[type[BaseException], ...] = (),
) -> Any:
    """Poll `predicate` every second until it returns something truthy, and return that.

    Other errors count as "not yet" (a server still starting); those in `fatal` end the wait.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except fatal:
            raise
        except Exception as error:  # the server is still starting
            last_error = error
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}: {last_error}")


def new_dagster_home(folder: Path) -> Path:
    """`folder`, created, holding the project's `dagster.yaml` (pools, run monitoring)."""
    folder.mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "dagster.yaml", folder / "dagster.yaml")
    return folder


def migrate_instance(env: dict[str, str]) -> None:
    """Create the storage of `env`'s DAGSTER_HOME once, as a deployment does before its services."""
    subprocess.run(
        [sys.executable, "-m", "dagster", "instance", "migrate"],
        env=env, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def scrubbed_env(**overrides: str) -> dict[str, str]:
    """This process's environment without the project's, Dagster's and dlt's settings, plus
    `overrides`.

    A child process started with it sees only the settings a test gives it, whatever the
    developer's shell or `.env` holds.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_PREFIXES)}
    env.update(overrides)
    return env


class DefinitionsImport:
    """A Python snippet (an import of `analytics_assets.definitions`) in a fresh interpreter.

    Started at once, in the background, in `workdir` (also its HOME) with a scrubbed
    environment plus `variables`, so tests that check how ANALYTICS_* settings shape the code
    location overlap the import with other work; `result()` waits for it.
    """

    def __init__(self, script: str, workdir: str, variables: dict[str, str]) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=workdir,
            env=scrubbed_env(HOME=workdir, **variables),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._completed: subprocess.CompletedProcess[str] | None = None

    def result(self) -> subprocess.CompletedProcess[str]:
        if self._completed is None:
            stdout, stderr = self._process.communicate(timeout=120)
            self._completed = subprocess.CompletedProcess(
                self._process.args, self._process.returncode, stdout, stderr
            )
        return self._completed

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()
