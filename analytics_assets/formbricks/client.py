"""The HTTP session every request goes through: dlt's retrying client, the budget, the 429 wait.

The retry policy lives here: 429, 500, 502, 503 and 504, timeouts and dropped connections are
retried by dlt's `Client` (3 retries, waits of 2, 4 and 8 s, `Retry-After` honoured); the API's
429 carries no `Retry-After`, so the session's adapter supplies one: the time to the start of
the API's next rate-limit window, which is aligned to the clock. The request budget
(`budget.py`) is mounted on the same adapter. The API key never follows a redirect to another
host.
"""

import math
import time
from collections.abc import Callable
from typing import Any, Final

from dlt.sources.helpers.requests import Client
from requests import PreparedRequest, Response, Session
from requests.adapters import HTTPAdapter
from requests.exceptions import ChunkedEncodingError, ConnectionError, Timeout
from requests_ratelimiter import LimiterAdapter

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.budget import RequestBudget, budget_limiter, close_limiter


# A 429 without Retry-After waits for the API's next window, plus this margin: the client's and
# the server's clocks disagree a little, and a retry that lands before the server's boundary
# meets the spent window again. dlt reads Retry-After as whole seconds (a float is silently
# ignored, and 0 means "no hint"), so the wait is rounded up: the margin is 1 to 2 s in effect.
RATE_LIMIT_WAIT_MARGIN_SECONDS: Final = 1.0
# The shortest such wait, in whole seconds. Never 0: dlt before 1.x's fix of #4036 retried a
# `Retry-After: 0` at once, on every attempt; the installed dlt ignores it (back to the backoff).
RATE_LIMIT_MIN_WAIT_SECONDS: Final = 2


def window_wait_seconds(now: float, window_seconds: float) -> int:
    """The `Retry-After` of a 429 without one: whole seconds until the API's next window.

    The API counts requests in fixed windows aligned to the clock (its counter key is
    `floor(now / window)`), so its budget frees up at the next multiple of the window on the
    wall clock, not a window after the 429: a 429 at second 50 of a minute waits about 10 s.

    Args:
        now: The wall-clock time of the 429, in seconds since the epoch (`time.time()`).
        window_seconds: The API's window (60 s; tests shorten it).

    Returns:
        The seconds to the next boundary plus `RATE_LIMIT_WAIT_MARGIN_SECONDS`, rounded up,
        and at least `RATE_LIMIT_MIN_WAIT_SECONDS`.
    """
    until_boundary = window_seconds - now % window_seconds
    wait = math.ceil(until_boundary + RATE_LIMIT_WAIT_MARGIN_SECONDS)
    return max(RATE_LIMIT_MIN_WAIT_SECONDS, wait)


def longest_window_wait_seconds(window_seconds: float) -> int:
    """The longest `window_wait_seconds` can be: a 429 just after a boundary waits this long."""
    return max(
        RATE_LIMIT_MIN_WAIT_SECONDS, math.ceil(window_seconds + RATE_LIMIT_WAIT_MARGIN_SECONDS)
    )


class _RateLimitWindowMixin:
    """Gives a 429 without `Retry-After` the time to the API's next window as its `Retry-After`.

    The API's 429 says nothing about when to come back, and its budget is per key in fixed
    windows aligned to the clock: when another client of the key spent it, only the next window
    helps, and the 2, 4 and 8 s of the backoff run out inside the current one. dlt's retrying
    client honours `Retry-After`, so the adapter, which builds every response, supplies one
    (`window_wait_seconds`). A `Retry-After` the API sends is kept. (`build_response` is the
    adapter's documented extension point.)

    Attributes:
        rate_limit_window_seconds: The API's window.
        clock: The wall clock the window is aligned to; tests give an adapter a fake one.
    """

    rate_limit_window_seconds: float = settings.DEFAULT_RATE_LIMIT_WINDOW_SECONDS
    clock: Callable[[], float] = staticmethod(time.time)

    def build_response(self, req: PreparedRequest, resp: Any) -> Response:
        response = super().build_response(req, resp)  # type: ignore[misc]
        if response.status_code == 429 and "Retry-After" not in response.headers:
            wait = window_wait_seconds(self.clock(), self.rate_limit_window_seconds)
            response.headers["Retry-After"] = str(wait)
        return response


class RateLimitWindowAdapter(_RateLimitWindowMixin, HTTPAdapter):
    """requests' adapter, waiting out the API's window on a 429 without `Retry-After`."""


