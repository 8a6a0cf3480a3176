"""The run's ledger: which endpoints this server and key offered, the ids read, and what a
refusal means.

A Formbricks server does not offer every endpoint to every key: the community edition refuses
the contacts endpoints (403), Formbricks 5 has no route for the old people path (an HTML 404),
and a key may lack access to something. One refused endpoint must not take the others down, so
each endpoint's response hook (`EndpointGuard`) records a 403 or 404 here and lets the run go
on without that endpoint, except where nothing useful can be built without it or where the
answer says the settings are wrong. `RunLedger.refuse` holds those rules in one place:

- surveys or responses refused: the run fails (nothing useful without them);
- a 404 before anything answered, on surveys (which every Formbricks version serves): the base
  URL is wrong; and after a run in which every endpoint answered 404, the same;
- a generation pinned with `ANALYTICS_API_GENERATION` that the answers contradict: the run
  fails, saying so;
- anything else: the endpoint is unavailable; its asset is materialized with no rows and a
  warning names the endpoint, the status and the server's message.

dlt's `response_actions` can ignore a status, but cannot tell the asset what it ignored or why;
this module does both through dlt's public `IgnoreResponseException`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import orjson
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.client import raise_for_status
from dlt.sources.helpers.rest_client.exceptions import IgnoreResponseException
from dlt.sources.helpers.rest_client.paginators import SinglePagePaginator
from jsonpath_ng.ext import parse as parse_json_path
from requests import Response

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.envelope import check_envelope
from analytics_assets.formbricks.errors import (
    AnalyticsApiError,
    ApiGenerationError,
    EndpointUnavailableError,
    SettingNames,
    WrongBaseUrlError,
    wrong_base_url_message,
)

# Longest server message quoted in a refusal: enough for any Formbricks error, never a page.
MESSAGE_LIMIT = 200
# The community edition's answer on the contacts endpoints (a 3.0+ server, whatever the path).
CONTACTS_ENTERPRISE_ONLY = "Contacts are only enabled for Enterprise Edition"
# The records' place in a page, compiled once with the JSONPath library dlt compiles selectors
# with: dlt compiles a string selector again for every page (about a millisecond each, building
# the parser), 1,000 times for 100,000 responses.
DATA_PATH = parse_json_path(settings.DATA_SELECTOR)


@dataclass(frozen=True)
class Refusal:
    """An endpoint the server or key does not offer in this run.

    Attributes:
        resource: The resource that asked, or None for the generation probe.
        path: The path asked, e.g. "/v1/management/contacts".
        status: 403 or 404.
        message: The server's own words: the `message` of its JSON error, or what kind of page
            it sent instead (never the page itself).
        from_api: The answer is the API's JSON error, not a page of a proxy or of Next.js.
    """

    resource: str | None
    path: str
    status: int
    message: str
    from_api: bool = True

    @classmethod
    def from_response(cls, resource: str | None, response: Response) -> "Refusal":
        """The refusal a 403 or 404 response stands for."""
        message, from_api = _server_message(response)
        return cls(
            resource=resource,
            path=urlsplit(response.url).path.removeprefix(_api_root(response)),
            status=response.status_code,
            message=message,
            from_api=from_api,
        )

    @property
    def reason(self) -> str:
        """`HTTP 403: <the server's message>`, for metadata and logs (no final period)."""
        return f"HTTP {self.status}: {self.message.rstrip('.')}"


def _api_root(response: Response) -> str:
    """The part of the URL's path before `/v1/` (e.g. "/api"), so paths read as in the docs."""
    path = urlsplit(response.url).path
    index = path.find("/v1/")
    return path[:index] if index > 0 else ""


def _server_message(response: Response) -> tuple[str, bool]:
    """The message of the API's JSON error and True, or what was sent instead and False."""
    content_type = response.headers.get("Content-Type", "none")
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"][:MESSAGE_LIMIT], True
    if "html" in content_type and response.status_code == 404:
        return "an HTML page instead of the API's JSON (no such route on this server)", False
    if "html" in content_type:
        return "an HTML page instead of the API's JSON (a proxy or a login page?)", False
    return f"a body without the API's error message (Content-Type: {content_type})", False


