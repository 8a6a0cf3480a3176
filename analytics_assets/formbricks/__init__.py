"""The dlt source for the analytics API: one typed `rest_api` config, built from its arguments.

`build_source` is the only place the API key meets dlt. It returns a `rest_api_source` with six
resources, one per endpoint, that merge on `id`, reading the paths of the API generation the
server speaks (`generations.py`): on Formbricks 3.0 and later, people and attribute classes come
from the contacts endpoints (`contacts.py`). The parts it assembles each have a module of their
own: paging (`paging.py`), the HTTP session with the retry policy and the request budget
(`client.py`, `budget.py`), each endpoint's response hook with the envelope check and
what a 403 or 404 means (`ledger.py`, `envelope.py`), the answers' long form
(`answers.py`), the responses tables built as Arrow (`arrow/`), and the constants and declared
columns (`settings.py`, `columns.py`).
"""

from typing import Any

from dlt.sources import DltSource
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from dlt.sources.rest_api import rest_api_source
from dlt.sources.rest_api.typing import (
    Endpoint,
    EndpointResource,
    IncrementalConfig,
    RESTAPIConfig,
)
from requests import Session

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.answers import drop_null_objects
from analytics_assets.formbricks.arrow import (
    ResponseBatches,
    ResponseTables,
    declare_nested_tables,
)
from analytics_assets.formbricks.client import build_retrying_session
from analytics_assets.formbricks.columns import survey_questions_hints, table_columns
from analytics_assets.formbricks.contacts import (
    AttributeKeys,
    attribute_classes_resource,
    identified_peoples_resource,
)
from analytics_assets.formbricks.ledger import DATA_PATH, EndpointGuard, RunLedger
from analytics_assets.formbricks.paging import NewestFirstPaginator, ReadProgress


def _responses_incremental(lookback_seconds: float) -> IncrementalConfig:
    """Client-side cursor on `createdAt` for an API that lists newest first and cannot filter.

    `row_order="desc"` makes dlt stop paging at the first row older than the start, and `lag`
    moves the start back by the lookback, so edits to recent responses are read again and merged.
    """
    return {
        "cursor_path": settings.RESPONSES_CURSOR_FIELD,
        "initial_value": settings.RESPONSES_INITIAL_CURSOR,
        "row_order": "desc",
        "lag": lookback_seconds,
    }


def _endpoint_resource(
    name: str,
    path: str,
    guard: EndpointGuard,
    page_size: int,
    responses_lookback_seconds: float | None,
    progress: ReadProgress,
) -> EndpointResource:
    endpoint: Endpoint = {
        "path": path,
        "data_selector": DATA_PATH,
        "paginator": {"type": "single_page"},
        "response_actions": [guard],
    }
    if name == settings.PAGED_RESOURCE:
        endpoint["paginator"] = NewestFirstPaginator(
            limit=page_size,
            offset_param=settings.OFFSET_PARAM,
            limit_param=settings.LIMIT_PARAM,
            order_field=settings.RESPONSES_CURSOR_FIELD,
            progress=progress,
        )
        if responses_lookback_seconds is not None:
            endpoint["incremental"] = _responses_incremental(responses_lookback_seconds)
    steps: list[Any] = []
    if name != settings.PAGED_RESOURCE or responses_lookback_seconds is None:
        # The ids a complete read returned, for deletions. An incremental read of responses is
        # never complete (it reads a window), so it keeps none: a million ids are 100 MB.
        steps.append({"map": guard.ledger.id_recorder(name)})
    if name != settings.PAGED_RESOURCE:
        steps.insert(0, {"map": drop_null_objects})
    return {
        "name": name,
        "endpoint": endpoint,
        "columns": table_columns(name),
        "processing_steps": steps,
    }


def _legacy_people_check(ledger: RunLedger) -> Any:
    """Records of `/people` must be people: 3.x and 4.x answer the old path with contacts."""

    def check(records: list[dict[str, Any]]) -> None:
        # A 2.x person always has `attributes`; contacts never do (3.8 to 3.15 kept `userId`).
        if records and not any("attributes" in r for r in records):
            raise ledger.mismatched_records(
                "identified_peoples",
                settings.LEGACY_ENDPOINT_PATHS["identified_peoples"],
                "contacts (records without `attributes`)",
            )

    return check


def _legacy_attribute_classes_check(ledger: RunLedger) -> Any:
    """Records of `/attribute-classes` must be attribute classes, not 3.x attribute keys."""

    def check(records: list[dict[str, Any]]) -> None:
        if records and all("key" in r and "isUnique" in r for r in records):
            raise ledger.mismatched_records(
                "attribute_classes",
                settings.LEGACY_ENDPOINT_PATHS["attribute_classes"],
                "contact attribute keys (records with `key` and `isUnique`)",
            )

    return check


