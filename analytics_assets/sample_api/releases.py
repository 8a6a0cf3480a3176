"""What each Formbricks release serves: its routes, and the shape of its records.

The sample API serves one canonical dataset (`store.py`) the way a given release would. Read
from the Formbricks source at tags v2.7.2, v3.8.0, 4.0.0, 4.2.0, 4.9.7, 5.3.4 and 5.4.0-rc.1
(`apps/web/app/api/v1/management/`, `modules/ee/contacts/api/v1/management/`, `next.config.mjs`,
`modules/api/v2/management/responses/`):

- Release 2 (1.x to 2.7): people and attribute classes have routes of their own. Responses carry
  `person` and `personAttributes` and notes, and no `endingId`. `GET /people` returns at most 30
  people (`take: ITEMS_PER_PAGE`, and the route passes no offset); `GET /attribute-classes` hides
  the automatic `userId` class.
- Release 4 (3.0 to 4.x, read as 4.9): people became contacts, an Enterprise feature, with their
  attributes in `contact-attributes` and the attributes' keys in `contact-attribute-keys`.
  `next.config.mjs` rewrites the old `people` and `attribute-classes` paths to those of contacts
  and attribute keys. Responses carry `contact` and `contactAttributes`, and since 4.0 no notes.
  v2 serves `GET /v2/management/responses` (not an Enterprise feature; `v2.py`), with its
  `filterDateField` from 4.2.0 on.
- Release 5 (5.0 and later, read as 5.4.0-rc.1): the rewrites are gone, so the old paths get
  Next.js's HTML 404 page. Records belong to a workspace (`workspaceId`); surveys and webhooks
  carry `environmentId` again as in 5.4 (absent in 5.0 to 5.3.4), action classes and tags do not.
  Surveys carry `blocks` and `archivedAt` (`workspace_shapes.py`).

The community edition refuses the three contacts endpoints (and so, on release 4, the rewritten
old paths) with 403, after checking the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Final

from analytics_assets.sample_api.workspace_shapes import workspace_survey, workspace_webhook

__all__ = [
    "CONTACT_ENDPOINTS",
    "DEFAULT_EDITION",
    "DEFAULT_RELEASE",
    "EDITIONS",
    "LEGACY_PEOPLE_LIMIT",
    "RELEASES",
    "ROUTES",
    "attribute_key_fields",
    "attribute_keys",
    "contact_tables",
    "check_release",
    "owner_fields",
    "rename_field",
    "routes_of",
    "shape_response",
    "shape_table",
]

RELEASES: Final = (2, 4, 5)
DEFAULT_RELEASE: Final = 5
EDITIONS: Final = ("enterprise", "community")
DEFAULT_EDITION: Final = "enterprise"

# v2.7.2 `getPeople`: `take: ITEMS_PER_PAGE` (30), and the route passes no offset.
LEGACY_PEOPLE_LIMIT: Final = 30

# Route below /api -> the dataset endpoint it serves.
ROUTES: Final[dict[str, str]] = {
    "/v1/management/surveys": "surveys",
    "/v1/management/action-classes": "action_classes",
    "/v1/management/attribute-classes": "attribute_classes",
    "/v1/management/people": "people",
    "/v1/management/contacts": "contacts",
    "/v1/management/contact-attributes": "contact_attributes",
    "/v1/management/contact-attribute-keys": "contact_attribute_keys",
    "/v1/management/responses": "responses",
    "/v1/webhooks": "webhooks",
}
COMMON: Final = frozenset({"surveys", "action_classes", "responses", "webhooks"})
LEGACY_ONLY: Final = frozenset({"attribute_classes", "people"})
CONTACT_ENDPOINTS: Final = frozenset({"contacts", "contact_attributes", "contact_attribute_keys"})
# next.config.mjs of 3.x and 4.x.
REWRITES_3_TO_4: Final[dict[str, str]] = {
    "/v1/management/people": "/v1/management/contacts",
    "/v1/management/attribute-classes": "/v1/management/contact-attribute-keys",
}

# Attribute keys that Formbricks creates itself (type "default"); the rest are "custom".
_DEFAULT_KEYS: Final = frozenset({"userId", "email", "language"})
_UNIQUE_KEYS: Final = frozenset({"userId", "email"})
_KEY_DATA_TYPES: Final = {"signupDate": "date", "seats": "number"}


def check_release(release: int, edition: str = DEFAULT_EDITION) -> None:
    """Raise ValueError for a release or edition the sample does not model."""
    if release not in RELEASES:
        raise ValueError(f"release must be one of {RELEASES}; got {release!r}")
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}; got {edition!r}")


def routes_of(release: int) -> dict[str, str]:
    """The routes a release serves (route -> endpoint), its rewrites included."""
    served = COMMON | (LEGACY_ONLY if release < 3 else CONTACT_ENDPOINTS)
    routes = {route: endpoint for route, endpoint in ROUTES.items() if endpoint in served}
    if release == 4:
        routes.update({old: ROUTES[new] for old, new in REWRITES_3_TO_4.items()})
    return routes


def rename_field(record: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """`record` with key `old` renamed to `new`, in the same place."""
    if old not in record:
        return record
    return {(new if key == old else key): value for key, value in record.items()}


def shape_response(record: dict[str, Any], release: int, workspace_id: str) -> dict[str, Any]:
    """A canonical response record (3.x shape with notes) as `release` serves it."""
    if release < 3:
        record = rename_field(record, "contact", "person")
        record = rename_field(record, "contactAttributes", "personAttributes")
        record.pop("endingId", None)
        return record
    record.pop("notes", None)  # removed in 4.0 (v3.17.1 already had none)
    if release >= 5 and record.get("tags"):
        record["tags"] = [
            rename_field(tag, "environmentId", "workspaceId") | {"workspaceId": workspace_id}
            for tag in record["tags"]
        ]
    return record


def display_name(key: str) -> str:
    """The name the UI shows for an attribute key: `signupDate` -> `Signup Date`."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).split()
    return " ".join(word[:1].upper() + word[1:] for word in words)


