"""The sample API's rate limits: fixed windows aligned to the clock, one counter per limiter and
key, as Formbricks counts them.

Read from the Formbricks source (`apps/web/modules/core/rate-limit/rate-limit.ts`,
`rate-limit-configs.ts`, `envoy-rate-limit-coverage.ts`, `app/lib/api/with-api-logging.ts`,
`modules/api/v2/auth/api-wrapper.ts` at 4.9.7, 5.3.4 and 5.4.0-rc.1):

- The app counts in Redis under a key holding `floor(now / interval)`: a fixed window aligned to
  the clock, not a sliding one. Every request increments the counter, rejected ones included, so
  a burst that overshoots stays refused until the window ends. Each limiter (`api:v1`, `api:v2`)
  has its own counter: 100 per 60 s per API key.
- v2 (`apiWrapper`) limits after the key and the query were checked, so 401s and 422s are free.
- v1, 4.x: the app limits every management route itself (`withV1ApiWrapper`). 5.x leaves the
  paths under `/api/v1/management/` and `/api/v1/webhooks/` to the hosted Envoy and limits the
  rest itself, so `GET /api/v1/webhooks` (no trailing slash) is limited by the app even on a
  self-hosted server without Envoy.
- Envoy (hosted) also counts fixed windows per `x-api-key`; `rate_limit_per_minute` stands for it.
  The sample applies it to every v1 route, `/v1/webhooks` included: harsher than the real policy
  (whose prefix misses that path), never kinder.

None of the 429s carries `Retry-After`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

__all__ = [
    "APP_LIMIT_PER_MINUTE",
    "APP_V1",
    "ENVOY",
    "V2",
    "V2_LIMIT_PER_MINUTE",
    "FixedWindowLimiter",
    "app_limits_v1",
]

# `rateLimitConfigs.api.v1` and `.v2`: 100 per 60 s.
APP_LIMIT_PER_MINUTE = 100
V2_LIMIT_PER_MINUTE = 100
# Counter names: one count per limiter and key.
ENVOY = "envoy"
APP_V1 = "api:v1"
V2 = "api:v2"


class FixedWindowLimiter:
    """Request counts per (limiter, key) in fixed windows aligned to `clock` (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        """Count in windows of `clock()` seconds (the wall clock; tests pass a fake one)."""
        self.clock = clock
        self._lock = threading.Lock()
        # (limiter, key) -> (window number, requests counted in it)
        self._counts: dict[tuple[str, str], tuple[int, int]] = {}

    def allow(self, limiter: str, key: str, limit: int | None, window_seconds: float) -> bool:
        """Count a request of `key` against `limiter`; whether it is within `limit`.

        Args:
            limiter: The counter's name (`ENVOY`, `APP_V1`, `V2`).
            key: The API key.
            limit: Requests allowed per window; None: no limit (nothing is counted).
            window_seconds: The window's length; windows start at multiples of it.
        """
        if limit is None:
            return True
        window = math.floor(self.clock() / window_seconds)
        with self._lock:
            started, count = self._counts.get((limiter, key), (window, 0))
            count = count + 1 if started == window else 1
            self._counts[(limiter, key)] = (window, count)
        return count <= limit


def app_limits_v1(release: int, endpoint: str) -> bool:
    """Whether the app's own v1 limiter counts a request for `endpoint` on `release`."""
    if release >= 5:
        # Envoy's prefixes end in "/": `/api/v1/webhooks` is the one route the app keeps.
        return endpoint == "webhooks"
    return release == 4
