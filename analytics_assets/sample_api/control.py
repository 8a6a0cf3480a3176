"""The sample API's control surface under `/_sample/`: lets tests that run the loader in another
process add and edit responses, delete records, queue faults and read request counts.

`POST /_sample/edits` (`{"ids", "fields", "at"?}`) edits many responses with one shared
`updatedAt`; `POST /_sample/edits/finish` (`{"ids"}` or `{"old": n}`, `"at"?`) finishes them and
changes an NPS answer, on `n` old responses if no ids are given.

It needs no key and its requests are not recorded, so what a test does here never shows in the
request counts it asserts on.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from analytics_assets.sample_api.envelopes import NOT_FOUND, OK, Reply, error_reply
from analytics_assets.sample_api.primitives import dumps

if TYPE_CHECKING:
    from analytics_assets.sample_api.server import SampleApiServer

__all__ = ["CONTROL_PREFIX", "answer"]

CONTROL_PREFIX = "/_sample"


def answer(
    app: SampleApiServer, method: str, path: str, query: dict[str, str], body: bytes
) -> Reply:
    """The answer to a control request (400 for one it cannot carry out, 404 for no route)."""
    route = path[len(CONTROL_PREFIX) :]
    try:
        payload = json.loads(body) if body.strip() else {}
    except ValueError:
        return error_reply(400, "Body is not JSON")
    try:
        return _dispatch(app, method, route, query, payload)
    except (AttributeError, KeyError, ValueError, TypeError) as error:
        return error_reply(400, f"Bad control request: {error}")


def _dispatch(
    app: SampleApiServer, method: str, route: str, query: dict[str, str], payload: Any
) -> Reply:
    if method == "GET" and route == "/stats":
        return Reply(200, dumps(app.stats()))
    if method == "POST" and route == "/responses":
        count = int(query.get("count") or payload.get("count") or 1)
        at = _moment(query.get("at") or payload.get("at"))
        return Reply(200, dumps({"ids": app.dataset.add_responses(count, at=at)}))
    if method == "POST" and route.startswith("/responses/"):
        return _edit_response(app, unquote(route[len("/responses/") :]), payload)
    if method == "POST" and route in ("/edits", "/edits/finish"):
        return _edit_many(app, route, payload)
    if method == "POST" and route == "/faults":
        _queue_fault(app, payload)
        return Reply(200, OK)
    if method == "POST" and route == "/delete":
        deleted = app.dataset.delete(payload["endpoint"], payload["ids"])
        return Reply(200, dumps({"responses_deleted": deleted}))
    if method == "DELETE" and route == "/faults":
        app.clear_faults()
        return Reply(200, OK)
    if method == "POST" and route == "/requests/reset":
        app.reset_requests()
        return Reply(200, OK)
    return Reply(404, NOT_FOUND)


def _edit_response(app: SampleApiServer, response_id: str, payload: Any) -> Reply:
    if not isinstance(payload, dict):
        return error_reply(400, "Body must be a JSON object")
    try:
        record = app.dataset.edit_response(response_id, **payload)
    except KeyError:
        return error_reply(404, "Response not found")
    return Reply(200, dumps(record))


def _edit_many(app: SampleApiServer, route: str, payload: Any) -> Reply:
    """`edit_responses` or `finish_and_change_answers`, with a JSON body's arguments."""
    if not isinstance(payload, dict):
        return error_reply(400, "Body must be a JSON object")
    at = _moment(payload.get("at"))
    dataset = app.dataset
    if route == "/edits":
        records = dataset.edit_responses(payload["ids"], at=at, **payload.get("fields", {}))
    else:
        ids = payload.get("ids") or dataset.old_response_ids(int(payload.get("old", 1)))
        records = dataset.finish_and_change_answers(ids, at=at)
    return Reply(200, dumps({"data": records}))


def _moment(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None


def _queue_fault(app: SampleApiServer, payload: dict[str, Any]) -> None:
    """`SampleApiServer.queue_fault` with the arguments a JSON body gives."""
    raw_body = payload.get("body")
    app.queue_fault(
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
