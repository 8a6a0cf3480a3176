"""The query of `GET /api/v2/management/responses`, checked as the real route's zod schema does.

`ZGetFilter` extended by `ZGetResponsesFilter` (`modules/api/v2/types/api-filter.ts`,
`management/responses/types/responses.ts`): `limit` 1-250 (default 50), `skip` >= 0, `sortBy`,
`order`, `startDate`/`endDate` (`z.coerce.date()`), `filterDateField` (4.2.0 and later),
`surveyId` (a cuid2), `contactId`, and a refinement that startDate is not after endDate. Unknown
parameters are stripped. Every issue becomes one `{"field", "issue"}` detail of a 422.

The messages are zod's own: zod 3 up to 4.7, zod 4 from 4.8 (checked against zod 3.24.4 and
4.3.6, the versions those releases pin). Numbers are coerced like JavaScript's `Number()` (an
empty value is 0, so `limit=` is too small) and dates like `new Date()`, for ISO 8601 text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["V2Query", "parse_query"]

_SORT_FIELDS = ("createdAt", "updatedAt")
_ORDERS = ("asc", "desc")
_CUID2 = re.compile(r"[0-9a-z]+")
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_PREFIXED = {"x": 16, "o": 8, "b": 2}
# What `new Date(text)` reads: ISO 8601 (a space for the T, as V8's fallback allows).
_ISO = re.compile(
    r"(?P<year>[+-]\d{6}|\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)
_MESSAGES = {
    3: {
        "too_big": "Number must be less than or equal to {}",
        "too_small": "Number must be greater than or equal to {}",
        "nan": "Expected number, received nan",
        "date": "Invalid date",
    },
    4: {
        "too_big": "Too big: expected number to be <={}",
        "too_small": "Too small: expected number to be >={}",
        "nan": "Invalid input: expected number, received NaN",
        "infinite": "Invalid input: expected number, received number",
        "date": "Invalid input: expected date, received Date",
    },
}


@dataclass(frozen=True)
class V2Query:
    """A query that passed the schema. `limit` and `skip` may still be fractions (Prisma then
    fails, a 500); dates are milliseconds since the epoch, inclusive."""

    limit: float = 50
    skip: float = 0
    sort_by: str = "createdAt"
    order: str = "desc"
    start_ms: int | None = None
    end_ms: int | None = None
    date_field: str = "createdAt"
    survey_id: str | None = None
    contact_id: str | None = None


class _Issues:
    """The issues found so far, and whether one of them stops zod's refinement."""

    def __init__(self, zod: int) -> None:
        self.zod = zod
        self.details: list[dict[str, str]] = []
        # A value of the wrong type aborts the object: its refinement never runs.
        self.aborted = False

    def add(self, field: str, kind: str, *args: Any, aborts: bool = False) -> None:
        self.details.append({"field": field, "issue": _MESSAGES[self.zod][kind].format(*args)})
        self.aborted = self.aborted or aborts

    def enum(self, field: str, raw: str, options: tuple[str, ...]) -> None:
        if self.zod == 3:
            expected = " | ".join(f"'{option}'" for option in options)
            issue = f"Invalid enum value. Expected {expected}, received '{raw}'"
        else:
            issue = "Invalid option: expected one of " + "|".join(f'"{o}"' for o in options)
        self.details.append({"field": field, "issue": issue})
        self.aborted = True


def parse_query(query: dict[str, str], *, date_filter: bool, zod: int) -> V2Query | list[dict]:
    """The query the route works with, or the details of its 422.

    Args:
        query: The request's parameters.
        date_filter: Whether the schema has `filterDateField` (4.2.0 and later); without it the
            parameter is stripped, and startDate/endDate filter `createdAt`.
        zod: 3 or 4, whose messages to write.
    """
    issues = _Issues(zod)
    limit = _number(query, "limit", 50, 1, 250, issues)
    skip = _number(query, "skip", 0, 0, None, issues)
    sort_by = _choice(query, "sortBy", "createdAt", _SORT_FIELDS, issues)
    order = _choice(query, "order", "desc", _ORDERS, issues)
    start = _date(query, "startDate", issues)
    end = _date(query, "endDate", issues)
    date_field = "createdAt"
    if date_filter:
        date_field = _choice(query, "filterDateField", "createdAt", _SORT_FIELDS, issues)
    survey_id = query.get("surveyId")
    if survey_id is not None and not _CUID2.fullmatch(survey_id):
        issues.details.append({"field": "surveyId", "issue": "Invalid cuid2"})
    if not issues.aborted and start is not None and end is not None and start > end:
        issues.details.append({"field": "", "issue": "startDate must be before endDate"})
    if issues.details:
        return issues.details
    return V2Query(
        limit=limit,
        skip=skip,
        sort_by=sort_by,
        order=order,
        start_ms=start,
        end_ms=end,
        date_field=date_field,
        survey_id=survey_id or None,
        # `if (contactId)`: an empty one filters nothing.
        contact_id=query.get("contactId") or None,
    )


def _js_number(raw: str) -> float:
    """`Number(raw)` of JavaScript."""
    text = raw.strip()
    if text == "":
        return 0.0
    prefix = text[1:2].lower() if text[:1] == "0" else ""
    if prefix in _PREFIXED:
        try:
            return float(int(text[2:], _PREFIXED[prefix]))
        except ValueError:
            return math.nan
    if _DECIMAL.fullmatch(text):
        return float(text.replace("Infinity", "inf"))
    return math.nan


def _number(
    query: dict[str, str],
    name: str,
    default: float,
    low: float,
    high: float | None,
    issues: _Issues,
) -> float:
    if name not in query:
        return default
    value = _js_number(query[name])
    if math.isnan(value):
        issues.add(name, "nan", aborts=True)
    elif math.isinf(value) and issues.zod == 4:
        issues.add(name, "infinite", aborts=True)
    elif value < low:
        issues.add(name, "too_small", low)
    elif high is not None and value > high:
        issues.add(name, "too_big", high)
    return value


def _choice(
    query: dict[str, str], name: str, default: str, options: tuple[str, ...], issues: _Issues
) -> str:
    raw = query.get(name)
    if raw is None:
        return default
    if raw not in options:
        issues.enum(name, raw, options)
    return raw


def _date(query: dict[str, str], name: str, issues: _Issues) -> int | None:
    if name not in query:
        return None
    moment = _js_date_ms(query[name].strip())
    if moment is None:
        issues.add(name, "date", aborts=True)
    return moment


def _js_date_ms(text: str) -> int | None:
    """Milliseconds of `new Date(text)` for ISO 8601 text; None for an Invalid Date.

    Without a zone a date-time is local time: UTC, as Formbricks' containers run. Days past
    the month's end roll over into the next, as V8 does.
    """
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    parts = {key: int(value) for key, value in match.groupdict().items() if value and key != "zone"}
    month, day = parts.get("month", 1), parts.get("day", 1)
    hour, minute, second = parts.get("hour", 0), parts.get("minute", 0), parts.get("second", 0)
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second <= 59):
        return None
    try:
        moment = datetime(parts["year"], month, 1, tzinfo=UTC)
    except ValueError:
        return None
    fraction = (match["fraction"] or "0")[:3].ljust(3, "0")
    moment += timedelta(
        days=day - 1, hours=hour, minutes=minute, seconds=second, milliseconds=int(fraction)
    )
    zone = match["zone"]
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return int(moment.timestamp() * 1000)
