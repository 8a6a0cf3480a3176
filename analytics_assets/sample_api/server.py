"""A local HTTP server that behaves like the Formbricks management API, for the demo and tests.

It serves a `SampleDataset` under `/api` with the v1 routes of the dataset's release (2, 4 or 5,
see `releases.py`) and, on 4 and 5, v2's responses list (`v2.py`): unknown routes get Next.js's
HTML 404 page, as on the real server. It checks the `x-api-key` header, refuses the contacts
endpoints on the community edition (403), rejects keys that reach no workspace (401),
rate-limits per key in fixed windows as Envoy and the app do (`limits.py`; 429 without
Retry-After), records every API request, and lets tests inject faults (error statuses,
Retry-After, slow or dropped answers, malformed bodies, a storm of 429s lasting some seconds).
It can also edit old responses every so often (`edit_feed.py`), as the demo's users would see.
It is never kinder than the real API: a loader that passes against it has handled what the real
one does.

A small control surface under `/_sample/` (no key, not recorded) lets tests that run the loader
in another process add and edit responses, queue faults and read request counts.

This module holds the server's lifecycle, request log and test-facing controls; `serving.py` has
`serve()` for the demo, `api.py` and `v2.py` the routes' answers, `faults.py` the faults,
`control.py` the control surface and `http_server.py` the HTTP plumbing.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from analytics_assets.sample_api import api, control, limits
from analytics_assets.sample_api.api import API_PREFIX
from analytics_assets.sample_api.edit_feed import EditFeed
from analytics_assets.sample_api.envelopes import Reply
from analytics_assets.sample_api.faults import FaultQueue, FaultSpec, Holds
from analytics_assets.sample_api.http_server import Handler, HttpServer
from analytics_assets.sample_api.releases import DEFAULT_EDITION, check_release, routes_of
from analytics_assets.sample_api.store import SampleDataset

__all__ = ["FaultSpec", "RequestRecord", "SampleApiServer"]

RATE_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RequestRecord:
    """One API request as the server saw it.

    Attributes:
        method: HTTP method.
        path: Path without the query string, e.g. "/api/v1/management/responses".
        query: Query parameters (first value of each).
        headers: Request headers, names lower-cased.
        status: Status answered; 0 when the connection was dropped without an answer.
        received_at: `time.monotonic()` when the request arrived.
        received_clock: The server's `clock` (the wall clock the rate limits' windows are
            aligned to) when it arrived: `floor(received_clock / window)` is its window.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int
    received_at: float = 0.0
    received_clock: float = 0.0