@dataclass
class RunLedger:
    """The ledger of one run: the paths that answered, the refusals, and the ids each resource
    yielded. It is made by the asset and handed to every part of the source that records into it.

    Attributes:
        generation: The API generation the run reads (`legacy` or `current`).
        setting: `ANALYTICS_API_GENERATION` as resolved: `auto`, `legacy` or `current`.
    """

    generation: str
    setting: str = settings.GENERATION_AUTO
    answered: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    # False when the probe failed and the run goes on without knowing the generation.
    generation_known: bool = True
    # Ids of the rows each resource yielded in this run (what a complete read returned); not
    # kept for responses in an incremental sync, which reads a window.
    seen: dict[str, set[str]] = field(default_factory=dict)
    # Records read but not yet handed to dlt, by resource (`arrow/batches.py` holds a batch).
    held: dict[str, int] = field(default_factory=dict)
    # The instance's settings, named in the errors the ledger gives.
    setting_names: SettingNames = field(default_factory=SettingNames)

    def id_recorder(self, resource: str) -> Callable[[Any], Any]:
        """A dlt map step that notes the `id` of every row `resource` yields, unchanged."""
        ids = self.seen.setdefault(resource, set())

        def record(row: Any) -> Any:
            if isinstance(row, dict):
                ids.add(row.get(settings.PRIMARY_KEY))
            return row

        return record

    @property
    def pinned(self) -> bool:
        return self.setting != settings.GENERATION_AUTO

    def record_answer(self, path: str) -> None:
        """A path answered with the API's envelope."""
        self.answered.append(path)

    def refused_resources(self) -> dict[str, Refusal]:
        """Each resource's first refusal in this run."""
        by_resource: dict[str, Refusal] = {}
        for refusal in self.refusals:
            if refusal.resource is not None:
                by_resource.setdefault(refusal.resource, refusal)
        return by_resource

    def refuse(self, refusal: Refusal) -> AnalyticsApiError | None:
        """Record a refusal; return the error that ends the run, or None to go on without it."""
        self.refusals.append(refusal)
        nothing_answered = not self.answered
        if refusal.status == 404 and nothing_answered and refusal.resource == "surveys":
            return WrongBaseUrlError(
                wrong_base_url_message(self._paths_not_found(), self.setting_names)
            )
        mismatch = self._generation_mismatch(refusal)
        if mismatch is not None:
            if refusal.status == 404 and nothing_answered:
                mismatch += (
                    f" If every endpoint answers 404, check {self.setting_names.base_url} instead."
                )
            return ApiGenerationError(mismatch)
        if refusal.resource in settings.REQUIRED_RESOURCES:
            if refusal.status == 404 and nothing_answered:
                return WrongBaseUrlError(
                    wrong_base_url_message(self._paths_not_found(), self.setting_names)
                )
            return EndpointUnavailableError(self._required_message(refusal))
        return None

    def error_after_run(self) -> AnalyticsApiError | None:
        """The error of a run whose every request answered 404 (only optional endpoints asked)."""
        if self.answered or not any(r.status == 404 for r in self.refusals):
            return None
        if any(r.status != 404 for r in self.refusals):
            return None
        return WrongBaseUrlError(
            wrong_base_url_message(self._paths_not_found(), self.setting_names)
        )

    def _paths_not_found(self) -> list[str]:
        return list(dict.fromkeys(r.path for r in self.refusals if r.status == 404))

    def _generation_mismatch(self, refusal: Refusal) -> str | None:
        says_contacts = CONTACTS_ENTERPRISE_ONLY in refusal.message
        if self.generation == settings.GENERATION_LEGACY and refusal.resource in (
            "attribute_classes",
            "identified_peoples",
        ):
            if says_contacts or (self.pinned and refusal.status == 404):
                return (
                    f"{self._expected()}, but GET {refusal.path} answered {refusal.reason}. "
                    "This server is Formbricks 3.0 or later, which removed that route (5.x) or "
                    "answers it with contacts (3.x and 4.x). Set "
                    f"{settings.ENV_API_GENERATION}=auto (or current)."
                )
        if (
            self.generation == settings.GENERATION_CURRENT
            and self.pinned
            and refusal.path in settings.CURRENT_PEOPLE_PATHS
            and refusal.status == 404
        ):
            return (
                f"{self._expected()}, but GET {refusal.path} answered HTTP 404: this server has "
                "no contacts endpoints, so it is Formbricks 2.7 or older. Set "
                f"{settings.ENV_API_GENERATION}=auto (or legacy)."
            )
        return None

    def _expected(self) -> str:
        if self.pinned:
            return f"{settings.ENV_API_GENERATION}={self.setting}"
        return f"The API was detected as {settings.GENERATION_LABELS[self.generation]}"

    def _required_message(self, refusal: Refusal) -> str:
        access = (
            f" The key may lack read access to this workspace; check {self.setting_names.api_key}."
            if refusal.status == 403
            else ""
        )
        return (
            f"GET {refusal.path} answered {refusal.reason}. The analytics need "
            f"{refusal.resource}: nothing useful can be loaded without them.{access}"
        )

    def mismatched_records(self, resource: str, path: str, what: str) -> ApiGenerationError:
        """The error for records of the other generation on a legacy path (a 3.x/4.x rewrite)."""
        return ApiGenerationError(
            f"{self._expected()}, but GET {path} answered {what}: this is Formbricks 3.x or 4.x, "
            "which answers the old path with contacts. Set "
            f"{settings.ENV_API_GENERATION}=auto (or current)."
        )


