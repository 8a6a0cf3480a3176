"""`GET /api/v2/management/responses` of the sample API (releases 4 and 5).

Answered as `authenticatedApiClient` / `apiWrapper` (`modules/api/v2/auth/`) and the route
(`modules/api/v2/management/responses/route.ts`) do at 4.9.7 and 5.4.0-rc.1, in their order:

1. The key (401 `{"error": {"code": 401, "message": "Unauthorized"}}`). A key that reaches no
   workspace is refused on 5.x (`authenticateApiKeyFromHeaders`); on 4.x it passes and reads
   the responses of no environment: an empty list.
2. The query (`v2_query.py`; 422 with one detail per zod issue; unknown parameters ignored).
3. The app's v2 rate limit (`limits.py`; 429 `{"error": {"code": 429, "message": "Too Many
   Requests"}}`, no Retry-After). 401s and 422s are not counted.
4. The page: `{"data": [...]}` of raw rows (`v2_view.py`), no `meta` (the route drops the total it
   counts). A fractional `limit` or `skip` passes zod but not Prisma (`take` is an Int): a 500.

Not an Enterprise feature: the community edition serves it too. v2 keeps no Envoy limit, so
`rate_limit_per_minute` does not count it. The sample is read-only: other methods get 405.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analytics_assets.sample_api.envelopes import Reply
from analytics_assets.sample_api.primitives import dumps
from analytics_assets.sample_api.v2_query import V2Query, parse_query

if TYPE_CHECKING:
    from analytics_assets.sample_api.server import SampleApiServer

__all__ = ["V2_RESPONSES", "answer", "v2_error"]

V2_RESPONSES = "/v2/management/responses"
# `successResponse` sends these (cors defaults to true there, and only there).
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization",
}
_MESSAGES = {
    401: "Unauthorized",
    405: "Method Not Allowed",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
# `handleApiError` never tells a client what failed inside.
_INTERNAL = [
    {
        "field": "error",
        "issue": "An error occurred while processing your request. Please try again later.",
    }
]


def v2_error(status: int, details: list[dict[str, str]] | None = None) -> Reply:
    """v2's `{"error": {"code", "message", "details"?}}` envelope (401 and 429 have no details)."""
    error: dict[str, object] = {"code": status, "message": _MESSAGES[status]}
    if details is not None:
        error["details"] = details
    return Reply(status, dumps({"error": error}))


def answer(app: SampleApiServer, method: str, query: dict[str, str], key: str | None) -> Reply:
    """The answer to a request for the v2 responses route, on a release that has it."""
    if method != "GET":
        return v2_error(405)
    key = (key or "").strip()
    release = app.dataset.release
    orphan = key in app.keys_without_workspace
    if (orphan and release >= 5) or (not orphan and key != app.api_key):
        return v2_error(401)
    parsed = parse_query(
        query, date_filter=app.v2_date_filter, zod=3 if not app.v2_date_filter else 4
    )
    if not isinstance(parsed, V2Query):
        return v2_error(422, parsed)
    if not app._allow_v2(key):
        return v2_error(429)
    if not (float(parsed.limit).is_integer() and float(parsed.skip).is_integer()):
        return v2_error(500, _INTERNAL)
    if orphan:
        return Reply(200, b'{"data":[]}', headers=dict(_CORS))
    body = app.dataset.v2_responses_body(parsed, app._v2_tie_shuffler())
    return Reply(200, body, headers=dict(_CORS))
