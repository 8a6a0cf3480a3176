"""Edits of old responses every so often, in a daemon thread: what a demo's user sees arrive.

Real respondents come back to a survey days later, and the API has no event for it: the
response's `updatedAt` moves and nothing else tells. The demo's sample does the same, so the
next sync shows an old response changed (finished, its NPS answer changed) while the newest
responses stay where they were.
"""

from __future__ import annotations

import random
import threading
from datetime import timedelta

from analytics_assets.sample_api.store import SampleDataset

__all__ = ["DEFAULT_EDITS_PER_MINUTE", "EditFeed"]

# A few a minute: a sync every minute or two shows some, without drowning the rest.
DEFAULT_EDITS_PER_MINUTE = 3.0
# "Old": created at least this long before the newest response.
OLD_RESPONSE_AGE = timedelta(days=2)
# Each edit changes one to this many responses, all stamped with one updatedAt.
MAX_RESPONSES_PER_EDIT = 3


class EditFeed:
    """Calls `finish_and_change_answers` on a few old responses `per_minute` times a minute."""

    def __init__(self, dataset: SampleDataset, per_minute: float, seed: int = 0) -> None:
        """Configure the feed (nothing runs until `start()`).

        Args:
            dataset: The dataset to edit.
            per_minute: Edits a minute; 0 never edits.
            seed: Seed of which responses are picked and what they become.

        Raises:
            ValueError: If `per_minute` is negative.
        """
        if per_minute < 0:
            raise ValueError("per_minute must not be negative")
        self.dataset = dataset
        self.per_minute = per_minute
        self._rng = random.Random(f"{seed}:edit-feed")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.edited: list[str] = []

    def edit_once(self) -> list[str]:
        """Edit one to three old responses now; their ids (none when none is old enough)."""
        count = self._rng.randint(1, MAX_RESPONSES_PER_EDIT)
        ids = self.dataset.old_response_ids(count, older_than=OLD_RESPONSE_AGE, rng=self._rng)
        if ids:
            self.dataset.finish_and_change_answers(ids, rng=self._rng)
            self.edited.extend(ids)
        return ids

    def start(self) -> EditFeed:
        """Start editing in a daemon thread (nothing when `per_minute` is 0)."""
        if self.per_minute == 0 or self._thread is not None:
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sample-api-edits", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop editing; returns once the thread ended (an edit under way completes)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        interval = 60.0 / self.per_minute
        # The first edit one interval after the start: a first sync sees the data as generated.
        while not self._stop.wait(interval):
            self.edit_once()
