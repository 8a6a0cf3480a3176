"""The deletion plan and its guard: what a complete read found missing, and what may go.

`make_warehouse` (conftest) is a pipeline whose SQL client answers the one query
`plan_deletions` sends with canned `(id, created_at, updated_at, deleted_at)` rows.
"""

import dataclasses
from datetime import UTC, datetime

import pytest

from analytics_assets.warehouse.deletions import (
    FLAG_BATCH,
    VERIFY_LIMIT,
    TableDeletions,
    apply_deletions,
    is_mass_deletion,
    plan_deletions,
    responses_still_there,
)

ADVICE = (
    "a key scoped to the wrong workspace or a proxy serving a partial list looks like this. "
    "Nothing was deleted; run again with `confirm_deletions: true` if the API really lost "
    "these rows."
)
AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def plan(warehouse, seen, held_before=None, *, mode="delete", confirmed=False, complete=None):
    if held_before is None:
        held_before = {table: {row[0] for row in rows} for table, rows in warehouse.tables.items()}
    return plan_deletions(
        warehouse,
        seen,
        list(warehouse.tables) if complete is None else complete,
        held_before,
        mode=mode,
        confirmed=confirmed,
    )


def ids_of(rows) -> set[str]:
    return {row[0] for row in rows}


@pytest.mark.parametrize(
    ("missing", "table_rows", "tripped"),
    [
        (11, 20, True),
        (10, 20, False),  # exactly half is not more than half
        (21, 40, True),
        (20, 40, False),
        (19, 19, False),  # under 20 rows: not guarded
        (10, 19, False),
        (0, 100, False),
    ],
)
def test_more_than_half_of_a_table_of_at_least_20_rows_is_a_mass_deletion(
    missing, table_rows, tripped
):
    assert is_mass_deletion(missing, table_rows) is tripped


def test_a_table_with_nothing_missing_plans_nothing(make_warehouse, live_rows):
    rows = live_rows(3)
    warehouse = make_warehouse({"surveys": rows})

    plans = plan(warehouse, {"surveys": ids_of(rows)})

    assert plans == {
        "surveys": TableDeletions(
            table="surveys",
            table_rows=3,
            base_rows=3,
            missing=(),
            purge=(),
            withheld=None,
            timestamps={
                "s00": ("2026-01-01", "2026-02-01"),
                "s01": ("2026-01-02", "2026-02-02"),
                "s02": ("2026-01-03", "2026-02-03"),
            },
        )
    }
    assert warehouse.queries == [
        'SELECT id, created_at, updated_at, deleted_at FROM "analytics"."surveys"'
    ]


def test_rows_the_read_did_not_return_are_missing_in_id_order(make_warehouse, live_rows):
    rows = live_rows(5)
    warehouse = make_warehouse({"webhooks": list(reversed(rows))})

    plans = plan(warehouse, {"webhooks": {"s01", "s03"}})

    assert plans["webhooks"].missing == ("s00", "s02", "s04")
    assert plans["webhooks"].withheld is None


def test_more_than_half_of_20_rows_missing_is_held_back(make_warehouse, live_rows):
    rows = live_rows(20)
    warehouse = make_warehouse({"surveys": rows})
    returned = {f"s{i:02d}" for i in range(9)}

    surveys = plan(warehouse, {"surveys": returned})["surveys"]

    assert surveys.missing == tuple(f"s{i:02d}" for i in range(9, 20))
    assert surveys.withheld == (
        "the read would remove 11 of 20 rows (55%), more than 50% of a table of at least "
        f"20 rows: {ADVICE}"
    )


def test_half_of_20_rows_missing_is_applied(make_warehouse, live_rows):
    rows = live_rows(20)
    warehouse = make_warehouse({"surveys": rows})

    surveys = plan(warehouse, {"surveys": {f"s{i:02d}" for i in range(10)}})["surveys"]

    assert len(surveys.missing) == 10
    assert surveys.withheld is None


