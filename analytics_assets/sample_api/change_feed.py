"""Edits of existing responses (the other half of `SampleDataset`'s edits, beside `edits.py`):
what a change feed has to catch.

In Formbricks `updatedAt` is Prisma's `@updatedAt`: it moves whenever the response's row is
written (finished later, answers, meta or variables edited), never `createdAt`. Tags live in a
join table (`TagsOnResponses`), so tagging or untagging a response leaves its row, and its
`updatedAt`, alone. An edit of many responses in one go (a bulk update, a migration) gives them
one shared `updatedAt`, which is how a page of a feed ordered by `updatedAt` fills with ties.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from analytics_assets.sample_api.primitives import iso_ms, to_ms, wall_clock_ms
from analytics_assets.sample_api.response_store import ResponseStore

__all__ = ["ChangeFeedEdits"]

# Fields whose change would move a response in the order or between surveys; the real API
# never changes them after creation.
_IMMUTABLE_RESPONSE_FIELDS = frozenset({"id", "createdAt", "surveyId"})
# Fields kept in tables of their own: changing them does not write the response's row.
_JOIN_TABLE_FIELDS = frozenset({"tags"})
Edit = Callable[[dict[str, Any]], None]


def _parse_ms(timestamp: str) -> int:
    return to_ms(datetime.fromisoformat(timestamp))


class ChangeFeedEdits:
    """Edits of existing responses; the state they use is set up by `SampleDataset.__init__`."""

    _lock: threading.RLock
    _rng: random.Random
    _live_clock: bool
    _clock_ms: int
    _responses: ResponseStore
    _surveys_by_id: dict[str, dict[str, Any]]

    def edit_response(self, response_id: str, **fields: Any) -> dict[str, Any]:
        """Change a response the way the real API's users do (finish it, edit an answer, tag it).

        `updatedAt` moves forward (unless given explicitly, or only `tags` change: tags are a
        join table); `createdAt` and the response's place in the order stay.

        Args:
            response_id: Id of the response.
            **fields: Top-level fields to set, e.g. `finished=True, tags=[...]`.

        Returns:
            The edited record.

        Raises:
            KeyError: If there is no such response.
            ValueError: If a field that the API never changes (id, createdAt, surveyId) is given.
        """
        return self.edit_responses([response_id], **fields)[0]

    def edit_responses(
        self, ids: Iterable[str], *, at: datetime | None = None, **fields: Any
    ) -> list[dict[str, Any]]:
        """Set the same fields on many responses at once, so they share ONE `updatedAt`.

        Args:
            ids: Ids of the responses (old ones too: their place in the order stays).
            at: Their new `updatedAt`; default one moment later than everything the dataset
                holds. Ignored when only `tags` change (their `updatedAt` stays).
            **fields: Top-level fields to set on each.

        Returns:
            The edited records, in the order of `ids`.

        Raises:
            KeyError: If a response does not exist (nothing is changed then).
            ValueError: If an immutable field is given, or `at` is before a response's creation.
        """
        frozen = _IMMUTABLE_RESPONSE_FIELDS.intersection(fields)
        if frozen:
            raise ValueError(f"cannot change {sorted(frozen)} of a response")
        moves = "updatedAt" not in fields and bool(set(fields) - _JOIN_TABLE_FIELDS)

        def edit(record: dict[str, Any]) -> None:
            record.update(fields)

        return self._edit_together(list(ids), edit, at=at if moves else None, moves=moves)

    def finish_and_change_answers(
        self,
        ids: Iterable[str],
        *,
        at: datetime | None = None,
        rng: random.Random | None = None,
    ) -> list[dict[str, Any]]:
        """What a respondent who comes back days later does: the unfinished responses are
        finished (with an ending and a total time), and an NPS answer changes. All of them get
        one shared `updatedAt`.

        Args:
            ids: Ids of the responses.
            at: Their new `updatedAt` (see `edit_responses`).
            rng: Draws the new answers and endings; default the dataset's generator.

        Returns:
            The edited records, in the order of `ids`.

        Raises:
            KeyError: If a response does not exist.
            ValueError: If `at` is before a response's creation.
        """
        draw = rng or self._rng

        def edit(record: dict[str, Any]) -> None:
            survey = self._surveys_by_id.get(record["surveyId"], {})
            if not record.get("finished"):
                _finish(record, survey, draw)
            nps = next((q for q in survey.get("questions", []) if q.get("type") == "nps"), None)
            if nps is not None and isinstance(record.get("data"), dict):
                current = record["data"].get(nps["id"])
                record["data"][nps["id"]] = draw.choice([v for v in range(11) if v != current])

        return self._edit_together(list(ids), edit, at=at, moves=True)

    def old_response_ids(
        self,
        count: int,
        *,
        older_than: timedelta = timedelta(days=2),
        rng: random.Random | None = None,
    ) -> list[str]:
        """Up to `count` random responses created at least `older_than` before the newest.

        Args:
            count: How many to pick (fewer when fewer are that old).
            older_than: How much older than the newest response they must be.
            rng: Draws the picks; default the dataset's generator.
        """
        with self._lock:
            newest = self._responses.newest_created
            if newest is None:
                return []
            cutoff = newest - int(older_than.total_seconds() * 1000)
            candidates = self._responses.count_before(cutoff)
            picks = (rng or self._rng).sample(range(candidates), min(count, candidates))
            return [self._responses.id_at(position) for position in picks]

    def _edit_together(
        self, ids: list[str], edit: Edit, *, at: datetime | None, moves: bool
    ) -> list[dict[str, Any]]:
        """Apply `edit` to each response; when the row changes, stamp all with one updatedAt."""
        with self._lock:
            missing = [i for i in ids if i not in self._responses]
            if missing:
                raise KeyError(f"no responses {sorted(missing)}")
            stamp = self._shared_stamp(ids, at) if moves else None

            def change(record: dict[str, Any], _created: int) -> None:
                edit(record)
                if stamp is not None:
                    record["updatedAt"] = iso_ms(stamp)

            return [self._responses.edit(response_id, change) for response_id in ids]

    def _shared_stamp(self, ids: list[str], at: datetime | None) -> int:
        """One `updatedAt` for an edit of these responses (the lock is held)."""
        created = updated = 0
        for response_id in ids:
            record = json.loads(self._responses.body(response_id) or b"{}")
            created = max(created, _parse_ms(record["createdAt"]))
            updated = max(updated, _parse_ms(record["updatedAt"]))
        if at is None:
            stamp = max(self._tick(), created + 1, updated + 1)
        else:
            stamp = to_ms(at)
            if stamp < created:
                raise ValueError(f"`at` is before a response's creation ({iso_ms(created)})")
        # Later edits and submissions must come after this one.
        self._clock_ms = max(self._clock_ms, stamp)
        return stamp

    def _tick(self) -> int:
        """The "now" of an edit: the wall clock, or a logical clock when `now` was fixed.

        Either way it is later than every timestamp the dataset already holds, as a real
        edit is later than everything that happened before it.
        """
        if self._live_clock:
            self._clock_ms = max(self._clock_ms + 1, wall_clock_ms())
        else:
            self._clock_ms += 1000
        return self._clock_ms


def _finish(record: dict[str, Any], survey: dict[str, Any], rng: random.Random) -> None:
    """Mark a response finished, as the survey's last page does."""
    record["finished"] = True
    endings = survey.get("endings") or []
    # Release 2 has no endings in its responses; keep the shape the record has.
    if "endingId" in record and endings:
        record["endingId"] = rng.choice(endings)["id"]
    ttc = record.get("ttc") if isinstance(record.get("ttc"), dict) else {}
    # `calculateTtcTotal`: the sum of the per-question times.
    ttc["_total"] = sum(v for k, v in ttc.items() if k != "_total" and isinstance(v, int | float))
    record["ttc"] = ttc