def attribute_key_fields(key: str) -> dict[str, Any]:
    """`isUnique`, `type` and `dataType` of an attribute key of that name."""
    return {
        "isUnique": key in _UNIQUE_KEYS,
        "type": "default" if key in _DEFAULT_KEYS else "custom",
        "dataType": _KEY_DATA_TYPES.get(key, "string"),
    }


def _contact(person: dict[str, Any], owner: dict[str, str]) -> dict[str, Any]:
    return {
        "id": person["id"],
        "createdAt": person["createdAt"],
        "updatedAt": person["updatedAt"],
        **owner,
    }


def _typed_value(data_type: str, value: str) -> dict[str, Any]:
    """`valueNumber` and `valueDate` of an attribute value (4.7 and later)."""
    number = date = None
    if data_type == "number":
        try:
            number = float(value)
        except ValueError:
            number = None
    elif data_type == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        date = f"{value}T00:00:00.000Z"
    return {"valueNumber": number, "valueDate": date}


def contact_tables(
    people: Iterable[dict[str, Any]],
    keys: list[dict[str, Any]],
    owner: dict[str, str],
    attribute_id: Callable[[str, str], str],
) -> dict[str, list[dict[str, Any]]]:
    """The contacts endpoints' rows for canonical people and attribute keys.

    Every person is a contact; its `userId` and each of its attributes is a contact attribute,
    referring to its key by id only (as the API does).

    Args:
        people: Canonical people (`id`, `createdAt`, `updatedAt`, `userId`, `attributes`).
        keys: Attribute keys, with `id`, `key` and `dataType`.
        owner: `{"environmentId": ...}` or `{"workspaceId": ...}`.
        attribute_id: Stable id of the attribute row of (contact id, key).
    """
    key_by_name = {key["key"]: key for key in keys}
    contacts, attributes = [], []
    for person in people:
        contacts.append(_contact(person, owner))
        values = {"userId": person.get("userId"), **(person.get("attributes") or {})}
        for name, value in values.items():
            if value is None or name not in key_by_name:
                continue
            key = key_by_name[name]
            attributes.append(
                {
                    "id": attribute_id(person["id"], name),
                    "createdAt": person["createdAt"],
                    "updatedAt": person["updatedAt"],
                    "attributeKeyId": key["id"],
                    "contactId": person["id"],
                    "value": str(value),
                    **_typed_value(key["dataType"], str(value)),
                }
            )
    return {"contacts": contacts, "contact_attributes": attributes}


def shape_table(
    endpoint: str,
    records: list[dict[str, Any]],
    release: int,
    environment_id: str,
    workspace_id: str,
) -> list[dict[str, Any]]:
    """Canonical records of a setup endpoint as `release` serves them (copies)."""
    rows = [dict(record) for record in records]
    if endpoint == "surveys":
        if release < 3:
            return [rename_field(row, "projectOverwrites", "productOverwrites") for row in rows]
        if release >= 5:
            return [workspace_survey(row, workspace_id) for row in rows]
    elif endpoint == "action_classes" and release >= 5:
        return [
            rename_field(row, "environmentId", "workspaceId") | {"workspaceId": workspace_id}
            for row in rows
        ]
    elif endpoint == "webhooks" and release >= 5:
        return [workspace_webhook(row, workspace_id) for row in rows]
    elif endpoint == "attribute_classes":
        return [row for row in rows if not (row["name"] == "userId" and row["type"] == "automatic")]
    elif endpoint == "people":
        return rows[:LEGACY_PEOPLE_LIMIT]
    return rows


def owner_fields(release: int, environment_id: str, workspace_id: str) -> dict[str, str]:
    """The field that says whose a contact or attribute key is: environment or workspace."""
    return {"workspaceId": workspace_id} if release >= 5 else {"environmentId": environment_id}


def attribute_keys(
    attribute_classes: list[dict[str, Any]],
    people: list[dict[str, Any]],
    owner: dict[str, str],
    key_id: Callable[[str], str],
) -> list[dict[str, Any]]:
    """`contact-attribute-keys` rows: one per attribute class (3.0 migrated them, ids kept), plus
    one for `userId` and for any attribute of a person that no class names.

    Args:
        attribute_classes: Canonical (2.x) attribute classes.
        people: Canonical people, whose attribute names may go beyond the classes.
        owner: `{"environmentId": ...}` or `{"workspaceId": ...}`.
        key_id: Stable id of a key that has no attribute class.
    """
    sources = {row["name"]: row for row in attribute_classes}
    names = list(sources)
    for name in ["userId", *(n for p in people for n in (p.get("attributes") or {}))]:
        if name not in sources and name not in names:
            names.append(name)
    first_seen = min((p["createdAt"] for p in people), default="2026-01-01T00:00:00.000Z")
    keys = []
    for name in names:
        source = sources.get(name)
        fields = attribute_key_fields(name)
        keys.append(
            {
                "id": source["id"] if source else key_id(name),
                "createdAt": source["createdAt"] if source else first_seen,
                "updatedAt": source["updatedAt"] if source else first_seen,
                "isUnique": fields["isUnique"],
                "key": name,
                "name": display_name(name),
                "description": source.get("description") if source else None,
                "type": fields["type"],
                "dataType": fields["dataType"],
                **owner,
            }
        )
    return keys