def test_a_table_under_20_rows_is_not_guarded_by_share(make_warehouse, live_rows):
    rows = live_rows(19)
    warehouse = make_warehouse({"surveys": rows})

    surveys = plan(warehouse, {"surveys": {"s00"}})["surveys"]

    assert len(surveys.missing) == 18
    assert surveys.withheld is None


def test_a_confirmed_run_applies_what_the_guard_would_hold_back(make_warehouse, live_rows):
    rows = live_rows(20)
    warehouse = make_warehouse({"surveys": rows})

    surveys = plan(warehouse, {"surveys": {"s00"}}, confirmed=True)["surveys"]

    assert len(surveys.missing) == 19
    assert surveys.withheld is None


def test_a_read_that_returned_nothing_removes_nothing_whatever_the_size(make_warehouse, live_rows):
    warehouse = make_warehouse({"action_classes": live_rows(3, prefix="a")})

    action_classes = plan(warehouse, {})["action_classes"]

    assert action_classes.missing == ("a00", "a01", "a02")
    assert action_classes.withheld == (
        f"the read returned no rows at all but would remove 3: {ADVICE}"
    )


def test_every_old_row_gone_at_once_is_held_back_in_a_small_table(make_warehouse, live_rows):
    old, new = live_rows(5, prefix="old"), live_rows(3, prefix="new")
    warehouse = make_warehouse({"webhooks": old + new})

    webhooks = plan(warehouse, {"webhooks": ids_of(new)}, {"webhooks": ids_of(old)})["webhooks"]

    assert webhooks.table_rows == 8
    assert webhooks.base_rows == 5
    assert webhooks.missing == ("old00", "old01", "old02", "old03", "old04")
    assert webhooks.withheld == (
        f"the read would remove every one of the 5 rows the table held: {ADVICE}"
    )


def test_a_one_row_table_may_lose_its_only_row(make_warehouse, live_rows):
    old, new = live_rows(1, prefix="old"), live_rows(1, prefix="new")
    warehouse = make_warehouse({"webhooks": old + new})

    webhooks = plan(warehouse, {"webhooks": ids_of(new)}, {"webhooks": ids_of(old)})["webhooks"]

    assert webhooks.missing == ("old00",)
    assert webhooks.withheld is None


def test_rows_the_load_added_cannot_hide_a_wipe_of_the_old_ones(make_warehouse, live_rows):
    # 40 rows after the load, 20 of them new: 11 of the 20 old ones missing is more than half.
    old, new = live_rows(20, prefix="old"), live_rows(20, prefix="new")
    warehouse = make_warehouse({"surveys": old + new})
    returned = ids_of(new) | {f"old{i:02d}" for i in range(9)}

    surveys = plan(warehouse, {"surveys": returned}, {"surveys": ids_of(old)})["surveys"]

    assert surveys.table_rows == 40
    assert surveys.base_rows == 20
    assert len(surveys.missing) == 11
    assert surveys.withheld == (
        "the read would remove 11 of 20 rows (55%), more than 50% of a table of at least "
        f"20 rows: {ADVICE}"
    )


def test_the_base_counts_only_live_rows_held_before_the_load(make_warehouse, live_rows):
    # 30 rows now: s00..s23 held before (and an id since deleted), s24..s29 added by the load.
    rows = live_rows(30)
    warehouse = make_warehouse({"surveys": rows})
    held_before = {f"s{i:02d}" for i in range(24)} | {"gone-before-the-load"}
    returned = {f"s{i:02d}" for i in range(11)} | {f"s{i:02d}" for i in range(24, 30)}

    surveys = plan(warehouse, {"surveys": returned}, {"surveys": held_before})["surveys"]

    assert surveys.table_rows == 30
    assert surveys.base_rows == 24
    assert surveys.missing == tuple(f"s{i:02d}" for i in range(11, 24))
    assert surveys.withheld == (
        "the read would remove 13 of 24 rows (54%), more than 50% of a table of at least "
        f"20 rows: {ADVICE}"
    )


