"""People and attribute classes from Formbricks 3.0+'s contacts, shaped as 2.x's tables.

Records are as the contacts endpoints send them: a contact is `{id, createdAt, updatedAt,
environmentId | workspaceId}`; an attribute `{id, createdAt, updatedAt, attributeKeyId,
contactId, value, valueNumber, valueDate}`; a key `{id, createdAt, updatedAt, isUnique, key,
name, description, type, dataType, workspaceId}`.
"""

import copy

from analytics_assets.formbricks.contacts import (
    AttributeKeys,
    attribute_class_row,
    people_rows,
)
from analytics_assets.formbricks.ledger import Refusal, RunLedger

KEYS_PATH = "/v1/management/contact-attribute-keys"
T = "2026-01-05T10:00:00.000Z"


def key(key_id: str, key_name: str, display: str | None = None) -> dict:
    return {
        "id": key_id,
        "createdAt": T,
        "updatedAt": T,
        "isUnique": key_name in ("userId", "email"),
        "key": key_name,
        "name": display,
        "description": None,
        "type": "default",
        "dataType": "string",
        "workspaceId": "w1",
    }


def attribute(contact_id: str, key_id: str, value: str, **extra) -> dict:
    return {
        "id": f"a-{contact_id}-{key_id}",
        "createdAt": T,
        "updatedAt": T,
        "attributeKeyId": key_id,
        "contactId": contact_id,
        "value": value,
        "valueNumber": None,
        "valueDate": None,
        **extra,
    }


def contact(contact_id: str, **extra) -> dict:
    return {"id": contact_id, "createdAt": T, "updatedAt": T, "workspaceId": "w1", **extra}


KEYS = [key("k-user", "userId", "User Id"), key("k-email", "email", "Email"), key("k-plan", "plan")]


def test_an_attribute_key_becomes_an_attribute_class_named_by_its_key():
    row = attribute_class_row(key("k-email", "email", "Email"))

    assert row == {
        "id": "k-email",
        "createdAt": T,
        "updatedAt": T,
        "isUnique": True,
        "description": None,
        "type": "default",
        "dataType": "string",
        "workspaceId": "w1",
        "name": "email",
        "displayName": "Email",
    }


def test_fields_the_api_adds_to_a_key_are_kept():
    row = attribute_class_row({"id": "k1", "key": "plan", "name": "Plan", "color": "blue"})

    assert row == {"id": "k1", "color": "blue", "name": "plan", "displayName": "Plan"}


def test_a_key_without_a_display_name_has_none():
    assert attribute_class_row({"id": "k1", "key": "plan"}) == {
        "id": "k1",
        "name": "plan",
        "displayName": None,
    }


def test_contacts_joined_with_attributes_become_identified_people():
    contacts = [contact("c1"), contact("c2"), contact("c3")]
    attributes = [
        attribute("c1", "k-user", "user-1"),
        attribute("c1", "k-email", "ada@example.com"),
        attribute("c1", "k-plan", "42", valueNumber=42.0),
        attribute("c2", "k-email", "bob@example.com"),
    ]

    rows = people_rows(contacts, attributes, KEYS)

    assert rows == [
        {
            **contact("c1"),
            "userId": "user-1",
            "attributes": {"email": "ada@example.com", "plan": "42"},
        },
        {**contact("c2"), "userId": None, "attributes": {"email": "bob@example.com"}},
        {**contact("c3"), "userId": None, "attributes": {}},
    ]


def test_a_contacts_own_user_id_is_used_when_it_has_no_user_id_attribute():
    # Formbricks 3.8 to 3.15 send `userId` on the contact itself.
    contacts = [contact("c1", userId="own-1"), contact("c2", userId="own-2")]
    attributes = [attribute("c2", "k-user", "attr-2")]

    rows = people_rows(contacts, attributes, KEYS)

    assert [(row["id"], row["userId"], row["attributes"]) for row in rows] == [
        ("c1", "own-1", {}),
        ("c2", "attr-2", {}),
    ]


def test_an_empty_user_id_attribute_falls_back_to_the_contacts_field():
    rows = people_rows([contact("c1", userId="own-1")], [attribute("c1", "k-user", "")], KEYS)

    assert rows[0]["userId"] == "own-1"
    assert rows[0]["attributes"] == {}


def test_an_attribute_of_an_unknown_key_is_named_by_the_keys_id():
    rows = people_rows([contact("c1")], [attribute("c1", "k-deleted", "x")], KEYS)

    assert rows[0]["attributes"] == {"k-deleted": "x"}


def test_attributes_of_contacts_not_listed_are_dropped():
    rows = people_rows([contact("c1")], [attribute("c9", "k-email", "ghost@example.com")], KEYS)

    assert rows == [{**contact("c1"), "userId": None, "attributes": {}}]


def test_no_contacts_make_no_people():
    assert people_rows([], [attribute("c1", "k-email", "a@example.com")], KEYS) == []


def test_the_records_given_are_not_changed():
    contacts = [contact("c1")]
    attributes = [attribute("c1", "k-user", "user-1"), attribute("c1", "k-email", "a@b.c")]
    before = copy.deepcopy((contacts, attributes))

    people_rows(contacts, attributes, KEYS)

    assert (contacts, attributes) == before


def ledger() -> RunLedger:
    return RunLedger(generation="current", setting="auto")


def test_attribute_keys_are_fetched_once_for_both_resources(
    make_rest_client, make_response, api_url
):
    client = make_rest_client(
        {KEYS_PATH: make_response(200, json={"data": KEYS}, url=api_url(KEYS_PATH))}
    )
    run = ledger()
    keys = AttributeKeys(client, run)

    assert keys.for_resource("attribute_classes") == KEYS
    assert keys.for_resource("identified_peoples") == KEYS
    assert client.asked == [KEYS_PATH]
    assert run.answered == ["/api" + KEYS_PATH]


def test_keys_the_probe_fetched_cost_no_request(make_rest_client):
    client = make_rest_client({})
    keys = AttributeKeys(client, ledger())

    keys.remember(KEYS)

    assert keys.for_resource("attribute_classes") == KEYS
    assert client.asked == []


def test_the_probes_refusal_is_recorded_for_each_resource_that_needed_the_keys(make_rest_client):
    run = ledger()
    probe = Refusal(resource=None, path=KEYS_PATH, status=403, message="Contacts are only ...")
    keys = AttributeKeys(make_rest_client({}), run)
    keys.remember(probe)

    assert keys.for_resource("attribute_classes") == Refusal(
        resource="attribute_classes", path=KEYS_PATH, status=403, message="Contacts are only ..."
    )
    keys.for_resource("identified_peoples")
    assert sorted(run.refused_resources()) == ["attribute_classes", "identified_peoples"]


def test_a_refusal_fetched_for_a_resource_is_its_own(make_rest_client, make_response, api_url):
    refused = make_response(
        403,
        json={"code": "forbidden", "message": "Contacts are only enabled for Enterprise Edition"},
        url=api_url(KEYS_PATH),
    )
    run = ledger()
    keys = AttributeKeys(make_rest_client({KEYS_PATH: refused}), run)

    answer = keys.for_resource("attribute_classes")

    assert answer == Refusal(
        resource="attribute_classes",
        path=KEYS_PATH,
        status=403,
        message="Contacts are only enabled for Enterprise Edition",
        from_api=True,
    )
    assert run.refusals == [answer]
