"""Faults the sample API injects instead of real answers (error statuses, Retry-After, slow or
dropped answers, malformed bodies, storms lasting some seconds), and the hold a slow answer
waits in until a test releases it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from analytics_assets.sample_api.envelopes import Reply, error_body

__all__ = ["FaultQueue", "FaultSpec", "Holds"]


@dataclass
class FaultSpec:
    """A queued fault: what the next matching requests get instead of the real answer."""

    path_suffix: str
    status: int = 500
    times: int = 1
    retry_after: str | None = None
    body: bytes | None = None
    content_type: str = "application/json"
    delay: float = 0.0
    drop_connection: bool = False
    query: dict[str, str] | None = None
    for_seconds: float | None = None
    headers: dict[str, str] | None = None
    # When a `for_seconds` fault answered its first request (time.monotonic()).
    started_at: float | None = None

    def matches(self, path: str, query: dict[str, str]) -> bool:
        """Whether a request for `path` with `query` gets this fault."""
        if not path.endswith(self.path_suffix):
            return False
        return all(query.get(name) == value for name, value in (self.query or {}).items())

    def reply(self) -> Reply:
        """What a request that gets this fault is answered."""
        extra = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
        extra.update(self.headers or {})
        return Reply(
            status=self.status,
            body=self.body if self.body is not None else error_body(self.status),
            content_type=self.content_type,
            headers=extra,
            delay=self.delay,
            drop_connection=self.drop_connection,
        )


class FaultQueue:
    """Queued faults, served in the order they were queued (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[FaultSpec] = []

    def add(self, spec: FaultSpec) -> None:
        """Queue a fault after those already queued."""
        with self._lock:
            self._faults.append(spec)

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()

    def take(self, path: str, query: dict[str, str]) -> FaultSpec | None:
        """The fault a request gets, used up by one; None if no fault matches."""
        now = time.monotonic()
        with self._lock:
            # Timed faults whose time is up are gone; the first matching fault left answers.
            self._faults = [
                spec
                for spec in self._faults
                if spec.started_at is None or now - spec.started_at < (spec.for_seconds or 0)
            ]
            for index, spec in enumerate(self._faults):
                if not spec.matches(path, query):
                    continue
                if spec.for_seconds is not None:
                    if spec.started_at is None:
                        spec.started_at = now
                elif spec.times > 0:
                    spec.times -= 1
                    if spec.times == 0:
                        del self._faults[index]
                return spec
        return None


class Holds:
    """Where requests wait out a fault's `delay`, until it passes or a test releases them."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._releases = 0

    def release(self) -> None:
        """End every wait now under way."""
        with self._condition:
            self._releases += 1
            self._condition.notify_all()

    def count(self) -> int:
        """How many releases happened so far (to pass to `wait_out`)."""
        with self._condition:
            return self._releases

    def wait_out(self, delay: float, releases: int) -> None:
        """Wait `delay` seconds, or until a release after the `releases`-th one."""
        with self._condition:
            self._condition.wait_for(lambda: self._releases != releases, timeout=delay)
