"""The wait a 429 without `Retry-After` gets: until the API's next clock window, plus a margin.

The API counts requests in fixed windows aligned to the wall clock (counter key
`floor(now / window)`), so a 429 at second 50 of a minute frees up at the next minute, 10 s
later, not a whole window later. The session's adapter (`client.py`) writes that wait into the
response as `Retry-After`, which dlt's retrying client honours.

Fast: a fake clock on the adapter, hand-built urllib3 responses, no socket.
"""

import io
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import urllib3
from dlt.sources.helpers.requests.retry import wait_exponential_retry_after
from requests import PreparedRequest, Request, Response
from requests.adapters import HTTPAdapter

from analytics_assets.formbricks import client, settings
from analytics_assets.formbricks.budget import RequestBudget, close_limiter

URL = "https://formbricks.example/api/v1/management/responses"
# The start of a clock minute (and so of every window whose length divides 60 s).
MINUTE = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()
MARGIN = client.RATE_LIMIT_WAIT_MARGIN_SECONDS
WINDOW = settings.DEFAULT_RATE_LIMIT_WINDOW_SECONDS


@pytest.fixture(params=["plain", "budget"])
def make_adapter(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., HTTPAdapter]]:
    """`make_adapter(now, window_seconds=60)`: the session's adapter, its clock stopped at `now`.

    Both adapters a session mounts: without the request budget, and with it.
    """
    limiters = []

    def make(now: float, window_seconds: float = WINDOW) -> HTTPAdapter:
        if request.param == "plain":
            adapter: HTTPAdapter = client.RateLimitWindowAdapter()
            adapter.rate_limit_window_seconds = window_seconds  # type: ignore[attr-defined]
        else:
            budget = RequestBudget(100, window_seconds, tmp_path / "budget.sqlite")
            adapter = client._budget_adapter(budget, window_seconds)
            limiters.append(adapter.limiter)  # type: ignore[attr-defined]
        adapter.clock = lambda: now  # type: ignore[attr-defined]
        return adapter

    yield make
    for limiter in limiters:
        close_limiter(limiter)


def _answer(adapter: HTTPAdapter, status: int, headers: dict[str, str] | None = None) -> Response:
    """What `adapter` builds from the raw answer `status` with `headers`, as `send` does."""
    raw = urllib3.HTTPResponse(
        body=io.BytesIO(b'{"code": "too_many_requests"}'),
        headers={"Content-Type": "application/json", **(headers or {})},
        status=status,
        preload_content=False,
    )
    prepared: PreparedRequest = Request("GET", URL).prepare()
    return adapter.build_response(prepared, raw)


def _retry_after(adapter: HTTPAdapter) -> int:
    value = _answer(adapter, 429).headers["Retry-After"]
    assert value.isdigit(), f"dlt reads only whole seconds, got {value!r}"
    return int(value)


def test_a_429_at_second_50_waits_for_the_next_minute_not_a_whole_one(make_adapter) -> None:
    wait = _retry_after(make_adapter(MINUTE + 50))

    assert wait == math.ceil(10 + MARGIN)
    assert 10 + MARGIN <= wait <= 15


def test_a_429_just_after_the_minute_starts_waits_almost_the_whole_window(make_adapter) -> None:
    wait = _retry_after(make_adapter(MINUTE + 0.5))

    assert wait == math.ceil(59.5 + MARGIN)
    # It lands after the boundary, by the margin at least.
    assert MINUTE + 0.5 + wait >= MINUTE + WINDOW + MARGIN


@pytest.mark.parametrize("second", [0.0, 0.25, 17.0, 29.9, 45.5, 58.999, 59.999])
def test_the_retry_lands_just_after_the_next_boundary_whatever_the_second(
    make_adapter, second: float
) -> None:
    now = MINUTE + second
    wait = _retry_after(make_adapter(now))

    next_boundary = MINUTE + WINDOW
    assert wait >= client.RATE_LIMIT_MIN_WAIT_SECONDS
    # Rounded up to whole seconds: the margin is 1 s at least, under 2 s in effect.
    assert next_boundary + MARGIN <= now + wait < next_boundary + MARGIN + 1
    # Never as late as the window after the next one.
    assert now + wait < next_boundary + WINDOW


