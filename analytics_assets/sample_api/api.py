"""The management API v1 routes of the sample API: routing, keys, editions, rate limits, and the
answers of each route (unpaged lists, one response, pages of responses); v2's one route is
handed to `v2.py`.

It answers as the real API does, in the same order of checks: Next.js routes first (HTML 404),
then the key (401), the rate limits (429: Envoy's, then the app's own, `limits.py`), the edition
(403) and the method (405). Faults and the request log are the server's (`server.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote

from analytics_assets.sample_api import v2
from analytics_assets.sample_api.envelopes import (
    CONTACTS_REFUSED,
    NOT_AUTHENTICATED,
    NOT_FOUND_CONTENT_TYPE,
    NOT_FOUND_PAGE,
    TOO_MANY_REQUESTS,
    Reply,
    error_reply,
)
from analytics_assets.sample_api.limits import app_limits_v1
from analytics_assets.sample_api.primitives import dumps
from analytics_assets.sample_api.releases import CONTACT_ENDPOINTS

if TYPE_CHECKING:
    from analytics_assets.sample_api.server import SampleApiServer

__all__ = ["API_PREFIX", "RESPONSES_PER_PAGE_WITH_SURVEY", "answer"]

API_PREFIX = "/api"
# The real API pages a survey's responses 25 at a time when `surveyId` is given without `limit`.
RESPONSES_PER_PAGE_WITH_SURVEY = 25
# GET of one response by id (`responses/[responseId]/route.ts`).
_ONE_RESPONSE = "/v1/management/responses/"


def answer(
    app: SampleApiServer, method: str, path: str, query: dict[str, str], headers: dict[str, str]
) -> Reply:
    """The real API's answer to a request that no fault took."""
    if path == API_PREFIX + v2.V2_RESPONSES and app.dataset.release >= 4:
        return v2.answer(app, method, query, headers.get("x-api-key"))
    endpoint, response_id = _route(app, path)
    if endpoint is None:
        return Reply(404, NOT_FOUND_PAGE, content_type=NOT_FOUND_CONTENT_TYPE)
    refusal = _refusal(app, method, endpoint, headers.get("x-api-key"))
    if refusal is not None:
        return refusal
    if response_id is not None:
        return _one_response(app, response_id)
    if endpoint != "responses":
        return Reply(200, app.dataset.table_body(endpoint))
    return _responses_page(app, query)


def _route(app: SampleApiServer, path: str) -> tuple[str | None, str | None]:
    """The endpoint a path serves on this release (None: no route), and a response's id."""
    # Next.js routes first: a path the release has no route for is its HTML 404 page,
    # whatever the key.
    route = path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else None
    if route is None:
        return None, None
    rest = route[len(_ONE_RESPONSE) :]
    if route.startswith(_ONE_RESPONSE) and "/" not in rest:
        return "response", unquote(rest)
    return app.routes.get(route), None


def _refusal(app: SampleApiServer, method: str, endpoint: str, key: str | None) -> Reply | None:
    """Why a request for a route is refused (key, rate limit, edition, method), if it is."""
    release = app.dataset.release
    if key in app.keys_without_workspace and release >= 4:
        # No workspace permissions: authentication fails, except that 5.x lists surveys for
        # organization-only keys (`allowOrganizationOnlyApiKey`), finding none.
        if endpoint == "surveys" and release >= 5 and method == "GET":
            return Reply(200, b'{"data":[]}')
        return Reply(401, NOT_AUTHENTICATED)
    if key != app.api_key:
        return Reply(401, NOT_AUTHENTICATED)
    if not app._allow(key):
        return Reply(429, TOO_MANY_REQUESTS)
    if app_limits_v1(release, endpoint) and not app._allow_app(key):
        return Reply(429, TOO_MANY_REQUESTS)
    if endpoint in CONTACT_ENDPOINTS and app.edition == "community":
        return Reply(403, CONTACTS_REFUSED)
    if method != "GET":
        # The sample is read-only; the real routes have POST too, but no client here uses it.
        message = f"The HTTP {method} method is not supported by this route."
        return error_reply(405, message, {"allowed_methods": ["GET"]})
    return None


def _one_response(app: SampleApiServer, response_id: str) -> Reply:
    """`GET /responses/{id}`: the record, or what the release says of one it does not have."""
    record = app.dataset.response(response_id)
    if record is not None:
        return Reply(200, dumps({"data": record}))
    if app.dataset.release < 3:
        # 2.7 turns a missing response into "Unauthorized" (`fetchAndValidateResponse`).
        message = "You are not authorized to access this resource"
        return Reply(401, dumps({"code": "unauthorized", "message": message, "details": {}}))
    details = {"resource_id": response_id, "resource_type": "Response"}
    return error_reply(404, "Response not found", details)


def _page_numbers(query: dict[str, str]) -> dict[str, int | None] | Reply:
    """`limit` and `skip` of a page request (None: absent), or the 400 a bad one gets."""
    numbers: dict[str, int | None] = {}
    for name in ("limit", "skip"):
        raw = query.get(name, "")
        # An empty parameter counts as absent, as in the real API (`searchParams.get(...) ?`).
        if raw == "":
            numbers[name] = None
        elif raw.isascii() and raw.isdigit():
            numbers[name] = int(raw)
        else:
            return error_reply(
                400,
                "Fields are missing or incorrectly formatted",
                {name: f"Expected a non-negative integer, received '{raw}'"},
            )
    return numbers


def _responses_page(app: SampleApiServer, query: dict[str, str]) -> Reply:
    numbers = _page_numbers(query)
    if isinstance(numbers, Reply):
        return numbers
    limit, skip = numbers["limit"], numbers["skip"] or 0
    survey_id = query.get("surveyId") or None
    dataset = app.dataset
    if survey_id is None:
        # The real API treats limit=0 like no limit (`take: limit ? limit : undefined`).
        rng = app._tie_shuffler()
        return Reply(200, dataset.responses_body(skip=skip, limit=limit or None, shuffle_ties=rng))
    if not dataset.has_survey(survey_id):
        details = {"resource_id": survey_id, "resource_type": "Survey"}
        return error_reply(404, "Survey not found", details)
    # With a survey the real API defaults to a page of 25, and limit=0 is an empty page.
    page = RESPONSES_PER_PAGE_WITH_SURVEY if limit is None else limit
    return Reply(200, dataset.responses_body(skip=skip, limit=page, survey_id=survey_id))
