"""The change-feed steps of an ingestion run: edits to responses older than the sync's window.

- `prepare_feed`, before the load: is the feed on (`ANALYTICS_API_CHANGE_FEED`), does the server
  have it (one request, `formbricks/feed.py`), and the latest `updatedAt` it holds, which
  becomes the mark of a read that starts from nothing (a full refresh, or the first run).
- `apply_feed`, after the load: read the feed from the mark stored in dlt's state (minus a
  margin), keep the responses the warehouse holds older or not at all, read the oldest of them
  by id from v1 (at most `changes_per_sync`), and merge them with the new mark in one load
  (`formbricks/feed_load.py`). What is past the cap waits for the next sync: the mark stops at
  the first response not applied.

Without a feed (no v2, Formbricks before 4.2.0, a key v2 refuses, or `off`) a sync is what it
was before: the metadata says why, in an info line, never a warning on every run.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dlt.sources.helpers.rest_client import RESTClient
from requests import RequestException

from analytics_assets.component.ingestion.run import IngestionRun
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.errors import AnalyticsApiError
from analytics_assets.formbricks.feed import (
    FeedEntry,
    FeedRead,
    format_instant,
    newest_update,
    parse_instant,
    probe_feed,
    read_by_id,
    read_feed,
)
from analytics_assets.formbricks.feed_load import edited_responses_source, feed_mark
from analytics_assets.warehouse.versions import held_updated_at

AVAILABLE, UNAVAILABLE, OFF, FAILED = "available", "unavailable", "off", "failed"
# What the feed's requests may raise once the retries are spent: the feed then fails alone.
FEED_ERRORS = (AnalyticsApiError, RequestException)


@dataclass
class FeedOutcome:
    """What the change feed did in one run, for the responses' materialization.

    Attributes:
        status: `available`, `unavailable`, `off`, or `failed` (this run; the sync loaded).
        reason: Why there is no feed, or what the feed did.
        high_water: The latest `updatedAt` the server held before the load.
        applied: Edited old responses merged by this run.
        pending: Edited old responses left for the next sync (past the cap).
        gone: Listed responses the API no longer had when read by id.
        mark: The mark this run stored.
        v2_requests: Requests to v2 (the probe, the latest update, the feed's pages).
        by_id_requests: Responses read by id from v1.
        load_ids: dlt's load of the edited responses, if it ran.
    """

    status: str
    reason: str = ""
    high_water: datetime | None = None
    applied: int = 0
    pending: int = 0
    gone: int = 0
    mark: str | None = None
    v2_requests: int = 0
    by_id_requests: int = 0
    load_ids: list[str] = field(default_factory=list)


def _setting(run: IngestionRun) -> str:
    """The change-feed setting in effect, as the user wrote it (field or variable)."""
    if run.api.change_feed is not None:
        return f"{run.names.api_resource}.change_feed"
    return settings.ENV_API_CHANGE_FEED


def _failed(run: IngestionRun, outcome: FeedOutcome, error: Exception) -> FeedOutcome:
    """The feed failed: the sync's own load stands, the mark stays, the next sync retries."""
    outcome.status, outcome.reason = FAILED, f"{error}"
    outcome.applied = outcome.pending = 0
    run.context.log.warning(
        f"responses: the change feed failed ({error}). The sync's own rows were loaded and the "
        "feed's mark did not move, so the next sync reads the same edits again; if this "
        f"keeps happening, set {_setting(run)} to off to sync without it."
    )
    return outcome


def prepare_feed(run: IngestionRun, client: RESTClient) -> FeedOutcome | None:
    """Whether this run uses the feed; None when it does not load responses."""
    if settings.PAGED_RESOURCE not in run.tables:
        return None
    if run.api.resolved_change_feed() == settings.CHANGE_FEED_OFF:
        return FeedOutcome(OFF, f"{_setting(run)} is off")
    outcome = FeedOutcome(AVAILABLE)
    try:
        availability = probe_feed(client)
        outcome.v2_requests = 1
        if not availability.available:
            run.context.log.info(
                f"responses: no change feed ({availability.reason}); edits to responses older "
                "than the sync's window arrive with the full refresh."
            )
            return FeedOutcome(UNAVAILABLE, availability.reason, v2_requests=1)
        outcome.high_water = newest_update(client)
        outcome.v2_requests = 2
    except FEED_ERRORS as error:
        return _failed(run, outcome, error)
    return outcome


def _stale(entries: list[FeedEntry], held: dict[str, datetime | None]) -> list[FeedEntry]:
    """The listed responses the warehouse holds older than listed, or not at all, oldest first."""

    def behind(entry: FeedEntry) -> bool:
        mine = held.get(entry.id)
        return mine is None or mine < entry.updated_at

    return sorted(filter(behind, entries), key=lambda entry: (entry.updated_at, entry.id))


def _next_mark(read: FeedRead, waiting: list[FeedEntry], old: datetime) -> datetime:
    """Where the next sync starts: the first response not applied, else all that was listed."""
    if waiting:
        return waiting[0].updated_at
    if read.stopped_at is not None:
        return read.stopped_at
    return max([old, *(entry.updated_at for entry in read.entries.values())])


class _StaleCounter:
    """Counts the stale responses of each page, so the read stops once it has more than a
    sync applies: a backlog of 100,000 edits is listed a little at a time, not on every sync."""

    def __init__(self, run: IngestionRun, cap: int) -> None:
        self.run, self.cap, self.stale = run, cap, 0

    def __call__(self, page: list[FeedEntry]) -> bool:
        held = held_updated_at(self.run.pipeline, (entry.id for entry in page))
        self.stale += len(_stale(page, held))
        return self.stale > self.cap


def _read_edits(
    run: IngestionRun, client: RESTClient, outcome: FeedOutcome, old: datetime
) -> list[dict[str, Any]]:
    margin = timedelta(minutes=run.api.change_feed_margin_minutes)
    cap = run.api.resolved_changes_per_sync()
    read = read_feed(client, old - margin, enough=_StaleCounter(run, cap))
    outcome.v2_requests += read.pages
    stale = _stale(list(read.entries.values()), held_updated_at(run.pipeline, read.entries))
    taken, waiting = stale[:cap], stale[cap:]
    records = []
    for entry in taken:
        record = read_by_id(client, entry.id)
        outcome.by_id_requests += 1
        if record is None:
            outcome.gone += 1  # deleted since it was listed; the full refresh mirrors it
        else:
            records.append(record)
    outcome.applied, outcome.pending = len(records), len(waiting)
    outcome.mark = format_instant(_next_mark(read, waiting, old))
    if read.stalled:
        outcome.reason = (
            f"more responses share the updatedAt {outcome.mark} than could be read whole; the "
            "next sync reads them again, and the full refresh loads them meanwhile"
        )
        run.context.log.warning(f"responses: the change feed stopped: {outcome.reason}.")
    return records


def apply_feed(run: IngestionRun, client: RESTClient, outcome: FeedOutcome | None) -> list[str]:
    """Merge the edited old responses the feed lists, and store the next mark.

    Returns:
        The load ids of that load (none without a feed).
    """
    if outcome is None or outcome.status != AVAILABLE:
        return []
    stored = feed_mark(run.pipeline.state)
    try:
        if run.config.full_refresh or stored is None:
            # Everything up to now was just read whole (or the feed starts with this run).
            outcome.mark, records = format_instant(outcome.high_water or datetime.now(UTC)), []
        else:
            records = _read_edits(run, client, outcome, parse_instant(stored))
    except FEED_ERRORS as error:
        _failed(run, outcome, error)
        return []
    if not records and outcome.mark == stored:
        return []  # nothing to merge and the mark stays: no load
    source = edited_responses_source(records, outcome.mark, run.ledger)
    info = run.pipeline.run(source, loader_file_format=run.warehouse.resolved_loader_file_format())
    outcome.load_ids = list(info.loads_ids)
    run.context.log.info(
        f"responses: the change feed applied {outcome.applied} edited responses older than the "
        f"sync's window, {outcome.pending} wait for the next sync, {outcome.gone} were deleted "
        f"meanwhile ({outcome.v2_requests} v2 requests, {outcome.by_id_requests} read by id; "
        f"mark {outcome.mark})."
    )
    return outcome.load_ids