class BudgetAdapter(_RateLimitWindowMixin, LimiterAdapter):
    """requests-ratelimiter's adapter (the request budget), with the same 429 handling."""


def _budget_adapter(budget: RequestBudget, window_seconds: float) -> LimiterAdapter:
    adapter = BudgetAdapter(
        limiter=budget_limiter(budget),
        per_host=False,
        bucket_name=settings.SOURCE_NAME,
        max_delay=budget.max_wait_seconds,
        # A 429 is the retry policy's business: by default the adapter would also fill the
        # shared bucket on one, stalling every process for a whole period.
        limit_statuses=(),
        pool_maxsize=10,
    )
    adapter.rate_limit_window_seconds = window_seconds
    return adapter


def close_session(session: Session) -> None:
    """Close a session from `build_retrying_session`, and its request budget's limiter."""
    limiters = {
        id(adapter.limiter): adapter.limiter
        for adapter in session.adapters.values()
        if isinstance(adapter, LimiterAdapter)
    }
    session.close()
    for limiter in limiters.values():
        close_limiter(limiter)


def _keep_key_on_its_host(session: Session) -> None:
    """Drop the API key from a request that a redirect sends to another host.

    requests strips `Authorization` when a redirect leaves the host (`should_strip_auth`), but
    not other headers: the `x-api-key` header would follow a redirect anywhere. The session's
    `rebuild_auth`, requests' hook for exactly this, now drops it as well.
    """
    rebuild_auth = session.rebuild_auth

    def rebuild_auth_without_key(prepared_request: PreparedRequest, response: Response) -> None:
        if session.should_strip_auth(response.request.url, prepared_request.url):
            prepared_request.headers.pop(settings.API_KEY_HEADER, None)
        rebuild_auth(prepared_request, response)

    session.rebuild_auth = rebuild_auth_without_key  # type: ignore[method-assign]


def build_retrying_session(
    *,
    max_retries: int = settings.DEFAULT_MAX_RETRIES,
    backoff_factor: float = settings.DEFAULT_BACKOFF_FACTOR,
    max_retry_delay_seconds: float = settings.DEFAULT_MAX_RETRY_DELAY_SECONDS,
    request_timeout_seconds: float = settings.DEFAULT_REQUEST_TIMEOUT_SECONDS,
    budget: RequestBudget | None = None,
    rate_limit_window_seconds: float = settings.DEFAULT_RATE_LIMIT_WINDOW_SECONDS,
) -> Session:
    """A requests session that retries transient failures with dlt's retrying client.

    Retries 429, 500, 502, 503, 504, timeouts and dropped connections, honours `Retry-After`,
    and waits `backoff_factor * 2**n` seconds otherwise; a 429 without `Retry-After` waits
    for the API's next rate-limit window to start. Other statuses are returned untouched, so
    the REST client raises on them at once. With a budget, every attempt first takes a token
    from it (requests-ratelimiter over a pyrate-limiter SQLite bucket), so a long backfill
    paces itself instead of running into the API's 429s.

    Args:
        max_retries: Retries after the first attempt (3 means 4 attempts in all).
        backoff_factor: Multiplier of the exponential wait between attempts, in seconds.
        max_retry_delay_seconds: Upper bound of any single wait, `Retry-After` included, but
            never below the longest wait for the next window (`rate_limit_window_seconds`
            plus the margin, rounded up).
        request_timeout_seconds: Connect and read timeout of each attempt.
        budget: Client-side request budget; None sends as fast as the API answers.
        rate_limit_window_seconds: The API's rate-limit window, aligned to the clock: a 429
            without `Retry-After` waits for the next one to start (plus a margin). That wait
            is never cut short by `max_retry_delay_seconds`.
    """
    client = Client(
        request_timeout=request_timeout_seconds,
        raise_for_status=False,
        status_codes=settings.RETRY_STATUS_CODES,
        exceptions=(ConnectionError, Timeout, ChunkedEncodingError),
        request_max_attempts=max_retries + 1,
        request_backoff_factor=backoff_factor,
        request_max_retry_delay=max(
            max_retry_delay_seconds, longest_window_wait_seconds(rate_limit_window_seconds)
        ),
        respect_retry_after_header=True,
    )
    session = client.session
    _keep_key_on_its_host(session)
    if budget is not None:
        adapter: HTTPAdapter = _budget_adapter(budget, rate_limit_window_seconds)
    else:
        adapter = RateLimitWindowAdapter()
        adapter.rate_limit_window_seconds = rate_limit_window_seconds
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
