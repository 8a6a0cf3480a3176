"""Helpers for tests that run the project as live processes: ports, Dagster's GraphQL, waiting."""

import json
import os
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.request import Request, urlopen


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


def scrubbed_env(**overrides: str) -> dict[str, str]:
    """This process's environment without the project's and Dagster's settings, plus `overrides`.

    A child process started with it sees only the settings a test gives it, whatever the
    developer's shell or `.env` holds.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANALYTICS_", "DAGSTER_"))}
    env.update(overrides)
    return env