RecordCheck = Callable[[list[dict[str, Any]]], None]


class EndpointGuard:
    """The response hook of one endpoint: the envelope check, and what a 403 or 404 means.

    A refusal the run can go on without raises dlt's `IgnoreResponseException`, so the resource
    yields nothing; one it cannot raises the error `RunLedger.refuse` chose. Statuses the
    retry policy handles (429, 5xx) and other errors pass through untouched.
    """

    def __init__(
        self,
        resource: str,
        ledger: RunLedger,
        check_records: RecordCheck | None = None,
    ) -> None:
        """Args:
        resource: The resource whose requests this hook sees.
        ledger: The run's ledger.
        check_records: Called with each accepted page's records; raises on records that
            belong to the other API generation.
        """
        self.resource = resource
        self.ledger = ledger
        self.check_records = check_records
        self.refusal: Refusal | None = None

    def __call__(self, response: Response, *args: Any, **kwargs: Any) -> Response:
        if response.status_code in settings.REFUSAL_STATUSES:
            self.refusal = Refusal.from_response(self.resource, response)
            error = self.ledger.refuse(self.refusal)
            if error is not None:
                raise error
            raise IgnoreResponseException
        if not response.ok or response.is_redirect:
            # requests follows a redirect after the hooks saw it, and runs them on the answer.
            return response
        check_envelope(response)
        if self.check_records is not None:
            self.check_records(response.json()[settings.DATA_SELECTOR])
        self.ledger.record_answer(urlsplit(response.url).path)
        return response


def fetch_records(
    client: RESTClient,
    path: str,
    guard: EndpointGuard,
) -> list[dict[str, Any]] | Refusal:
    """Every record of an unpaged endpoint, or the refusal the guard recorded for it.

    Args:
        client: dlt's REST client of the run (the retrying session, the key).
        path: The endpoint's path below the base URL.
        guard: The endpoint's guard.
    """
    records: list[dict[str, Any]] = []
    # Hooks given to `paginate` replace its status check, so dlt's own goes after the guard.
    hooks = {"response": [guard, raise_for_status]}
    for page in client.paginate(
        path, paginator=SinglePagePaginator(), data_selector=DATA_PATH, hooks=hooks
    ):
        records.extend(page)
    return guard.refusal if guard.refusal is not None else records


def refusal_for(resource: str, refusal: Refusal, ledger: RunLedger) -> Refusal:
    """Record, for `resource`, a refusal another request of this run already met; raise if the
    rules say the run cannot go on."""
    own = replace(refusal, resource=resource)
    error = ledger.refuse(own)
    if error is not None:
        raise error
    return own
