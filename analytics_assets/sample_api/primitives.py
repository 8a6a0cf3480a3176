"""Small pieces the sample's generator, store and server share: timestamps as the API writes
them, JSON bytes as it sends them, random ids and weighted picks.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "DAY_MS",
    "Ids",
    "Picker",
    "dumps",
    "hashed_cuid",
    "iso_ms",
    "to_ms",
    "wall_clock_ms",
    "weighted",
]

DAY_MS = 86_400_000

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
# Maps each random byte to an id character; the slight bias (256 is not a multiple of 36)
# does not matter for sample ids, and translating bytes is far faster than drawing characters.
_ID_TABLE = bytes(ord(_ALNUM[value % 36]) for value in range(256))
_EPOCH = datetime(1970, 1, 1)


def iso_ms(ms: int) -> str:
    """Format milliseconds since the Unix epoch the way the API does: `2026-11-20T08:15:02.123Z`.

    Args:
        ms: Milliseconds since 1970-01-01T00:00:00Z.

    Returns:
        The ISO 8601 UTC timestamp with milliseconds and a `Z` suffix.
    """
    return (_EPOCH + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds") + "Z"


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (naive ones are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def wall_clock_ms() -> int:
    """The current time in milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def dumps(payload: Any) -> bytes:
    """`payload` as the API sends it."""
    # Compact and UTF-8 like JSON.stringify, so byte counts match what the real API sends.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def hashed_cuid(*parts: str) -> str:
    """A cuid-shaped id that depends only on `parts`, for records a release derives (a survey's
    blocks, say): drawing them from a generator would make them depend on the order of reads."""
    digest = hashlib.sha256(":".join(parts).encode("utf-8")).digest()
    return "c" + digest[:24].translate(_ID_TABLE).decode("ascii")


class Ids:
    """Distinct random ids drawn from one generator."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def _fresh(self, prefix: str, length: int) -> str:
        while True:
            value = prefix + self._rng.randbytes(length).translate(_ID_TABLE).decode("ascii")
            if value not in self._seen:
                self._seen.add(value)
                return value

    def cuid(self) -> str:
        """A 25-character, lowercase alphanumeric id starting with "c", like Prisma's cuid()."""
        return self._fresh("c", 24)

    def short(self) -> str:
        """A 24-character lowercase alphanumeric id, like the editor's question and choice ids."""
        return self._fresh("", 24)


class Picker:
    """Weighted choice with precomputed cumulative weights: one `random()` call per pick."""

    __slots__ = ("_cumulative", "_total", "_values")

    def __init__(self, pairs: Iterable[tuple[Any, float]]) -> None:
        self._values: list[Any] = []
        self._cumulative: list[float] = []
        total = 0.0
        for value, weight in pairs:
            total += weight
            self._values.append(value)
            self._cumulative.append(total)
        self._total = total

    def __call__(self, rng: random.Random) -> Any:
        return self._values[bisect_right(self._cumulative, rng.random() * self._total)]

    def without(self, unwanted: Callable[[Any], bool]) -> Picker:
        """The same weights less the values `unwanted` names (still one `random()` a pick)."""
        weights = [b - a for a, b in zip([0.0, *self._cumulative], self._cumulative, strict=False)]
        return Picker(
            (value, weight)
            for value, weight in zip(self._values, weights, strict=True)
            if not unwanted(value)
        )


def weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    """One value of `(value, weight)` pairs, drawn with `random.choices`."""
    return rng.choices([value for value, _ in pairs], weights=[w for _, w in pairs])[0]
