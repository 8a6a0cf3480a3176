"""The pipe step that gathers the paginator's pages of responses into batches."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar

import dlt

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.dlt_compat import ItemTransform
from analytics_assets.formbricks.ledger import RunLedger
from analytics_assets.formbricks.paging import ReadProgress


class ResponseBatches(ItemTransform[Any]):
    """The pipe step that gathers pages of response records into batches for `ResponseTables`.

    dlt computes and validates a table's schema for every Arrow item it is given (about 12 ms
    for the five responses tables), so one item per table and page would cost more than the
    row normalizer saves: pages are gathered into batches of `batch_responses` responses.

    This step sits before dlt's incremental step (placement affinity 0.95; the incremental's is
    1), so it sees every page the paginator reads, even a page the incremental will filter out
    whole. A batch is passed on when it is full, when the paginator says no page follows
    (`ReadProgress`), and when a page reaches back past the incremental's start: that batch is
    the read's last, since dlt's incremental closes the read after it (`row_order="desc"`).
    Nothing can be left behind: the read ends only at one of those pages. A sync from a stored
    cursor is a batch or two, where it was a batch per page when this step sat after the
    incremental (which passes nothing on for a page it filters out whole). A read that fails
    leaves its batch unwritten, with the rest of the run's load; the run's ledger
    (`RunLedger.held`) counts the records held, and a run that ends with any is an error,
    never a silent loss.
    """

    placement_affinity: ClassVar[float] = 0.95

    def __init__(
        self,
        progress: ReadProgress,
        ledger: RunLedger,
        batch_responses: int = settings.RESPONSES_ARROW_BATCH,
    ) -> None:
        super().__init__(self._batches)
        self.progress = progress
        self.ledger = ledger
        self.batch_responses = batch_responses
        self._pending: list[dict[str, Any]] = []

    def __call__(self, item: Any, meta: Any = None) -> Iterator[Any]:
        yield from self._batches(item)

    def _batches(self, item: Any) -> Iterator[Any]:
        records = item if isinstance(item, list) else [item]
        self._pending.extend(records)
        self.ledger.held[settings.PAGED_RESOURCE] = len(self._pending)
        if (
            len(self._pending) < self.batch_responses
            and self.progress.more
            and not _reaches_start(records)
        ):
            return
        batch, self._pending = self._pending, []
        self.ledger.held[settings.PAGED_RESOURCE] = 0
        if batch:
            yield batch


def _reaches_start(records: list[dict[str, Any]]) -> bool:
    """Whether dlt's incremental will find a record of this page before its (lagged) start.

    The cursor's last value is the newest `createdAt` (`max`), so a record is out of the window
    when its `createdAt` is earlier than the start. A record whose `createdAt` cannot be read
    counts as out of the window: a batch passed on early costs a little time, a batch held
    past the read's end would cost a page of requests.
    """
    wrapper = dlt.current.resource().incremental
    incremental = wrapper.incremental if wrapper is not None else None
    if incremental is None or incremental.start_value is None:
        return False  # a full refresh: no window
    start = _instant(incremental.start_value)
    for record in records:
        value = _instant(record.get(settings.RESPONSES_CURSOR_FIELD))
        if value is None or start is None:
            return True
        try:
            if value < start:
                return True
        except TypeError:  # one of them without a time zone
            return True
    return False


def _instant(value: Any) -> datetime | None:
    """A cursor value (ISO 8601 text, or a datetime) as a datetime; None if it is neither."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None
