"""People and attribute classes on Formbricks 3.0 and later, where they became contacts.

Formbricks 3.0 removed `/people` and `/attribute-classes`. A person is now a contact
(`/contacts`: id, timestamps and its workspace or environment, nothing else); its `userId`,
`email` and other attributes are rows of `/contact-attributes` that name their key by id only;
the keys are `/contact-attribute-keys`. All three are Enterprise features: the community edition
answers them 403.

The two resources here fill the same tables, with the same columns, as the 2.x endpoints did:

- `identified_peoples`: one row per contact, with `userId` (the contact's `userId` attribute) and
  `attributes` (every other attribute, key -> value, as a 2.x person's `attributes` map);
- `attribute_classes`: one row per attribute key, `name` being the key (`email`, `plan`, as a 2.x
  attribute class's `name` was), with the key's own name as `displayName`.

They are plain dlt resources rather than `rest_api` endpoints because the people need a join of
three endpoints, and because the attribute keys are also the generation probe's answer: the
records the probe fetched are reused, so detection costs no request on 3.0 and later.
"""

from typing import Any

import dlt
from dlt.sources import DltResource
from dlt.sources.helpers.rest_client import RESTClient

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.columns import table_columns
from analytics_assets.formbricks.ledger import (
    EndpointGuard,
    Refusal,
    RunLedger,
    fetch_records,
    refusal_for,
)

USER_ID_KEY = "userId"


class AttributeKeys:
    """The contact attribute keys of one run, fetched at most once.

    The generation probe may already have fetched them (or met the refusal); the two resources
    that need them share that answer.
    """

    def __init__(self, client: RESTClient, ledger: RunLedger) -> None:
        self._client = client
        self._ledger = ledger
        self._answer: list[dict[str, Any]] | Refusal | None = None

    def remember(self, answer: list[dict[str, Any]] | Refusal) -> None:
        """Keep what the generation probe got: the keys, or the endpoint's refusal."""
        self._answer = answer

    def for_resource(self, resource: str) -> list[dict[str, Any]] | Refusal:
        """The keys, or the refusal, recorded as `resource`'s if it is one."""
        if self._answer is None:
            guard = EndpointGuard(resource, self._ledger)
            self._answer = fetch_records(self._client, settings.CONTACT_ATTRIBUTE_KEYS_PATH, guard)
            return self._answer
        if isinstance(self._answer, Refusal):
            if self._answer.resource != resource:
                return refusal_for(resource, self._answer, self._ledger)
        return self._answer


def attribute_class_row(key: dict[str, Any]) -> dict[str, Any]:
    """An attribute key as a row of `attribute_classes`: `name` is the key (as in 2.x).

    Every other field of the key is kept as it is, so fields the API adds are not lost.
    """
    row = {field: value for field, value in key.items() if field not in ("key", "name")}
    row["name"] = key.get("key")
    row["displayName"] = key.get("name")
    return row


def people_rows(
    contacts: list[dict[str, Any]],
    attributes: list[dict[str, Any]],
    keys: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Contacts joined with their attributes, as rows of `identified_peoples`.

    `userId` is the contact's `userId` attribute (or, on 3.8 to 3.15, the contact's own field);
    `attributes` maps every other attribute's key to its value (the text form, as 2.x sent it).
    An attribute whose key is unknown keeps the key's id as its name rather than being dropped.
    """
    key_names = {key.get("id"): key.get("key") for key in keys}
    by_contact: dict[Any, dict[str, Any]] = {}
    for attribute in attributes:
        name = key_names.get(attribute.get("attributeKeyId")) or attribute.get("attributeKeyId")
        by_contact.setdefault(attribute.get("contactId"), {})[str(name)] = attribute.get("value")
    rows = []
    for contact in contacts:
        values = dict(by_contact.get(contact.get(settings.PRIMARY_KEY), {}))
        row = dict(contact)
        row["userId"] = values.pop(USER_ID_KEY, None) or contact.get("userId")
        row["attributes"] = values
        rows.append(row)
    return rows


def _merged_on_id(name: str) -> Any:
    """The `dlt.resource` decorator of a table merged on `id`, with its declared columns (as
    `rest_api`'s resource defaults give the other endpoints)."""
    return dlt.resource(
        name=name,
        primary_key=settings.PRIMARY_KEY,
        write_disposition="merge",
        columns=table_columns(name),
    )


def attribute_classes_resource(keys: AttributeKeys) -> DltResource:
    """`attribute_classes` from `/contact-attribute-keys` (3.0 and later)."""

    @_merged_on_id("attribute_classes")
    def attribute_classes() -> Any:
        answer = keys.for_resource("attribute_classes")
        if isinstance(answer, Refusal) or not answer:
            return
        yield [attribute_class_row(key) for key in answer]

    return attribute_classes


def identified_peoples_resource(
    client: RESTClient, keys: AttributeKeys, ledger: RunLedger
) -> DltResource:
    """`identified_peoples` from contacts, contact attributes and attribute keys (3.0 and later).

    The keys are asked first (usually already known from the generation probe): when they are
    refused, contacts are too (the same Enterprise check), and the two other requests are spared.
    A refused contacts or attributes endpoint loads nothing rather than people without their
    user ids.
    """

    @_merged_on_id("identified_peoples")
    def identified_peoples() -> Any:
        known_keys = keys.for_resource("identified_peoples")
        if isinstance(known_keys, Refusal):
            return
        contacts = fetch_records(
            client, settings.CONTACTS_PATH, EndpointGuard("identified_peoples", ledger)
        )
        if isinstance(contacts, Refusal):
            return
        attributes = fetch_records(
            client,
            settings.CONTACT_ATTRIBUTES_PATH,
            EndpointGuard("identified_peoples", ledger),
        )
        if isinstance(attributes, Refusal) or not contacts:
            return
        yield people_rows(contacts, attributes, known_keys)

    return identified_peoples
