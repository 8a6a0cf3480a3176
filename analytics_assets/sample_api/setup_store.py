"""The sample's setup records (surveys, action classes, attribute classes, people, webhooks) and
the unpaged bodies a release serves of them.

The records are kept in one canonical shape; `releases.py` shapes them per release, and derives
the contacts endpoints of releases 4 and 5 from the people and attribute classes. A body is
built once and kept until a record changes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from analytics_assets.sample_api.primitives import Ids, dumps
from analytics_assets.sample_api.releases import (
    CONTACT_ENDPOINTS,
    attribute_keys,
    contact_tables,
    owner_fields,
    shape_table,
)

__all__ = ["SetupStore"]


class SetupStore:
    """Setup records by endpoint, and their served bodies.

    Not thread-safe on its own: the dataset's lock guards every call.
    """

    def __init__(
        self,
        tables: dict[str, list[dict[str, Any]]],
        *,
        release: int,
        environment_id: str,
        workspace_id: str,
        seed: int,
    ) -> None:
        """Serve `tables` (endpoint -> canonical records) as `release` would."""
        self.tables = tables
        self._release = release
        self._environment_id = environment_id
        self._workspace_id = workspace_id
        self._bodies: dict[str, bytes] = {}
        # Ids of contact attribute rows and unclassed keys come from a generator of their own,
        # so the rest of the data is the same on every release.
        self._derived_ids = Ids(random.Random(f"{seed}:contacts"))
        self._derived: dict[tuple[str, ...], str] = {}

    def replace(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        """Serve these records instead."""
        self.tables = tables
        self._bodies.clear()

    def changed(self) -> None:
        """Forget every built body, after records changed in place."""
        # Contacts are derived from people and attribute classes: no body can be kept.
        self._bodies.clear()

    def check(self, endpoint: str) -> list[dict[str, Any]]:
        """The records of a stored endpoint.

        Raises:
            KeyError: If no such endpoint is stored (the contacts ones are derived).
        """
        if endpoint not in self.tables:
            raise KeyError(f"{endpoint!r} is not a stored endpoint ({sorted(self.tables)})")
        return self.tables[endpoint]

    def body(self, endpoint: str) -> bytes:
        """The `{"data": [...]}` body of an unpaged endpoint."""
        body = self._bodies.get(endpoint)
        if body is None:
            body = b'{"data":[' + b",".join(map(dumps, self._served(endpoint))) + b"]}"
            self._bodies[endpoint] = body
        return body

    def _served(self, endpoint: str) -> list[dict[str, Any]]:
        """The records of an unpaged endpoint, shaped for this release."""
        if endpoint not in CONTACT_ENDPOINTS:
            return shape_table(
                endpoint,
                self.tables[endpoint],
                self._release,
                self._environment_id,
                self._workspace_id,
            )
        owner = owner_fields(self._release, self._environment_id, self._workspace_id)
        people = self.tables["people"]
        keys = attribute_keys(
            self.tables["attribute_classes"], people, owner, lambda name: self._derived_id(name)
        )
        if endpoint == "contact_attribute_keys":
            return keys
        tables = contact_tables(
            people, keys, owner, lambda contact, name: self._derived_id(contact, name)
        )
        return tables[endpoint]

    def _derived_id(self, *parts: str) -> str:
        """A stable id for a record the canonical data does not hold (an attribute row, say)."""
        if parts not in self._derived:
            self._derived[parts] = self._derived_ids.cuid()
        return self._derived[parts]

    def remove(self, endpoint: str, doomed: set[str]) -> dict[str, dict[str, Any]]:
        """Drop records of a stored endpoint; returns them by id, for `put_back`.

        Dropping an attribute class drops every person's value of it, as in Formbricks.

        Raises:
            KeyError: If the endpoint is not stored or an id does not exist.
        """
        records = self.check(endpoint)
        known = {record["id"] for record in records}
        if doomed - known:
            raise KeyError(f"no {endpoint} {sorted(doomed - known)}")
        removed = {r["id"]: r for r in records if r["id"] in doomed}
        if endpoint == "attribute_classes":
            names = {r["name"] for r in removed.values()}
            for person in self.tables["people"]:
                for name in names:
                    person.get("attributes", {}).pop(name, None)
        self.tables[endpoint] = [r for r in records if r["id"] not in doomed]
        self.changed()
        return removed

    def put_back(self, endpoint: str, records: list[dict[str, Any]]) -> None:
        """Store records again (after those that are there)."""
        self.tables[endpoint].extend(records)
        self.changed()

    def add_field(self, endpoint: str, add: Callable[[dict[str, Any]], Any]) -> None:
        """Call `add(record)` on every record of a stored endpoint, to change it in place."""
        for record in self.check(endpoint):
            add(record)
        self.changed()