def test_flagged_rows_are_not_live_and_are_purged_in_delete_mode(make_warehouse, live_rows):
    rows = live_rows(3) + [
        ("f1", "2025-01-01", "2025-01-02", "2026-03-01"),
        ("f0", "2025-01-03", "2025-01-04", "2026-03-02"),
        ("back", "2025-01-05", "2025-01-06", "2026-03-03"),  # flagged, but read again
    ]
    warehouse = make_warehouse({"surveys": rows})
    seen = {"surveys": {"s00", "s01", "back"}}

    surveys = plan(warehouse, seen, mode="delete")["surveys"]

    assert surveys.table_rows == 3
    assert surveys.missing == ("s02",)
    assert surveys.purge == ("f0", "f1")
    assert surveys.timestamps["f0"] == ("2025-01-03", "2025-01-04")
    assert set(surveys.timestamps) == {"s00", "s01", "s02", "f0", "f1", "back"}


def test_flag_mode_purges_nothing(make_warehouse, live_rows):
    rows = live_rows(2) + [("f1", "2025-01-01", "2025-01-02", "2026-03-01")]
    warehouse = make_warehouse({"surveys": rows})

    surveys = plan(warehouse, {"surveys": {"s00"}}, mode="flag")["surveys"]

    assert surveys.missing == ("s01",)
    assert surveys.purge == ()


def test_purging_flagged_rows_is_never_guarded(make_warehouse):
    flagged = [(f"f{i:02d}", "c", "u", "2026-03-01") for i in range(30)]
    warehouse = make_warehouse({"surveys": [("s1", "c", "u", None), *flagged]})

    surveys = plan(warehouse, {"surveys": {"s1"}})["surveys"]

    assert surveys.missing == ()
    assert len(surveys.purge) == 30
    assert surveys.withheld is None


def test_a_table_dlt_never_created_is_skipped(make_warehouse, live_rows):
    warehouse = make_warehouse({"surveys": live_rows(1)})

    plans = plan(warehouse, {"surveys": {"s00"}}, complete=["identified_peoples", "surveys"])

    assert list(plans) == ["surveys"]
    assert warehouse.queries == [
        'SELECT id, created_at, updated_at, deleted_at FROM "analytics"."identified_peoples"',
        'SELECT id, created_at, updated_at, deleted_at FROM "analytics"."surveys"',
    ]


def test_only_completely_read_tables_are_planned(make_warehouse, live_rows):
    warehouse = make_warehouse({"surveys": live_rows(2), "responses": live_rows(2, prefix="r")})

    plans = plan(warehouse, {"surveys": {"s00", "s01"}}, complete=["surveys"])

    assert list(plans) == ["surveys"]


def test_a_held_back_plan_keeps_its_rows_and_gains_the_reason():
    original = TableDeletions(table="surveys", table_rows=20, base_rows=20, missing=("a", "b"))

    held = original.held_back("too many")

    assert held == dataclasses.replace(original, withheld="too many")
    assert original.withheld is None


def test_a_plan_without_ids_the_api_still_has_keeps_the_others_in_order():
    original = TableDeletions(
        table="responses", table_rows=9, base_rows=9, missing=("r1", "r2", "r3", "r4")
    )

    kept = original.without({"r3", "r1", "not-missing"})

    assert kept.missing == ("r2", "r4")
    assert original.missing == ("r1", "r2", "r3", "r4")


def test_flag_mode_flags_the_doomed_rows_in_batches(make_warehouse):
    warehouse = make_warehouse({})
    doomed = tuple(f"r{i:04d}" for i in range(FLAG_BATCH + 1))
    plans = {
        "responses": TableDeletions(
            table="responses", table_rows=2000, base_rows=2000, missing=doomed
        )
    }

    applied = apply_deletions(warehouse, plans, "flag", AT)

    assert applied["responses"].applied == FLAG_BATCH + 1
    first, second = warehouse.statements
    assert first == (
        'UPDATE "analytics"."responses" SET deleted_at = %s WHERE deleted_at IS NULL AND id IN '
        f"({', '.join(['%s'] * FLAG_BATCH)})",
        (AT, *doomed[:FLAG_BATCH]),
    )
    assert second == (
        'UPDATE "analytics"."responses" SET deleted_at = %s WHERE deleted_at IS NULL AND id IN '
        "(%s)",
        (AT, doomed[-1]),
    )
    assert warehouse.runs == []