@pytest.mark.parametrize(
    ("offset", "next_boundary"),
    [(0.0, 6.0), (1.0, 6.0), (4.5, 6.0), (6.2, 12.0), (11.9, 12.0), (12.0, 18.0), (25.0, 30.0)],
)
def test_a_scaled_window_aligns_to_its_own_multiples_of_the_clock(
    make_adapter, offset: float, next_boundary: float
) -> None:
    now = MINUTE + offset
    wait = _retry_after(make_adapter(now, window_seconds=6.0))

    expected = max(
        client.RATE_LIMIT_MIN_WAIT_SECONDS, math.ceil(next_boundary - offset + MARGIN)
    )
    assert wait == expected
    assert now + wait >= MINUTE + next_boundary + MARGIN


@pytest.mark.parametrize("retry_after", ["3", "120", "Wed, 21 Oct 2026 07:28:00 GMT"])
def test_a_retry_after_the_api_sends_is_kept(make_adapter, retry_after: str) -> None:
    answer = _answer(make_adapter(MINUTE + 50), 429, {"Retry-After": retry_after})

    assert answer.headers["Retry-After"] == retry_after


@pytest.mark.parametrize("status", [200, 404, 500, 503])
def test_other_statuses_get_no_retry_after(make_adapter, status: int) -> None:
    assert "Retry-After" not in _answer(make_adapter(MINUTE + 50), status).headers


@pytest.mark.parametrize("window_seconds", [1.0, 3.0, 6.0, 60.0])
def test_the_wait_is_never_0_nor_below_the_minimum(window_seconds: float) -> None:
    # Every tenth of a second of two windows, the instants just before a boundary included.
    instants = [MINUTE + i / 10 for i in range(int(20 * window_seconds))]
    instants += [MINUTE + window_seconds - 1e-6, MINUTE + window_seconds - 1e-3]
    waits = {client.window_wait_seconds(now, window_seconds) for now in instants}

    assert min(waits) >= client.RATE_LIMIT_MIN_WAIT_SECONDS > 0
    assert max(waits) <= client.longest_window_wait_seconds(window_seconds)


def test_dlt_honours_every_wait_the_adapter_writes_as_it_stands() -> None:
    """dlt parses `Retry-After` as whole seconds (`^\\s*[0-9]+\\s*$`; a float or 0 falls back
    to the backoff) and clamps it to the session's longest wait: no wait may be cut."""
    session = client.build_retrying_session()
    wait = session.send.retry.wait  # type: ignore[attr-defined]
    assert isinstance(wait, wait_exponential_retry_after)
    assert wait.max >= client.longest_window_wait_seconds(WINDOW)

    for tenth in range(600):
        header = str(client.window_wait_seconds(MINUTE + tenth / 10, WINDOW))
        assert wait._parse_retry_after(header) == int(header)
    # What the adapter must never send: dlt does not read it as the wait.
    assert wait._parse_retry_after("10.5") is None
    assert wait._parse_retry_after("0") is None


def _attempts_through_a_storm(start: float, storm_seconds: float, window: float) -> int:
    """Attempts a request makes when every attempt inside [start, start + storm) gets a 429."""
    now, attempts = start, 1
    while now < start + storm_seconds:
        now += client.window_wait_seconds(now, window)
        attempts += 1
    return attempts


def test_the_default_retries_ride_out_a_45_s_storm_whatever_second_it_starts() -> None:
    attempts = {
        _attempts_through_a_storm(MINUTE + tenth / 10, 45.0, WINDOW) for tenth in range(600)
    }

    # A storm that starts early in a minute ends before the next one; a later one needs a
    # second retry, one window on. Never more than two retries, of the three the policy allows.
    assert attempts == {2, 3}
    assert max(attempts) <= settings.DEFAULT_MAX_RETRIES + 1


def test_the_session_clamps_no_window_wait_even_with_a_short_max_delay() -> None:
    session = client.build_retrying_session(max_retry_delay_seconds=5.0)

    wait = session.send.retry.wait  # type: ignore[attr-defined]
    assert wait.max == client.longest_window_wait_seconds(WINDOW)
