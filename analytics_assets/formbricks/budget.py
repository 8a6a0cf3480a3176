"""The client-side request budget: 100 requests a minute per key, shared by every process.

The hosted API answers 429 past 100 requests a minute per key. A long backfill that paces itself
never meets one. The budget is a pyrate-limiter SQLite bucket in the Dagster instance's folder,
so runs and the sensor, in whatever process, take tokens from one bucket; requests-ratelimiter
mounts it on the HTTP session (`client.py`).
"""

import threading
from dataclasses import dataclass
from pathlib import Path

from pyrate_limiter import Duration, Limiter, Rate, SQLiteBucket
from requests_ratelimiter.buckets import HostBucketFactory

from analytics_assets.formbricks import settings

# Longest wait for the budget's leak thread to stop (it wakes every 0.3 s).
LEAK_THREAD_JOIN_SECONDS = 5.0


@dataclass(frozen=True)
class RequestBudget:
    """A client-side request budget shared by every process that uses the same state file.

    Attributes:
        requests: Requests allowed per period.
        period_seconds: Length of the rolling window.
        state_path: SQLite file holding the budget, shared between processes (runs and sensor).
        max_wait_seconds: Longest wait for the budget before a request gives up; None waits.
    """

    requests: int
    period_seconds: float
    state_path: Path
    max_wait_seconds: float | None = None


def budget_window_ms(period_seconds: float) -> int:
    """The budget's window: the API's, plus a margin (2%, at least 0.25 s).

    A token is taken when a request leaves; the API counts it when it arrives. Without the
    margin, a request held up in between (a busy machine, a slow network) lands inside the
    API's next window together with a full window's worth of later requests, and meets a 429.
    """
    period_ms = Duration.SECOND * period_seconds
    return int(period_ms + max(250, 0.02 * period_ms))


def budget_limiter(budget: RequestBudget) -> Limiter:
    """The pyrate-limiter `Limiter` of a budget, over its shared SQLite file."""
    budget.state_path.parent.mkdir(parents=True, exist_ok=True)
    return Limiter(
        HostBucketFactory(
            rates=[Rate(budget.requests, budget_window_ms(budget.period_seconds))],
            bucket_class=SQLiteBucket,
            bucket_init_kwargs={"path": budget.state_path, "use_file_lock": True},
            bucket_name=settings.SOURCE_NAME,
        ),
        buffer_ms=50,
    )


def leak_thread(limiter: Limiter) -> threading.Thread | None:
    """The thread pyrate-limiter runs to leak tokens from the limiter's buckets, if any.

    pyrate-limiter offers no public handle on it (its `BucketFactory` keeps it as
    `_leaker._thread`), and `Limiter.close()` stops it without waiting. This is the one place
    that reaches into it; `test_request_budget.py` fails loudly if an upgrade moves it.
    """
    leaker = getattr(limiter.bucket_factory, "_leaker", None)
    thread = getattr(leaker, "_thread", None)
    return thread if isinstance(thread, threading.Thread) else None


def close_limiter(limiter: Limiter) -> None:
    """Close a limiter and wait for its leak thread.

    A leak still in flight would otherwise touch the budget file after the caller moved on, and
    fail in the thread if the instance folder was removed (a test's temporary instance, for one).
    """
    thread = leak_thread(limiter)
    limiter.close()
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout=LEAK_THREAD_JOIN_SECONDS)
