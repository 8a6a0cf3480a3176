"""A local HTTP server that behaves like the Formbricks management API v1, for the demo and tests.

It serves a `SampleDataset` under `/api` with the routes of the dataset's release (2, 4 or 5, see
`releases.py`): unknown routes get Next.js's HTML 404 page, as on the real server. It checks the
`x-api-key` header, refuses the contacts endpoints on the community edition (403), rejects keys
that reach no workspace (401), rate-limits per key (429 without Retry-After), records every API
request, and lets tests inject faults (error statuses, Retry-After, slow or dropped answers,
malformed bodies, a storm of 429s lasting some seconds). It is never kinder than the real API: a
loader that passes against it has handled what the real one does.

A small control surface under `/_sample/` (no key, not recorded) lets tests that run the loader
in another process add and edit responses, queue faults and read request counts.
"""

from __future__ import annotations

import contextlib
import json
import random
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from analytics_assets.sample_api.data import RESPONSES_PER_PAGE_WITH_SURVEY, SampleDataset
from analytics_assets.sample_api.releases import (
    CONTACT_ENDPOINTS,
    DEFAULT_EDITION,
    DEFAULT_RELEASE,
    check_release,
    routes_of,
)

__all__ = ["FaultSpec", "RequestRecord", "SampleApiServer", "serve"]

API_PREFIX = "/api"
CONTROL_PREFIX = "/_sample"
RATE_WINDOW_SECONDS = 60.0

