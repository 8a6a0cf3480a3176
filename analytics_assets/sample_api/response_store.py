"""The sample's responses, kept as pre-serialized JSON bytes in oldest-first order.

Responses are the big table (a benchmark serves a few hundred thousand), so a page is a slice
of stored bytes joined into a body, and a record is decoded and re-encoded only when it is
edited. `ResponseStore` holds the bytes and the indexes over them (by id, by survey, by
`createdAt`); `SampleDataset` (`store.py`) holds the lock and decides what changes.
"""

from __future__ import annotations

import json
import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from analytics_assets.sample_api.primitives import dumps

__all__ = ["ResponseStore", "StoredResponse"]

# What `remove` hands back and `put_back` takes: (createdAt ms, id, surveyId, body).
StoredResponse = tuple[int, str, str, bytes]


class ResponseStore:
    """Responses oldest first (ascending createdAt, then id): the served order reversed.

    Not thread-safe on its own: the dataset's lock guards every call.
    """

    def __init__(self, survey_ids: Iterable[str]) -> None:
        """An empty store for responses to these surveys."""
        self._bodies: list[bytes] = []
        self._created: list[int] = []
        self._ids: list[str] = []
        self._position: dict[str, int] = {}
        self._by_survey: dict[str, list[int]] = {survey_id: [] for survey_id in survey_ids}
        # Moves on every change, so views built over the store (v2's) know when to catch up.
        self.version = 0

    def __len__(self) -> int:
        return len(self._bodies)

    def __contains__(self, response_id: object) -> bool:
        return response_id in self._position

    @property
    def newest_created(self) -> int | None:
        """createdAt (ms) of the newest response; None when there is none."""
        return self._created[-1] if self._created else None

    def append(self, created: int, response_id: str, survey_id: str, body: bytes) -> None:
        """Store a response newer than (or as new as) every stored one.

        Raises:
            KeyError: If the store was not made for its survey.
        """
        position = len(self._bodies)
        self.version += 1
        self._bodies.append(body)
        self._created.append(created)
        self._ids.append(response_id)
        self._position[response_id] = position
        self._by_survey[survey_id].append(position)

    def entries(self) -> Iterator[tuple[str, int, bytes]]:
        """(id, createdAt ms, body) of every response, oldest first."""
        return zip(self._ids, self._created, self._bodies, strict=True)

    def count_before(self, created: int) -> int:
        """How many responses were created before `created` (ms): the oldest positions."""
        return bisect_left(self._created, created)

    def id_at(self, position: int) -> str:
        """The id at a position of the oldest-first order."""
        return self._ids[position]

    def newest_of_survey(self, survey_id: str) -> int | None:
        """createdAt (ms) of a survey's newest response; None when it has none."""
        positions = self._by_survey.get(survey_id)
        return self._created[positions[-1]] if positions else None

    def body(self, response_id: str) -> bytes | None:
        """The stored bytes of a response, or None if there is no such response."""
        position = self._position.get(response_id)
        return None if position is None else self._bodies[position]

    def edit(self, response_id: str, change: Callable[[dict[str, Any], int], None]) -> dict:
        """Decode a response, let `change(record, created_ms)` edit it, and store it again.

        Raises:
            KeyError: If there is no such response.
        """
        position = self._position[response_id]
        record = json.loads(self._bodies[position])
        change(record, self._created[position])
        self.version += 1
        self._bodies[position] = dumps(record)
        return record

    def rewrite_newest(self, count: int, change: Callable[[dict], dict]) -> None:
        """Replace each of the `count` newest responses with `change(record)`."""
        total = len(self._bodies)
        self._rewrite(range(max(total - count, 0), total), change)

    def rewrite_all(self, change: Callable[[dict], dict]) -> None:
        """Replace every response with `change(record)`."""
        self._rewrite(range(len(self._bodies)), change)

    def _rewrite(self, positions: Iterable[int], change: Callable[[dict], dict]) -> None:
        bodies = self._bodies
        self.version += 1
        for position in positions:
            bodies[position] = dumps(change(json.loads(bodies[position])))

    def newest_first(self) -> list[bytes]:
        """Every stored body, in the served order."""
        return self._bodies[::-1]

    def page(
        self,
        skip: int,
        limit: int | None,
        survey_id: str | None,
        shuffle_ties: random.Random | None,
    ) -> list[bytes]:
        """The bodies of a page, newest first (see `SampleDataset.responses_body`)."""
        if survey_id is None:
            end = len(self._bodies) - skip
            start = 0 if limit is None else end - limit
            start, end = max(start, 0), max(end, 0)
            if shuffle_ties is None:
                chunk = self._bodies[start:end]
            else:
                chunk = self._cut_with_shuffled_ties(start, end, shuffle_ties)
        else:
            positions = self._by_survey.get(survey_id, [])
            end = len(positions) - skip
            start = 0 if limit is None else end - limit
            bodies = self._bodies
            chunk = [bodies[p] for p in positions[max(start, 0) : max(end, 0)]]
        chunk.reverse()
        return chunk

    def _cut_with_shuffled_ties(self, start: int, end: int, rng: random.Random) -> list[bytes]:
        """Stored positions [start, end) of an order whose tie groups are shuffled anew.

        Tie groups are contiguous in the stored order, so only the groups cut by the page's
        edges matter: they are widened to whole groups, shuffled, and the page cut again.
        """
        if start >= end:
            return []
        created = self._created
        low = bisect_left(created, created[start])
        high = bisect_right(created, created[end - 1])
        window = self._bodies[low:high]
        group_start = 0
        for index in range(1, len(window) + 1):
            if index == len(window) or created[low + index] != created[low + group_start]:
                if index - group_start > 1:
                    group = window[group_start:index]
                    rng.shuffle(group)
                    window[group_start:index] = group
                group_start = index
        return window[start - low : end - low]

    def ids_of_surveys(self, survey_ids: Iterable[str]) -> set[str]:
        """Ids of every response to any of these surveys."""
        return {
            self._ids[position]
            for survey_id in survey_ids
            for position in self._by_survey.get(survey_id, [])
        }

    def remove(self, doomed: set[str]) -> dict[str, StoredResponse]:
        """Drop these responses (unknown ids are ignored); returns what `put_back` restores."""
        survey_of = self._survey_of()
        removed = {
            response_id: (self._created[index], response_id, survey_of[index], self._bodies[index])
            for index, response_id in enumerate(self._ids)
            if response_id in doomed
        }
        self._reorder([i for i, response_id in enumerate(self._ids) if response_id not in doomed])
        return removed

    def put_back(self, entries: Iterable[StoredResponse]) -> None:
        """Store responses that `remove` dropped, each in its place in the order."""
        for created, response_id, survey_id, body in entries:
            self.append(created, response_id, survey_id, body)
        self._reorder(sorted(range(len(self._ids)), key=lambda i: (self._created[i], self._ids[i])))

    def _survey_of(self) -> dict[int, str]:
        return {
            position: survey_id
            for survey_id, positions in self._by_survey.items()
            for position in positions
        }

    def _reorder(self, order: list[int]) -> None:
        """Keep only the stored positions in `order`, in that order, and rebuild the indexes."""
        survey_of = self._survey_of()
        self.version += 1
        self._bodies = [self._bodies[i] for i in order]
        self._created = [self._created[i] for i in order]
        self._ids = [self._ids[i] for i in order]
        self._position = {response_id: i for i, response_id in enumerate(self._ids)}
        self._by_survey = {survey_id: [] for survey_id in self._by_survey}
        for position, old in enumerate(order):
            self._by_survey.setdefault(survey_of[old], []).append(position)
