"""The change feed's reading (`formbricks/feed.py`) against a fake v2 that pages as the real one:
no total, `startDate`/`endDate` inclusive, ordered by one key with ties shuffled per request."""

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from analytics_assets.formbricks import feed
from analytics_assets.formbricks.feed import format_instant, parse_instant, probe_feed, read_feed

BASE = datetime(2026, 11, 1, tzinfo=UTC)


class _Reply:
    def __init__(self, status: int, body: Any) -> None:
        self.status_code = status
        self.text = body if isinstance(body, str) else json.dumps(body)

    def json(self) -> Any:
        return json.loads(self.text)


class FakeV2:
    """Responses by id with `createdAt`/`updatedAt`; answers as v2 does, shuffling ties."""

    def __init__(self, records: list[dict[str, Any]], seed: int = 1) -> None:
        self.records = records
        self.rng = random.Random(seed)
        self.requests: list[dict[str, Any]] = []

    def get(self, path: str, params: dict[str, Any] | None = None) -> _Reply:
        params = dict(params or {})
        self.requests.append(params)
        limit, skip = int(params.get("limit", 50)), int(params.get("skip", 0))
        if not 1 <= limit <= 250:
            return _Reply(422, {"error": {"code": 422, "details": [{"field": "limit"}]}})
        field = params.get("filterDateField", "createdAt")
        if field not in ("createdAt", "updatedAt"):
            details = [{"field": "filterDateField", "issue": "invalid enum value"}]
            return _Reply(422, {"error": {"code": 422, "details": details}})
        rows = [r for r in self.records if self._within(r[field], params)]
        key = params.get("sortBy", "createdAt")
        self.rng.shuffle(rows)  # ties come back in any order
        rows.sort(key=lambda r: r[key], reverse=params.get("order", "desc") == "desc")
        return _Reply(200, {"data": rows[skip : skip + limit]})

    @staticmethod
    def _within(value: str, params: dict[str, Any]) -> bool:
        instant = parse_instant(value)
        start, end = params.get("startDate"), params.get("endDate")
        return (start is None or instant >= parse_instant(start)) and (
            end is None or instant <= parse_instant(end)
        )


def _record(n: int, created: datetime, updated: datetime) -> dict[str, Any]:
    return {"id": f"r{n:05d}", "createdAt": format_instant(created), "updatedAt": format_instant(updated)}


def test_the_probe_tells_a_server_that_checks_filter_date_field() -> None:
    assert probe_feed(FakeV2([])).available  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "body", "why"),
    [
        (200, {"data": []}, "ignores filterDateField"),
        (404, "<html>404</html>", "no v2 API"),
        (401, {"error": {"code": 401}}, "refused the key"),
    ],
)
def test_the_probe_says_why_there_is_no_feed(status: int, body: Any, why: str) -> None:
    class Server:
        def get(self, path: str, params: Any = None) -> _Reply:
            return _Reply(status, body)

    availability = probe_feed(Server())  # type: ignore[arg-type]
    assert not availability.available and why in availability.reason


def test_a_bulk_edit_larger_than_a_page_arrives_whole() -> None:
    # 300 old responses edited at one instant, 40 other edits around it, pages of 250.
    instant = BASE + timedelta(days=3)
    records = [_record(n, BASE + timedelta(minutes=n), instant) for n in range(300)]
    records += [
        _record(1000 + n, BASE + timedelta(minutes=n), instant + timedelta(seconds=n - 20))
        for n in range(41)
        if n != 20
    ]
    server = FakeV2(records)
    read = read_feed(server, BASE)  # type: ignore[arg-type]

    assert read.complete
    assert sorted(read.entries) == sorted(r["id"] for r in records)


def test_ties_across_a_page_boundary_lose_nothing() -> None:
    # Groups of 7 responses share each updatedAt; pages of 10 cut every other group.
    records = [
        _record(n, BASE, BASE + timedelta(seconds=n // 7)) for n in range(140)
    ]
    for seed in range(5):
        read = read_feed(FakeV2(records, seed=seed), BASE, limit=10)  # type: ignore[arg-type]
        assert sorted(read.entries) == sorted(r["id"] for r in records), seed


def test_a_group_whose_created_at_ties_too_is_read_again_until_it_adds_up() -> None:
    # 12 responses share both instants; pages of 10: each read sees a shuffled 10 + 2.
    records = [_record(n, BASE, BASE + timedelta(hours=1)) for n in range(12)]
    server = FakeV2(records, seed=3)
    read = read_feed(server, BASE, limit=10)  # type: ignore[arg-type]

    assert read.complete and len(read.entries) == 12


def test_a_group_that_never_adds_up_stops_the_read_before_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed, "GROUP_READS", 1)
    early = [_record(100 + n, BASE, BASE + timedelta(minutes=1)) for n in range(3)]
    tied = [_record(n, BASE, BASE + timedelta(hours=1)) for n in range(30)]

    class Unlucky(FakeV2):
        def get(self, path: str, params: Any = None) -> _Reply:
            reply = super().get(path, params)
            if params and params.get("endDate") and reply.status_code == 200:
                body = reply.json()
                body["data"] = body["data"][:1] * len(body["data"])  # the same one, again and again
                reply = _Reply(200, body)
            return reply

    read = read_feed(Unlucky(early + tied), BASE, limit=10)  # type: ignore[arg-type]
    assert not read.complete
    assert read.stopped_at == BASE + timedelta(hours=1)
    assert sorted(read.entries) == sorted(r["id"] for r in early)


def test_a_short_page_ends_the_read_with_no_request_for_an_empty_one() -> None:
    records = [_record(n, BASE, BASE + timedelta(seconds=n)) for n in range(30)]
    server = FakeV2(records)
    read = read_feed(server, BASE, limit=250)  # type: ignore[arg-type]
    assert len(read.entries) == 30 and read.pages == 1 == len(server.requests)
    assert server.requests[0]["sortBy"] == "updatedAt" and server.requests[0]["order"] == "asc"


def test_a_read_told_it_has_enough_stops_before_its_last_instant() -> None:
    records = [_record(n, BASE, BASE + timedelta(seconds=n)) for n in range(600)]
    server = FakeV2(records)
    read = read_feed(server, BASE, limit=250, enough=lambda page: True)  # type: ignore[arg-type]

    assert not read.complete and not read.stalled and read.pages == 1
    assert read.stopped_at == BASE + timedelta(seconds=249)
    assert sorted(read.entries) == sorted(r["id"] for r in records[:249])
