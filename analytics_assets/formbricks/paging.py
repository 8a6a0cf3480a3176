"""Paging through the responses endpoint: `limit`/`skip`, newest first, no total, unstable ties.

Written by hand because none of dlt's paginators covers two facts of this API:

- It sends no total count. dlt's `OffsetPaginator` without a total stops only at an empty page,
  one request later than needed: the first short page is already the last.
- Without a `surveyId` it orders responses by `createdAt` alone, so responses that share one
  `createdAt` (bulk imports, migrations) come back in a different order on every request. When
  such a group straddles a page boundary, the two pages can show some of its rows twice and
  others never. Offset paging cannot see the missing rows; only one request that holds the
  whole group can. So when a page starts with the `createdAt` the previous page ended with, the
  group is read again, from its first position to its last, in one page of that size; then
  paging goes on where it was. Re-read rows are merged on `id`, so they are not duplicated.

A page that is all one `createdAt` says nothing about where its group ends, so the re-read waits
for the page in which the group ends (or the empty page after it): 250 tied responses with pages
of 100 cost the normal pages and one re-read of 250. A group inside one page costs nothing.
"""

from typing import Any

from dlt.sources.helpers.rest_client.paginators import BasePaginator
from requests import Request, Response


class ReadProgress:
    """Whether a read has pages still to come, for a step further down the pipe.

    dlt deep-copies the paginator for each read, so the paginator cannot be asked directly; it
    tells this object instead, which a copy shares (`__deepcopy__` returns it). A page reaches
    the steps after the paginator saw it, so on the last page `more` is already False.
    """

    def __init__(self) -> None:
        self.more = True

    def __deepcopy__(self, memo: dict[int, Any]) -> "ReadProgress":
        return self


class NewestFirstPaginator(BasePaginator):
    """Offset paging that stops at the first short page and re-reads tie groups cut by a page.

    Args:
        limit: Page size.
        offset_param: Query parameter of the offset (`skip`).
        limit_param: Query parameter of the page size (`limit`).
        order_field: The field the API sorts by (`createdAt`).
        progress: Told after each page whether more pages follow.
    """

    def __init__(
        self,
        limit: int,
        offset_param: str,
        limit_param: str,
        order_field: str,
        progress: ReadProgress | None = None,
    ) -> None:
        super().__init__()
        self.progress = progress
        if limit < 1:
            raise ValueError(f"limit must be at least 1; got {limit}")
        self.limit = limit
        self.offset_param = offset_param
        self.limit_param = limit_param
        self.order_field = order_field
        self.rereads = 0
        self._more = True
        self._next_offset = 0  # where the next page in the normal sequence starts
        self._request = (0, limit)  # (offset, limit) of the request being answered
        self._queued: list[tuple[int, int]] = []
        self._tail_value: Any = None  # `order_field` of the rows that ended the last page
        self._tail_start = 0  # position of the first of those rows
        self._tail_pages = 0  # how many pages that group has shown up in so far

    @property
    def has_next_page(self) -> bool:
        return self._more

    def init_request(self, request: Request) -> None:
        if self.progress is not None:
            self.progress.more = True
        self._set(request, 0, self.limit)

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        rows = data or []
        offset, limit = self._request
        if offset != self._next_offset or limit != self.limit:
            # The answer to a re-read: the normal sequence goes on where it stopped.
            self._advance()
            return
        values = [row.get(self.order_field) if isinstance(row, dict) else None for row in rows]
        leading = _run_length(values, self._tail_value) if self._tail_pages else 0
        if self._tail_pages and leading == len(rows) == limit:
            # The whole page continues the group: where it ends is still unknown.
            self._tail_pages += 1
        else:
            if self._tail_pages + (leading > 0) > 1:
                # The group was cut by a page boundary and ends here: read it whole, once.
                self._queued.append((self._tail_start, offset + leading - self._tail_start))
            self._tail_pages = 0
            if rows:
                trailing = _run_length(values[::-1], values[-1])
                self._tail_value, self._tail_start = values[-1], offset + len(rows) - trailing
                self._tail_pages = 1
        self._next_offset = offset + limit if len(rows) >= limit else None
        self._advance()

    def update_request(self, request: Request) -> None:
        self._set(request, *self._request)

    def _advance(self) -> None:
        """Choose the next request: a queued re-read first, then the next page, or stop."""
        if self._queued:
            self.rereads += 1
            self._request = self._queued.pop(0)
            self._more = True
        elif self._next_offset is not None:
            self._request = (self._next_offset, self.limit)
            self._more = True
        else:
            self._more = False
        if self.progress is not None:
            self.progress.more = self._more

    def _set(self, request: Request, offset: int, limit: int) -> None:
        self._request = (offset, limit)
        if request.params is None:
            request.params = {}
        request.params[self.offset_param] = offset
        request.params[self.limit_param] = limit


def _run_length(values: list[Any], value: Any) -> int:
    """How many of `values`, from the first, equal `value`."""
    count = 0
    for current in values:
        if current != value:
            break
        count += 1
    return count
