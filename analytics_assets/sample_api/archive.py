"""Archived surveys, as Formbricks 5.3 and later keep them.

`archiveSurvey` (`modules/survey/lib/surveys.ts`, 5.3.4 and 5.4.0-rc.1) sets `archivedAt`,
moves an `inProgress` survey to `paused` (intake stops), and, being a write, moves `updatedAt`
(Prisma's `@updatedAt`). A daily job deletes surveys archived more than 30 days ago with their
responses, so every archived survey still served was archived within the last 30 days.

The sample archives the draft (abandoned before launch) and the paused and completed surveys,
after their last response: nothing was answered after the archive, and nothing is old enough
to purge. None of them is `inProgress`, so none changes status.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from analytics_assets.sample_api.primitives import DAY_MS, iso_ms, to_ms

__all__ = ["PURGE_AFTER_DAYS", "archive_surveys"]

PURGE_AFTER_DAYS = 30
_HOUR_MS = 3_600_000


def archive_surveys(
    surveys: list[dict[str, Any]],
    newest_response: Callable[[str], int | None],
    *,
    now_ms: int,
    rng: random.Random,
) -> set[str]:
    """Archive the draft, paused and completed surveys in place; re-sort the list as the API
    lists it (most recently updated first).

    Args:
        surveys: Canonical survey records, most recently updated first.
        newest_response: createdAt (ms) of a survey's newest response, None if it has none.
        now_ms: The dataset's "now".
        rng: Draws when each was archived.

    Returns:
        The ids of the archived surveys.
    """
    archived = set()
    earliest = now_ms - (PURGE_AFTER_DAYS - 1) * DAY_MS
    for survey in surveys:
        if survey.get("status") not in ("draft", "paused", "completed"):
            continue
        last_write = to_ms(datetime.fromisoformat(survey["updatedAt"]))
        after = max(last_write, newest_response(survey["id"]) or 0, earliest)
        if after >= now_ms - _HOUR_MS:
            continue  # touched in the last hour: not archived yet
        moment = after + int(rng.random() * (now_ms - _HOUR_MS - after))
        survey["archivedAt"] = iso_ms(moment)
        survey["updatedAt"] = iso_ms(moment)
        archived.add(survey["id"])
    surveys.sort(key=lambda survey: (survey["updatedAt"], survey["id"]), reverse=True)
    return archived
