"""The edits half of `SampleDataset` (`store.py`): what tests do to the data between two reads.

Deletes and restores (with Formbricks' cascades), freshly submitted responses, and schema drift
(a field renamed or added without notice); edits of existing responses are in `change_feed.py`.
Every method takes the dataset's lock; `store.py` builds the dataset and answers reads.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from analytics_assets.sample_api.primitives import (
    Picker,
    dumps,
    iso_ms,
    to_ms,
)
from analytics_assets.sample_api.releases import rename_field, shape_response
from analytics_assets.sample_api.response_generator import ResponseFactory
from analytics_assets.sample_api.response_store import ResponseStore
from analytics_assets.sample_api.setup_store import SetupStore

__all__ = ["DatasetEdits"]

Change = Callable[[dict[str, Any]], dict[str, Any]]


class DatasetEdits:
    """Mutations of a `SampleDataset`; the state they use is set up by its `__init__`."""

    release: int
    _workspace_id: str
    _lock: threading.RLock
    _rng: random.Random
    _now_ms: int
    _live_clock: bool
    _clock_ms: int
    _setup: SetupStore
    _responses: ResponseStore
    _factory: ResponseFactory
    _surveys_by_id: dict[str, dict[str, Any]]
    _answerable: list[dict[str, Any]]
    _pick_survey: Picker
    _trash: dict[str, dict[str, Any]]
    _response_drift: list[Change]

    def _shaped(self, record: dict[str, Any]) -> dict[str, Any]:
        """A canonical response as this dataset's release serves it."""
        return shape_response(record, self.release, self._workspace_id)

    def delete(self, endpoint: str, ids: Iterable[str]) -> list[str]:
        """Delete records, as a user of the API does (spam, test answers, a deletion request).

        Deleting a survey deletes its responses too (`onDelete: Cascade` in Formbricks' schema);
        deleting a person deletes its contact and attributes; deleting an attribute class (an
        attribute key from 3.0 on) deletes every person's value of it (not brought back by
        `restore`).

        Args:
            endpoint: "responses" or one of the stored setup endpoints ("surveys", "people",
                "webhooks", ...).
            ids: Ids of the records to delete.

        Returns:
            The ids of every response deleted, cascades included.

        Raises:
            KeyError: If an id does not exist.
        """
        doomed = set(ids)
        with self._lock:
            if endpoint == "responses":
                missing = {i for i in doomed if i not in self._responses}
                if missing:
                    raise KeyError(f"no responses {sorted(missing)}")
                return self._delete_responses(doomed)
            removed = self._setup.remove(endpoint, doomed)
            self._trash.setdefault(endpoint, {}).update(removed)
            if endpoint != "surveys":
                return []
            self._surveys_by_id = {s["id"]: s for s in self._setup.tables["surveys"]}
            self._answerable = [s for s in self._answerable if s["id"] not in doomed]
            self._pick_survey = Picker((survey, 1.0) for survey in self._answerable)
            return self._delete_responses(self._responses.ids_of_surveys(doomed))

    def _delete_responses(self, doomed: set[str]) -> list[str]:
        """Drop responses into the trash (the lock is held)."""
        removed = self._responses.remove(doomed)
        self._trash.setdefault("responses", {}).update(removed)
        return sorted(doomed)

    def restore(self, endpoint: str, ids: Iterable[str]) -> None:
        """Bring deleted records back, unchanged (a proxy that served a partial list recovers).

        Args:
            endpoint: As given to `delete`.
            ids: Ids of records deleted before.

        Raises:
            KeyError: If an id was not deleted.
        """
        wanted = set(ids)
        with self._lock:
            trash = self._trash.setdefault(endpoint, {})
            if wanted - set(trash):
                raise KeyError(f"{endpoint}: {sorted(wanted - set(trash))} were not deleted")
            records = [trash.pop(record_id) for record_id in sorted(wanted)]
            if endpoint == "responses":
                self._responses.put_back(records)
            else:
                self._setup.put_back(endpoint, records)

    def add_responses(self, count: int, *, at: datetime | None = None) -> list[str]:
        """Add freshly submitted responses, newer than every existing one.

        Args:
            count: How many.
            at: createdAt of the first one; default a few seconds after the current newest.
                The rest follow a few seconds apart.

        Returns:
            Their ids, oldest first.

        Raises:
            ValueError: If `at` is not after the newest existing response.
        """
        with self._lock:
            if not self._answerable:
                raise ValueError("no survey accepts responses")
            stored_newest = self._responses.newest_created
            newest = self._now_ms if stored_newest is None else stored_newest
            if at is None:
                # Submitted now: after the newest response and after anything already edited.
                moment = max(newest, self._clock_ms) + self._rng.randrange(2000, 9000)
            else:
                moment = to_ms(at)
                if stored_newest is not None and moment <= newest:
                    raise ValueError(f"`at` must be after the newest response ({iso_ms(newest)})")
            added = []
            for _ in range(count):
                survey = self._pick_survey(self._rng)
                people = self._setup.tables["people"]
                record = self._factory.make(survey, people, moment, cap_ms=None, fresh=True)
                self._append_response(moment, record)
                added.append(record["id"])
                moment += self._rng.randrange(2000, 9000)
            return added

    def _append_response(self, created: int, record: dict[str, Any]) -> None:
        record = self._shaped(record)
        for drift in self._response_drift:
            record = drift(record)
        # An edit made after this response arrived must carry a later updatedAt.
        self._clock_ms = max(self._clock_ms, to_ms(datetime.fromisoformat(record["updatedAt"])))
        self._responses.append(created, record["id"], record["surveyId"], dumps(record))

    def rename_response_field(self, old: str, new: str, *, newest: int) -> None:
        """Schema drift: move top-level key `old` to `new` on the `newest` most recent responses.

        Responses added afterwards get the new name too. The key keeps its place in the record;
        `updatedAt` does not change (the API changed, not the response).

        Args:
            old: Current field name.
            new: New field name.
            newest: How many of the most recent responses to change.
        """

        def rename(record: dict[str, Any]) -> dict[str, Any]:
            return rename_field(record, old, new)

        with self._lock:
            self._responses.rewrite_newest(newest, rename)
            self._response_drift.append(rename)

    def add_field(
        self, endpoint: str, field: str, value_fn: Callable[[dict[str, Any]], Any]
    ) -> None:
        """Schema drift: a new field appears on every record of an endpoint, unannounced.

        For responses, those added afterwards get it too.

        Args:
            endpoint: One of `ENDPOINTS`.
            field: Name of the new top-level field.
            value_fn: Called with each record (a dict); returns the field's value.
        """

        def add(record: dict[str, Any]) -> dict[str, Any]:
            record[field] = value_fn(record)
            return record

        with self._lock:
            if endpoint == "responses":
                self._responses.rewrite_all(add)
                self._response_drift.append(add)
            else:
                self._setup.add_field(endpoint, add)