class SampleApiServer:
    """Serves a `SampleDataset` over HTTP like the real management API.

    Use as a context manager, or call `start()` and `stop()`.
    """

    def __init__(
        self,
        dataset: SampleDataset,
        api_key: str = "sample-key",
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit_per_minute: int | None = None,
        rate_limit_window_seconds: float = RATE_WINDOW_SECONDS,
        edition: str = DEFAULT_EDITION,
        keys_without_workspace: tuple[str, ...] = (),
        shuffle_ties: bool = False,
        seed: int = 0,
        *,
        app_rate_limit_per_minute: int | None = limits.APP_LIMIT_PER_MINUTE,
        v2_rate_limit_per_minute: int | None = limits.V2_LIMIT_PER_MINUTE,
        v2_date_filter: bool = True,
        edits_per_minute: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Configure the server (nothing listens until `start()`).

        Args:
            dataset: The records to serve; its `release` decides the routes and shapes.
            api_key: The key accepted in the `x-api-key` header, with access to the workspace.
            host: Interface to bind.
            port: Port to bind; 0 picks a free one.
            rate_limit_per_minute: Requests allowed per key and window on v1, as the hosted
                Envoy counts them; None: no limit (self-hosted).
            rate_limit_window_seconds: Every limit's window (60 s, as the real API; tests
                shorten it). Windows are fixed and aligned to `clock`: `floor(now / window)`.
            edition: "enterprise", or "community", which refuses the contacts endpoints (403).
            keys_without_workspace: Valid organization keys with read access to no workspace
                (3.8 and later): every route answers them 401, except surveys on release 5
                and v2's responses on release 4, which list nothing.
            shuffle_ties: Serve v1 responses that share a `createdAt` in a new order on every
                request, as the real API does (it orders by `createdAt` alone without a
                `surveyId`). Off by default so that tests which count pages see a fixed order.
                v2 shuffles its ties always: Postgres orders rows sharing its one key anyhow.
            seed: Seed of the tie shuffling and of `edits_per_minute`'s edits.
            app_rate_limit_per_minute: The app's own v1 limit per key and window (Redis, 100):
                every v1 route on release 4, `/v1/webhooks` alone on release 5, none on 2.
                None: off (no Redis, or `RATE_LIMITING_DISABLED`).
            v2_rate_limit_per_minute: The app's v2 limit per key and window (100), counted
                apart from v1's; None: off.
            v2_date_filter: v2 responses know `filterDateField` (4.2.0 and later). False
                behaves like Formbricks 4.0 and 4.1 (release 4 only): the parameter is
                stripped, so an invalid value is no 422 and the dates filter `createdAt`.
            edits_per_minute: Edit old responses this often while serving (`EditFeed`); 0: never.
            clock: The wall clock the rate limits' windows are aligned to (tests pass a fake).

        Raises:
            ValueError: For a release or edition the sample does not model, or
                `v2_date_filter=False` on a release other than 4.
        """
        check_release(dataset.release, edition)
        if not v2_date_filter and dataset.release != 4:
            raise ValueError("v2_date_filter=False models Formbricks 4.0-4.1: release 4 only")
        self.dataset = dataset
        self.api_key = api_key
        self.edition = edition
        self.keys_without_workspace = tuple(keys_without_workspace)
        self.routes = routes_of(dataset.release)
        self.shuffle_ties = shuffle_ties
        self._tie_rng = random.Random(seed)
        self.host = host
        self.rate_limit_per_minute = rate_limit_per_minute
        self.rate_limit_window_seconds = rate_limit_window_seconds
        self.app_rate_limit_per_minute = app_rate_limit_per_minute
        self.v2_rate_limit_per_minute = v2_rate_limit_per_minute
        self.v2_date_filter = v2_date_filter
        self._requested_port = port
        self._httpd: HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # Requests waiting out a fault's `delay` wait here; `release_delayed` ends the waits.
        self._holds = Holds()
        self._requests: list[RequestRecord] = []
        self._faults = FaultQueue()
        self._hook: Callable[[str, dict[str, str]], None] | None = None
        self._limiter = limits.FixedWindowLimiter(clock)
        self.edit_feed = EditFeed(dataset, edits_per_minute, seed=seed)

    # ----------------------------------------------------------------------------- lifecycle

    def start(self) -> SampleApiServer:
        """Bind and serve in a daemon thread.

        Returns:
            The server itself.
        """
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._httpd = HttpServer((self.host, self._requested_port), Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sample-api-{self.port}",
            daemon=True,
        )
        self._thread.start()
        self.edit_feed.start()
        return self

    def stop(self) -> None:
        """Stop serving (and editing) and close every open connection."""
        self.edit_feed.stop()
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SampleApiServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (only once started)."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """Base URL a client uses, e.g. "http://127.0.0.1:8787/api"."""
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    # ----------------------------------------------------------------------------- request log

    @property
    def requests(self) -> list[RequestRecord]:
        """Every API request in arrival order, faulted and rejected ones included (a copy)."""
        with self._lock:
            return list(self._requests)

    def request_count(self, path_suffix: str | None = None) -> int:
        """Number of recorded API requests, optionally only those whose path ends with a suffix.

        Args:
            path_suffix: e.g. "/v1/management/responses"; None counts all.

        Returns:
            The count.
        """
        with self._lock:
            if path_suffix is None:
                return len(self._requests)
            return sum(1 for record in self._requests if record.path.endswith(path_suffix))

    def reset_requests(self) -> None:
        """Forget recorded requests (the rate-limit window is kept)."""
        with self._lock:
            self._requests.clear()

    def stats(self) -> dict[str, Any]:
        """Request counts per path, the total, and the number of responses served."""
        with self._lock:
            per_path: dict[str, int] = {}
            for record in self._requests:
                per_path[record.path] = per_path.get(record.path, 0) + 1
            total = len(self._requests)
        return {"requests": per_path, "total": total, "response_count": self.dataset.response_count}

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._requests.append(record)

    # ----------------------------------------------------------------------------- faults

    def queue_fault(
        self,
        path_suffix: str,
        status: int = 500,
        *,
        times: int = 1,
        retry_after: str | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
        delay: float = 0.0,
        drop_connection: bool = False,
        query: dict[str, str] | None = None,
        for_seconds: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` requests whose path ends with `path_suffix` with a fault.

        Faults are served before the key is checked, in the order they were queued.

        Args:
            path_suffix: e.g. "/v1/management/responses"; "" matches every path.
            status: Status to answer with (200 plus `body` serves a malformed success).
            times: How many requests get it; -1 for every one until `clear_faults()`. Ignored
                with `for_seconds`.
            retry_after: Value of a Retry-After header to send.
            body: Body to send; default an error envelope matching `status`.
            content_type: Content-Type of `body`.
            delay: Seconds to wait before answering (to trigger client timeouts, or to hold a
                request until `release_delayed()`).
            drop_connection: Close the socket without answering.
            query: Only requests whose query has these values (e.g. {"skip": "100"}).
            for_seconds: Answer every matching request with the fault for this long, counted
                from the first request it answers (a key's budget spent elsewhere, say).
            headers: More headers to send (a redirect's `Location`, say).
        """
        if times == 0 or times < -1:
            raise ValueError("times must be positive or -1")
        if for_seconds is not None and for_seconds <= 0:
            raise ValueError("for_seconds must be positive")
        spec = FaultSpec(
            path_suffix=path_suffix,
            status=status,
            times=times,
            retry_after=retry_after,
            body=body,
            content_type=content_type,
            delay=delay,
            drop_connection=drop_connection,
            query=dict(query) if query else None,
            for_seconds=for_seconds,
            headers=dict(headers) if headers else None,
        )
        self._faults.add(spec)

    def on_request(self, hook: Callable[[str, dict[str, str]], None] | None) -> None:
        """Call `hook(path, query)` as each API request arrives, before it is answered.

        Lets a test change the data while a client reads it, as users of the real API do (a
        response deleted between two pages, say). None removes the hook.
        """
        with self._lock:
            self._hook = hook

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self._faults.clear()

    def release_delayed(self) -> None:
        """Answer at once every request now waiting out a fault's `delay`.

        A test holds a request with a long `delay` and releases it once what it waits for
        happened, instead of guessing a delay long enough for a busy machine.
        """
        self._holds.release()

    def _tie_shuffler(self) -> random.Random | None:
        """A generator to shuffle one page's ties with, when ties are shuffled."""
        with self._lock:
            return random.Random(self._tie_rng.random()) if self.shuffle_ties else None

    def _v2_tie_shuffler(self) -> random.Random:
        """A generator to shuffle one v2 request's ties with: always, as Postgres has no order
        for rows that share v2's one sort key (whatever `shuffle_ties` says of v1)."""
        with self._lock:
            return random.Random(self._tie_rng.random())

    def _allow(self, key: str) -> bool:
        """Envoy's v1 limit (`rate_limit_per_minute`)."""
        return self._count(limits.ENVOY, key, self.rate_limit_per_minute)

    def _allow_app(self, key: str) -> bool:
        """The app's own v1 limit (`app_rate_limit_per_minute`)."""
        return self._count(limits.APP_V1, key, self.app_rate_limit_per_minute)

    def _allow_v2(self, key: str) -> bool:
        """The app's v2 limit (`v2_rate_limit_per_minute`)."""
        return self._count(limits.V2, key, self.v2_rate_limit_per_minute)

    def _count(self, limiter: str, key: str, limit: int | None) -> bool:
        return self._limiter.allow(limiter, key, limit, self.rate_limit_window_seconds)

    def _serve_api(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> Reply:
        """Answer an API request, record it, and wait out the answer's delay."""
        received_at = time.monotonic()
        received_clock = self._limiter.clock()
        # Counted before the request shows in the log, so a release that a test sends as soon
        # as it sees the request there cannot be missed.
        releases = self._holds.count()
        reply = self._answer_api(method, path, query, headers)
        self._record(
            RequestRecord(
                method=method,
                path=path,
                query=query,
                headers=headers,
                status=0 if reply.drop_connection else reply.status,
                received_at=received_at,
                received_clock=received_clock,
            )
        )
        if reply.delay > 0:
            self._holds.wait_out(reply.delay, releases)
        return reply

    def _answer_api(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> Reply:
        with self._lock:
            hook = self._hook
        if hook is not None:
            hook(path, query)
        fault = self._faults.take(path, query)
        if fault is not None:
            return fault.reply()
        return api.answer(self, method, path, query, headers)

    def _answer_control(self, method: str, path: str, query: dict[str, str], body: bytes) -> Reply:
        return control.answer(self, method, path, query, body)