# Codes of the real API's error envelope; any other status gets "internal_server_error".
_ERROR_CODES = {
    400: ("bad_request", "Bad Request"),
    401: ("not_authenticated", "Not authenticated"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method Not Allowed"),
    410: ("gone", "Gone"),
    429: ("too_many_requests", "Maximum number of requests reached. Please try again later."),
}
# What Next.js renders for a route that does not exist (`app/not-found.tsx`), abridged.
NOT_FOUND_PAGE = (
    b'<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>'
    b"<title>Formbricks</title></head><body><main><h1>404</h1><h2>Page not found</h2>"
    b"<p>The page you are looking for does not exist.</p></main></body></html>"
)
NOT_FOUND_CONTENT_TYPE = "text/html; charset=utf-8"


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _error_body(
    status: int, message: str | None = None, details: dict[str, Any] | None = None
) -> bytes:
    code, default_message = _ERROR_CODES.get(status, ("internal_server_error", None))
    if default_message is None:
        try:
            default_message = HTTPStatus(status).phrase
        except ValueError:
            default_message = "Internal Server Error"
    return _json_bytes(
        {"code": code, "message": message or default_message, "details": details or {}}
    )


_NOT_AUTHENTICATED = _json_bytes(
    {
        "code": "not_authenticated",
        "message": "Not authenticated",
        "details": {"x-Api-Key": "Header not provided or API Key invalid"},
    }
)
_TOO_MANY_REQUESTS = _error_body(429)
# GET of one response by id (`responses/[responseId]/route.ts`).
_ONE_RESPONSE = "/v1/management/responses/"
_NOT_FOUND = _error_body(404)
# `getIsContactsEnabled` false: the community edition, after the key was accepted.
CONTACTS_REFUSED_MESSAGE = "Contacts are only enabled for Enterprise Edition, please upgrade."
_CONTACTS_REFUSED = _error_body(403, CONTACTS_REFUSED_MESSAGE)


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
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int
    received_at: float = 0.0


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


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop_connection: bool = False


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
    ) -> None:
        """Configure the server (nothing listens until `start()`).

        Args:
            dataset: The records to serve; its `release` decides the routes and shapes.
            api_key: The key accepted in the `x-api-key` header, with access to the workspace.
            host: Interface to bind.
            port: Port to bind; 0 picks a free one.
            rate_limit_per_minute: Requests allowed per key in any rolling window; None: no limit.
            rate_limit_window_seconds: The window (60 s, as the real API; tests shorten it).
            edition: "enterprise", or "community", which refuses the contacts endpoints (403).
            keys_without_workspace: Valid organization keys with read access to no workspace
                (3.8 and later): every route answers them 401, except surveys on release 5,
                which lists nothing.
            shuffle_ties: Serve responses that share a `createdAt` in a new order on every
                request, as the real API does (it orders by `createdAt` alone without a
                `surveyId`). Off by default so that tests which count pages see a fixed order.
            seed: Seed of the tie shuffling.
        """
        check_release(dataset.release, edition)
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
        self._requested_port = port
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # Requests waiting out a fault's `delay` wait on this; `release_delayed` ends the waits.
        self._delays = threading.Condition()
        self._releases = 0
        self._requests: list[RequestRecord] = []
        self._faults: list[FaultSpec] = []
        self._hook: Callable[[str, dict[str, str]], None] | None = None
        self._hits: dict[str, deque[float]] = {}

    # ----------------------------------------------------------------------------- lifecycle

    def start(self) -> SampleApiServer:
        """Bind and serve in a daemon thread.

        Returns:
            The server itself.
        """
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._httpd = _HttpServer((self.host, self._requested_port), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sample-api-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection."""
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
        with self._lock:
            self._faults.append(spec)

    def on_request(self, hook: Callable[[str, dict[str, str]], None] | None) -> None:
        """Call `hook(path, query)` as each API request arrives, before it is answered.

        Lets a test change the data while a client reads it, as users of the real API do (a
        response deleted between two pages, say). None removes the hook.
        """
        with self._lock:
            self._hook = hook

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()

    def release_delayed(self) -> None:
        """Answer at once every request now waiting out a fault's `delay`.

        A test holds a request with a long `delay` and releases it once what it waits for
        happened, instead of guessing a delay long enough for a busy machine.
        """
        with self._delays:
            self._releases += 1
            self._delays.notify_all()

    def _release_count(self) -> int:
        with self._delays:
            return self._releases

    def _wait_out(self, delay: float, releases: int) -> None:
        """Wait `delay` seconds, or until a release after the `releases`-th one."""
        with self._delays:
            self._delays.wait_for(lambda: self._releases != releases, timeout=delay)

    def _take_fault(self, path: str, query: dict[str, str]) -> FaultSpec | None:
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

    # ----------------------------------------------------------------------------- API

    def _allow(self, key: str) -> bool:
        """Sliding-window rate limit; only accepted requests use up the allowance."""
        if self.rate_limit_per_minute is None:
            return True
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.rate_limit_window_seconds:
                hits.popleft()
            if len(hits) >= self.rate_limit_per_minute:
                return False
            hits.append(now)
            return True

    def _answer_api(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str]
    ) -> _Reply:
        with self._lock:
            hook = self._hook
        if hook is not None:
            hook(path, query)
        fault = self._take_fault(path, query)
        if fault is not None:
            extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            extra.update(fault.headers or {})
            return _Reply(
                status=fault.status,
                body=fault.body if fault.body is not None else _error_body(fault.status),
                content_type=fault.content_type,
                headers=extra,
                delay=fault.delay,
                drop_connection=fault.drop_connection,
            )
        # Next.js routes first: a path the release has no route for is its HTML 404 page,
        # whatever the key.
        route = path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else None
        endpoint = self.routes.get(route) if route is not None else None
        response_id = None
        if (
            route is not None
            and route.startswith(_ONE_RESPONSE)
            and "/" not in route[len(_ONE_RESPONSE) :]
        ):
            endpoint, response_id = "response", unquote(route[len(_ONE_RESPONSE) :])
        if endpoint is None:
            return _Reply(404, NOT_FOUND_PAGE, content_type=NOT_FOUND_CONTENT_TYPE)
        key = headers.get("x-api-key")
        if key in self.keys_without_workspace and self.dataset.release >= 4:
            # No workspace permissions: authentication fails, except that 5.x lists surveys for
            # organization-only keys (`allowOrganizationOnlyApiKey`), finding none.
            if endpoint == "surveys" and self.dataset.release >= 5 and method == "GET":
                return _Reply(200, b'{"data":[]}')
            return _Reply(401, _NOT_AUTHENTICATED)
        if key != self.api_key:
            return _Reply(401, _NOT_AUTHENTICATED)
        if not self._allow(key):
            return _Reply(429, _TOO_MANY_REQUESTS)
        if endpoint in CONTACT_ENDPOINTS and self.edition == "community":
            return _Reply(403, _CONTACTS_REFUSED)
        if method != "GET":
            # The sample is read-only; the real routes have POST too, but no client here uses it.
            message = f"The HTTP {method} method is not supported by this route."
            return _Reply(405, _error_body(405, message, {"allowed_methods": ["GET"]}))
        if response_id is not None:
            return self._one_response(response_id)
        if endpoint != "responses":
            return _Reply(200, self.dataset.table_body(endpoint))
        return self._responses_page(query)

    def _one_response(self, response_id: str) -> _Reply:
        """`GET /responses/{id}`: the record, or what the release says of one it does not have."""
        record = self.dataset.response(response_id)
        if record is not None:
            return _Reply(200, _json_bytes({"data": record}))
        if self.dataset.release < 3:
            # 2.7 turns a missing response into "Unauthorized" (`fetchAndValidateResponse`).
            message = "You are not authorized to access this resource"
            return _Reply(
                401, _json_bytes({"code": "unauthorized", "message": message, "details": {}})
            )
        details = {"resource_id": response_id, "resource_type": "Response"}
        return _Reply(404, _error_body(404, "Response not found", details))

    def _responses_page(self, query: dict[str, str]) -> _Reply:
        numbers: dict[str, int | None] = {}
        for name in ("limit", "skip"):
            raw = query.get(name, "")
            # An empty parameter counts as absent, as in the real API (`searchParams.get(...) ?`).
            if raw == "":
                numbers[name] = None
            elif raw.isascii() and raw.isdigit():
                numbers[name] = int(raw)
            else:
                return _Reply(
                    400,
                    _error_body(
                        400,
                        "Fields are missing or incorrectly formatted",
                        {name: f"Expected a non-negative integer, received '{raw}'"},
                    ),
                )
        limit, skip = numbers["limit"], numbers["skip"] or 0
        survey_id = query.get("surveyId") or None
        if survey_id is None:
            # The real API treats limit=0 like no limit (`take: limit ? limit : undefined`).
            with self._lock:
                rng = random.Random(self._tie_rng.random()) if self.shuffle_ties else None
            body = self.dataset.responses_body(skip=skip, limit=limit or None, shuffle_ties=rng)
            return _Reply(200, body)
        if not self.dataset.has_survey(survey_id):
            return _Reply(
                404,
                _error_body(
                    404,
                    "Survey not found",
                    {"resource_id": survey_id, "resource_type": "Survey"},
                ),
            )
        # With a survey the real API defaults to a page of 25, and limit=0 is an empty page.
        page = RESPONSES_PER_PAGE_WITH_SURVEY if limit is None else limit
        return _Reply(200, self.dataset.responses_body(skip=skip, limit=page, survey_id=survey_id))

    # ----------------------------------------------------------------------------- control

    def _answer_control(self, method: str, path: str, query: dict[str, str], body: bytes) -> _Reply:
        route = path[len(CONTROL_PREFIX) :]
        try:
            payload = json.loads(body) if body.strip() else {}
        except ValueError:
            return _Reply(400, _error_body(400, "Body is not JSON"))
        try:
            if method == "GET" and route == "/stats":
                return _Reply(200, _json_bytes(self.stats()))
            if method == "POST" and route == "/responses":
                count = int(query.get("count") or payload.get("count") or 1)
                at_raw = query.get("at") or payload.get("at")
                at = datetime.fromisoformat(at_raw.replace("Z", "+00:00")) if at_raw else None
                return _Reply(200, _json_bytes({"ids": self.dataset.add_responses(count, at=at)}))
            if method == "POST" and route.startswith("/responses/"):
                response_id = unquote(route[len("/responses/") :])
                if not isinstance(payload, dict):
                    return _Reply(400, _error_body(400, "Body must be a JSON object"))
                try:
                    record = self.dataset.edit_response(response_id, **payload)
                except KeyError:
                    return _Reply(404, _error_body(404, "Response not found"))
                return _Reply(200, _json_bytes(record))
            if method == "POST" and route == "/faults":
                raw_body = payload.get("body")
                self.queue_fault(
                    payload["path"],
                    int(payload.get("status", 500)),
                    times=int(payload.get("times", 1)),
                    retry_after=payload.get("retry_after"),
                    body=raw_body.encode("utf-8") if isinstance(raw_body, str) else None,
                    content_type=payload.get("content_type", "application/json"),
                    delay=float(payload.get("delay", 0.0)),
                    drop_connection=bool(payload.get("drop_connection", False)),
                    query=payload.get("query"),
                    for_seconds=payload.get("for_seconds"),
                )
                return _Reply(200, _json_bytes({"ok": True}))
            if method == "POST" and route == "/delete":
                deleted = self.dataset.delete(payload["endpoint"], payload["ids"])
                return _Reply(200, _json_bytes({"responses_deleted": deleted}))
            if method == "DELETE" and route == "/faults":
                self.clear_faults()
                return _Reply(200, _json_bytes({"ok": True}))
            if method == "POST" and route == "/requests/reset":
                self.reset_requests()
                return _Reply(200, _json_bytes({"ok": True}))
        except (AttributeError, KeyError, ValueError, TypeError) as error:
            return _Reply(400, _error_body(400, f"Bad control request: {error}"))
        return _Reply(404, _NOT_FOUND)


class _HttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its `SampleApiServer` and can close live connections."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type, app: SampleApiServer) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close keep-alive connections, so no client is served by a stopped server."""
        with self._connections_lock:
            connections = list(self._connections)
            self._connections.clear()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or hang up are part of the tests; stay quiet about them.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SampleAnalyticsApi/1.0"
    # Headers and body go out in separate writes; without this, Nagle plus delayed ACKs add
    # tens of milliseconds to every keep-alive request.
    disable_nagle_algorithm = True
    server: _HttpServer

    def log_message(self, format: str, *args: Any) -> None:
        # One line per request would drown test and benchmark output.
        pass

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        app = self.server.app
        parts = urlsplit(self.path)
        path = parts.path
        # Like URLSearchParams.get: the first value wins.
        query = {
            name: values[0]
            for name, values in parse_qs(parts.query, keep_blank_values=True).items()
        }
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            self._send(app._answer_control(method, path, query, body))
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        received_at = time.monotonic()
        # Counted before the request shows in the log, so a release that a test sends as soon
        # as it sees the request there cannot be missed.
        releases = app._release_count()
        reply = app._answer_api(method, path, query, headers)
        app._record(
            RequestRecord(
                method=method,
                path=path,
                query=query,
                headers=headers,
                status=0 if reply.drop_connection else reply.status,
                received_at=received_at,
            )
        )
        if reply.delay > 0:
            app._wait_out(reply.delay, releases)
        if reply.drop_connection:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(reply)

    def _send(self, reply: _Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Cache-Control", "private, no-store")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            # The client gave up (timeout) or hung up; nothing left to answer.
            self.close_connection = True


def serve(
    port: int = 8787,
    responses: int = 2500,
    seed: int = 7,
    api_key: str = "sample-key",
    host: str = "127.0.0.1",
    rate_limit_per_minute: int | None = 100,
    release: int = DEFAULT_RELEASE,
    edition: str = DEFAULT_EDITION,
    shuffle_ties: bool = True,
) -> None:
    """Generate a dataset and serve it until interrupted (Ctrl+C or SIGTERM).

    Args:
        port: Port to listen on.
        responses: Number of responses to generate.
        seed: Seed of the generated data.
        api_key: Key the server accepts (never printed).
        host: Interface to bind.
        rate_limit_per_minute: Requests per key per rolling minute; None for no limit.
        release: Formbricks release to behave like (2, 4 or 5).
        edition: "enterprise" or "community" (which refuses the contacts endpoints).
        shuffle_ties: Serve responses sharing a `createdAt` in a new order on every request, as
            the real API does.
    """
    dataset = SampleDataset.generate(seed=seed, responses=responses, release=release)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with SampleApiServer(
        dataset=dataset,
        api_key=api_key,
        host=host,
        port=port,
        rate_limit_per_minute=rate_limit_per_minute,
        edition=edition,
        shuffle_ties=shuffle_ties,
        seed=seed,
    ) as server:
        print(
            f"Sample analytics API (Formbricks release {release}, {edition} edition) with "
            f"{dataset.response_count} responses at {server.base_url}",
            flush=True,
        )
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
