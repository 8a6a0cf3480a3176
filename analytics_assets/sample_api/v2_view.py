"""The responses as v2 serves them: raw rows, filtered and ordered by one key, ties in any order.

`GET /api/v2/management/responses` returns Prisma's row of the `Response` table (`schema.prisma`
/ `schema/main.prisma`, 4.9.7 and 5.4.0-rc.1): `contactId` instead of the `contact` object, no
tags, no notes. It orders by `sortBy` alone (`buildCommonFilterQuery`: `orderBy: {[sortBy]:
order}`, no id), so Postgres returns rows that share the key in any order, a new one each query:
the view shuffles every tie group a page touches, on every request.

`V2View` keeps each response's row next to the stored v1 bytes it came from, and rebuilds only
the rows whose bytes changed since the store last changed; `DatasetV2Reads` is the half of
`SampleDataset` that reads it.
"""

from __future__ import annotations

import json
import random
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from analytics_assets.sample_api.primitives import dumps, to_ms
from analytics_assets.sample_api.response_store import ResponseStore
from analytics_assets.sample_api.v2_query import V2Query

__all__ = ["DatasetV2Reads", "RAW_COLUMNS", "V2Row", "V2View", "raw_row"]

# The columns of the `Response` table, in the schema's order.
RAW_COLUMNS = (
    "id", "createdAt", "updatedAt", "finished", "surveyId", "contactId", "endingId", "data",
    "variables", "ttc", "meta", "contactAttributes", "singleUseId", "language", "displayId",
)  # fmt: skip
# What v1 joins in (relations), which the raw row does not have.
_RELATIONS = frozenset({"contact", "tags", "notes", "person", "personAttributes"})


@dataclass(slots=True)
class V2Row:
    """One response as v2 sees it: its keys, the stored v1 bytes, and (once a page served it)
    its serialized raw row."""

    created: int
    updated: int
    survey_id: str
    contact_id: str | None
    source: bytes
    raw: bytes | None = None

    def body(self) -> bytes:
        """The serialized raw row, built on first use (most rows are never served)."""
        if self.raw is None:
            self.raw = dumps(raw_row(json.loads(self.source)))
        return self.raw


def raw_row(record: dict[str, Any]) -> dict[str, Any]:
    """A v1 response record as the table's raw row (drifted fields kept, at the end)."""
    contact = record.get("contact")
    fields = {**record, "contactId": contact.get("id") if isinstance(contact, dict) else None}
    row = {name: fields[name] for name in RAW_COLUMNS if name in fields}
    row.update((k, v) for k, v in record.items() if k not in row and k not in _RELATIONS)
    return row


def _v2_row(body: bytes, created: int) -> V2Row:
    record = json.loads(body)
    contact = record.get("contact")
    contact_id = contact.get("id") if isinstance(contact, dict) else None
    updated = to_ms(datetime.fromisoformat(record["updatedAt"]))
    return V2Row(created, updated, record["surveyId"], contact_id, body)


class V2View:
    """The v2 rows of a `ResponseStore`, in both orders. Guarded by the dataset's lock."""

    def __init__(self) -> None:
        self._store: ResponseStore | None = None
        self._version = -1
        self._cache: dict[str, tuple[bytes, V2Row]] = {}
        self._by_created: list[V2Row] = []
        self._created_keys: list[int] = []
        self._by_updated: list[V2Row] = []
        self._updated_keys: list[int] = []

    def refresh(self, store: ResponseStore) -> None:
        """Catch up with the store, if it changed since the last call."""
        if store is self._store and store.version == self._version:
            return
        cache: dict[str, tuple[bytes, V2Row]] = {}
        for response_id, created, body in store.entries():
            cached = self._cache.get(response_id)
            # Edits replace the bytes object: identity tells which rows are stale.
            if cached is None or cached[0] is not body:
                cached = (body, _v2_row(body, created))
            cache[response_id] = cached
        self._cache = cache
        self._by_created = [row for _, row in cache.values()]
        self._created_keys = [row.created for row in self._by_created]
        # A stable sort: within one updatedAt the rows keep their createdAt order.
        self._by_updated = sorted(self._by_created, key=lambda row: row.updated)
        self._updated_keys = [row.updated for row in self._by_updated]
        self._store, self._version = store, store.version

    def page(self, query: V2Query, rng: random.Random) -> list[bytes]:
        """The bodies of the page `query` asks for (`limit` and `skip` whole numbers)."""
        keys, rows = self._candidates(query)
        count, skip, limit = len(keys), int(query.skip), int(query.limit)
        # Work in ascending order; a descending page is the mirror image of an ascending one.
        if query.order == "desc":
            low, high = count - skip - limit, count - skip
        else:
            low, high = skip, skip + limit
        low, high = max(low, 0), min(high, count)
        if low >= high:
            return []
        start, end = bisect_left(keys, keys[low]), bisect_right(keys, keys[high - 1])
        window = rows[start:end]
        _shuffle_ties(window, keys[start:end], rng)
        chunk = window[low - start : high - start]
        if query.order == "desc":
            chunk.reverse()
        return [row.body() for row in chunk]

    def _candidates(self, query: V2Query) -> tuple[list[int], list[V2Row]]:
        """Sort keys and rows that match the filters, ascending by the sort key."""
        by_updated = query.sort_by == "updatedAt"
        keys = self._updated_keys if by_updated else self._created_keys
        rows = self._by_updated if by_updated else self._by_created
        low, high = 0, len(keys)
        same_field = query.date_field == query.sort_by
        if same_field:
            # The date filter is on the sort key: a slice of the order.
            if query.start_ms is not None:
                low = bisect_left(keys, query.start_ms)
            if query.end_ms is not None:
                high = bisect_right(keys, query.end_ms)
        keys, rows = keys[low:high], rows[low:high]
        dated = not same_field and (query.start_ms is not None or query.end_ms is not None)
        if not (dated or query.survey_id or query.contact_id):
            return keys, rows
        kept = [(key, row) for key, row in zip(keys, rows, strict=True) if _matches(row, query)]
        return [key for key, _ in kept], [row for _, row in kept]


def _matches(row: V2Row, query: V2Query) -> bool:
    if query.survey_id is not None and row.survey_id != query.survey_id:
        return False
    if query.contact_id is not None and row.contact_id != query.contact_id:
        return False
    moment = row.updated if query.date_field == "updatedAt" else row.created
    if query.start_ms is not None and moment < query.start_ms:
        return False
    return query.end_ms is None or moment <= query.end_ms


def _shuffle_ties(rows: list[V2Row], keys: list[int], rng: random.Random) -> None:
    """Shuffle, in place, every run of rows that share a key."""
    start = 0
    for index in range(1, len(rows) + 1):
        if index == len(rows) or keys[index] != keys[start]:
            if index - start > 1:
                group = rows[start:index]
                rng.shuffle(group)
                rows[start:index] = group
            start = index


class DatasetV2Reads:
    """The v2 reads of a `SampleDataset`; the state they use is set up by its `__init__`."""

    _lock: threading.RLock
    _responses: ResponseStore
    _v2: V2View

    def v2_responses_body(self, query: V2Query, rng: random.Random) -> bytes:
        """A v2 page of responses as the API's `{"data": [...]}` body (no `meta`: the route
        drops the total it counts).

        Args:
            query: The checked query (`limit` and `skip` whole numbers).
            rng: Shuffles the ties of this one request.
        """
        with self._lock:
            self._v2.refresh(self._responses)
            chunk = self._v2.page(query, rng)
        return b'{"data":[' + b",".join(chunk) + b"]}"