def test_a_held_back_plan_deletes_only_the_rows_flagged_before(make_warehouse):
    warehouse = make_warehouse({})
    plans = {
        "surveys": TableDeletions(
            table="surveys",
            table_rows=20,
            base_rows=20,
            missing=("s1", "s2"),
            purge=("f1",),
            withheld="too many",
            timestamps={"s1": ("c1", "u1"), "s2": ("c2", "u2"), "f1": ("c3", "u3")},
        ),
        "webhooks": TableDeletions(table="webhooks", table_rows=1, base_rows=1, missing=()),
    }

    applied = apply_deletions(warehouse, plans, "delete", AT)

    assert applied["surveys"].applied == 1
    assert applied["webhooks"].applied == 0
    (resources,) = warehouse.runs
    assert [resource.name for resource in resources] == ["surveys"]
    assert list(resources[0]) == [
        {"id": "f1", "created_at": "c3", "updated_at": "u3", "deleted_at": AT}
    ]


def test_nothing_doomed_touches_nothing(make_warehouse):
    warehouse = make_warehouse({})
    plans = {"surveys": TableDeletions(table="surveys", table_rows=1, base_rows=1, missing=())}

    for mode in ("delete", "flag"):
        assert apply_deletions(warehouse, plans, mode, AT) == plans
    assert warehouse.runs == []
    assert warehouse.statements == []


RESPONSE_PATH = "/v1/management/responses/"


def test_missing_responses_the_api_still_has_are_found_by_id(make_rest_client, make_response):
    client = make_rest_client(
        {
            RESPONSE_PATH + "r1": make_response(200, json={"data": {"id": "r1"}}),
            RESPONSE_PATH + "r2": make_response(404, json={"code": "not_found"}),
            RESPONSE_PATH + "r3": make_response(404, json={"code": "not_found"}),
            RESPONSE_PATH + "a%2Fb": make_response(200, json={"data": {"id": "a/b"}}),
        }
    )

    still = responses_still_there(client, ("r1", "r2", "r3", "a/b"))

    assert still == ({"r1", "a/b"}, False, None)
    assert client.asked == [
        RESPONSE_PATH + "r1",
        RESPONSE_PATH + "r2",
        RESPONSE_PATH + "r3",
        RESPONSE_PATH + "a%2Fb",
    ]


@pytest.mark.parametrize(
    ("status", "body"),
    [(401, {"code": "not_authenticated"}), (401, None), (500, {"code": "internal"})],
    ids=["rejected key", "401 not json", "server error"],
)
def test_an_answer_that_is_neither_there_nor_gone_stops_the_check(
    make_rest_client, make_response, status, body
):
    failing = make_response(status, json=body) if body else make_response(status, body=b"<html>")
    client = make_rest_client(
        {
            RESPONSE_PATH + "r1": make_response(200, json={"data": {"id": "r1"}}),
            RESPONSE_PATH + "r2": failing,
            RESPONSE_PATH + "r3": make_response(200, json={"data": {"id": "r3"}}),
        }
    )

    still = responses_still_there(client, ("r1", "r2", "r3"))

    assert still == (
        {"r1"},
        False,
        f"GET /v1/management/responses/<id> answered HTTP {status}",
    )
    assert client.asked == [RESPONSE_PATH + "r1", RESPONSE_PATH + "r2"]


def test_past_the_limit_only_a_sample_is_asked(make_rest_client, make_response):
    ids = tuple(f"r{i}" for i in range(VERIFY_LIMIT + 1))
    gone = make_response(404, json={"code": "not_found"})
    client = make_rest_client({RESPONSE_PATH + i: gone for i in ids})

    still = responses_still_there(client, ids)

    assert still == (set(), True, None)
    assert len(client.asked) == VERIFY_LIMIT == 100
    assert len(set(client.asked)) == VERIFY_LIMIT
