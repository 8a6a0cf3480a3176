"""What the sample API answers with: the reply a handler sends, and the real API's error
envelopes and HTML 404 page, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from analytics_assets.sample_api.primitives import dumps

__all__ = [
    "CONTACTS_REFUSED",
    "CONTACTS_REFUSED_MESSAGE",
    "NOT_AUTHENTICATED",
    "NOT_FOUND",
    "NOT_FOUND_CONTENT_TYPE",
    "NOT_FOUND_PAGE",
    "OK",
    "TOO_MANY_REQUESTS",
    "Reply",
    "error_body",
    "error_reply",
]


@dataclass
class Reply:
    """An answer to one request, before it is written to the socket."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering (see `SampleApiServer.queue_fault`).
    delay: float = 0.0
    drop_connection: bool = False


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


def error_body(
    status: int, message: str | None = None, details: dict[str, Any] | None = None
) -> bytes:
    """The real API's `{"code", "message", "details"}` envelope for `status`."""
    code, default_message = _ERROR_CODES.get(status, ("internal_server_error", None))
    if default_message is None:
        try:
            default_message = HTTPStatus(status).phrase
        except ValueError:
            default_message = "Internal Server Error"
    return dumps({"code": code, "message": message or default_message, "details": details or {}})


def error_reply(
    status: int, message: str | None = None, details: dict[str, Any] | None = None
) -> Reply:
    """A reply of `status` with its error envelope."""
    return Reply(status, error_body(status, message, details))


NOT_AUTHENTICATED = dumps(
    {
        "code": "not_authenticated",
        "message": "Not authenticated",
        "details": {"x-Api-Key": "Header not provided or API Key invalid"},
    }
)
TOO_MANY_REQUESTS = error_body(429)
NOT_FOUND = error_body(404)
# `getIsContactsEnabled` false: the community edition, after the key was accepted.
CONTACTS_REFUSED_MESSAGE = "Contacts are only enabled for Enterprise Edition, please upgrade."
CONTACTS_REFUSED = error_body(403, CONTACTS_REFUSED_MESSAGE)
# What the control endpoints answer when they have nothing else to say.
OK = dumps({"ok": True})