# The checks of records only Formbricks 2.7's own endpoints need (`ledger.py`).
_LEGACY_CHECKS = {
    "identified_peoples": _legacy_people_check,
    "attribute_classes": _legacy_attribute_classes_check,
}


def _contacts_resources(
    base_url: str,
    api_key: str,
    session: Session,
    ledger: RunLedger,
    attribute_keys: AttributeKeys | None,
) -> dict[str, Any]:
    """Formbricks 3.0+'s people and attribute classes, from the contacts endpoints; none on 2.x."""
    if ledger.generation != settings.GENERATION_CURRENT:
        return {}
    client = RESTClient(
        base_url=base_url,
        auth=APIKeyAuth(name=settings.API_KEY_HEADER, api_key=api_key, location="header"),
        session=session,
    )
    keys = attribute_keys or AttributeKeys(client, ledger)
    contacts = {
        "attribute_classes": attribute_classes_resource(keys),
        "identified_peoples": identified_peoples_resource(client, keys, ledger),
    }
    for name, resource in contacts.items():
        resource.add_map(ledger.id_recorder(name))
    return contacts


def _config(base_url: str, api_key: str, session: Session, resources: list[Any]) -> RESTAPIConfig:
    """The rest_api config: the client with the key, merge on `id`, the given resources."""
    return {
        "client": {
            "base_url": base_url,
            "auth": {
                "type": "api_key",
                "name": settings.API_KEY_HEADER,
                "api_key": api_key,
                "location": "header",
            },
            "session": session,
        },
        "resource_defaults": {
            "primary_key": settings.PRIMARY_KEY,
            "write_disposition": "merge",
        },
        "resources": resources,
    }


def build_source(
    base_url: str,
    api_key: str,
    *,
    session: Session | None = None,
    page_size: int = settings.DEFAULT_PAGE_SIZE,
    responses_lookback_seconds: float | None = settings.DEFAULT_RESPONSES_LOOKBACK_HOURS * 3600,
    ledger: RunLedger | None = None,
    attribute_keys: AttributeKeys | None = None,
    arrow_batch_responses: int = settings.RESPONSES_ARROW_BATCH,
) -> DltSource:
    """Build the dlt source of the six API endpoints. Makes no request.

    Args:
        base_url: Root the endpoint paths hang off, e.g. `https://app.formbricks.com/api`.
        api_key: Management API key, sent in the `x-api-key` header.
        session: The HTTP session, normally from `build_retrying_session`; None builds one with
            the default retry policy and no request budget.
        page_size: Responses per page (`limit`).
        responses_lookback_seconds: Load responses incrementally, re-reading this many seconds
            behind the newest `createdAt` already loaded. None reads every response (full refresh).
        ledger: The run's ledger of what the API answered; its `generation` picks the
            endpoints. None: a fresh one for the current generation.
        attribute_keys: The run's attribute keys (current generation), possibly already fetched
            by the generation probe. None: fetched when needed.
        arrow_batch_responses: Responses built into Arrow tables at a time (`arrow/`), the
            responses table and its nested tables alike.

    Returns:
        A `rest_api_source` named `analytics_api` with one resource per endpoint.
    """
    session = session if session is not None else build_retrying_session()
    ledger = ledger or RunLedger(generation=settings.GENERATION_CURRENT)
    progress = ReadProgress()
    contacts = _contacts_resources(base_url, api_key, session, ledger, attribute_keys)
    resources: list[Any] = []
    for name in settings.RESOURCES:
        if name in contacts:
            resources.append(contacts[name])
            continue
        check = None if contacts else _LEGACY_CHECKS.get(name)
        guard = EndpointGuard(name, ledger, check(ledger) if check else None)
        path = settings.endpoint_paths(ledger.generation)[name]
        resources.append(
            _endpoint_resource(name, path, guard, page_size, responses_lookback_seconds, progress)
        )
    source = rest_api_source(
        _config(base_url, api_key, session, resources), name=settings.SOURCE_NAME
    )
    responses = source.resources[settings.PAGED_RESOURCE]
    # Batches before dlt's incremental step, Arrow after it: it must see the records
    # (placement affinity).
    responses.add_step(ResponseBatches(progress, ledger, arrow_batch_responses))
    responses.add_step(ResponseTables())
    declare_nested_tables(responses)
    source.resources["surveys"].apply_hints(nested_hints=survey_questions_hints())
    return source
