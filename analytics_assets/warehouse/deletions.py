"""Rows the API no longer returns: removed (or flagged) after a complete read, with a guard.

Merging on `id` only adds and updates, so a survey, webhook or response deleted in the API (spam,
test answers, a person's deletion request) would stay in the warehouse for ever. After a load,
each table whose read was complete is compared with the ids that read returned:

- a complete read is one that read and accepted every page: the five small endpoints on every
  successful run (they are read whole), responses only in a full refresh (an incremental sync
  reads a window). A refused endpoint, a failed or killed run, reads nothing complete.
- `delete` (the default, `ANALYTICS_DELETIONS`): the missing rows are deleted with their nested
  rows (`surveys__questions`, `responses__answers`, ...). This is dlt's own `hard_delete`: a
  second, small load merges one row per missing id carrying `deleted_at` (the table's
  `hard_delete` column), and dlt's merge deletes the row and everything nested under it.
- `flag`: the rows stay and get `deleted_at` (the first time they went missing). dlt has no
  soft delete for merged tables (its `scd2` strategy keeps versions, which changes the table's
  shape), so this is one plain `UPDATE`. A row that comes back is merged again without
  `deleted_at`, which clears the flag.
- a full refresh is not a snapshot: a response deleted while it reads shifts the later ones, and
  one at a page boundary goes unread. Missing responses are asked for by id before they go
  (`responses_still_there`); any the API still has stay, and they go only if the API answers
  its own JSON 404 `not_found` for each one asked (an HTML 404, a 401, a 5xx hold them all
  back; Formbricks 2.x, which answers 401 for a missing response, never confirms one).
- the guard: a read that would remove more than half of a table that held at least 20 rows
  before the load, every row of a table, or anything while returning nothing (a key scoped to
  the wrong workspace, a proxy serving a partial list) removes nothing from it; the run warns,
  the table's `deletions_applied` check fails, and a run with `confirm_deletions: true` applies
  the deletion.
"""

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

import dlt
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.sources import DltResource
from dlt.sources.helpers.rest_client import RESTClient
from requests import Response

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.columns import DELETED_AT
from analytics_assets.warehouse.queries import sql_statement

# Ids per UPDATE statement in flag mode (a parameter list, well under every database's limit).
FLAG_BATCH = 500
# Missing responses asked for one by one before they are deleted; past it, a random sample.
VERIFY_LIMIT = 100


@dataclass(frozen=True)
class TableDeletions:
    """What a complete read of one table found missing, and what was done about it.

    Attributes:
        table: The root table.
        table_rows: Live (unflagged) rows the table held after the load.
        base_rows: Live rows the table held before this run's load: what the guard measures a
            deletion against (rows the load itself added cannot hide a wipe of the old ones).
        missing: Live rows the complete read did not return (flagged ones not counted).
        purge: Rows flagged before that the read did not return either: deleted too when the
            mode is `delete` (a switch from `flag`), never guarded.
        withheld: Why the deletion of `missing` was held back, or None.
        applied: Rows deleted (or flagged).
        timestamps: `created_at` and `updated_at` of each row of `missing + purge`: a tombstone
            repeats them, since staging tables keep their NOT NULL constraints.
    """

    table: str
    table_rows: int
    base_rows: int
    missing: tuple[str, ...]
    purge: tuple[str, ...] = ()
    withheld: str | None = None
    applied: int = 0
    timestamps: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def held_back(self, reason: str) -> "TableDeletions":
        """This plan with its deletion of `missing` held back for `reason`."""
        return replace(self, withheld=reason)

    def without(self, ids: set[str]) -> "TableDeletions":
        """This plan without the rows `ids` (the API still has them after all)."""
        return replace(self, missing=tuple(i for i in self.missing if i not in ids))


def is_mass_deletion(missing: int, table_rows: int) -> bool:
    """Whether removing `missing` of `table_rows` rows trips the guard."""
    return (
        table_rows >= settings.MASS_DELETION_MIN_ROWS
        and missing > settings.MASS_DELETION_SHARE * table_rows
    )


def _guard_reason(missing: int, base: int, returned: int) -> str | None:
    """Why the guard holds a deletion back, or None when it lets it through."""
    advice = (
        "a key scoped to the wrong workspace or a proxy serving a partial list looks like "
        "this. Nothing was deleted; run again with `confirm_deletions: true` if the API really "
        "lost these rows."
    )
    if returned == 0:
        return f"the read returned no rows at all but would remove {missing}: {advice}"
    if missing >= base > 1:
        # A table of any size whose every row is gone at once: another workspace's list, say.
        return f"the read would remove every one of the {base} rows the table held: {advice}"
    if is_mass_deletion(missing, base):
        return (
            f"the read would remove {missing} of {base} rows ({missing / base:.0%}), more than "
            f"{settings.MASS_DELETION_SHARE:.0%} of a table of at least "
            f"{settings.MASS_DELETION_MIN_ROWS} rows: {advice}"
        )
    return None


def plan_deletions(
    pipeline: dlt.Pipeline,
    seen: dict[str, set[str]],
    complete: Iterable[str],
    held_before: dict[str, set[str]],
    *,
    mode: str,
    confirmed: bool,
) -> dict[str, TableDeletions]:
    """Compare each completely read table with the ids its read returned.

    Args:
        pipeline: The pipeline whose destination holds the tables.
        seen: Ids each resource returned in this run.
        complete: Tables whose read was complete.
        held_before: Ids each table held before this run's load.
        mode: `delete` or `flag`.
        confirmed: The run confirms deletions the guard would hold back.
    """
    plans: dict[str, TableDeletions] = {}
    with pipeline.sql_client() as client:
        for table in complete:
            qualified = client.make_qualified_table_name(table)
            try:
                with client.execute_query(
                    sql_statement("deletions_rows", table=qualified, deleted_at=DELETED_AT)
                ) as cursor:
                    rows = cursor.fetchall()
            except DatabaseUndefinedRelation:
                continue  # dlt created no table: the endpoint never returned a row
            returned = seen.get(table, set())
            live = [row[0] for row in rows if row[3] is None]
            missing = tuple(sorted(row_id for row_id in live if row_id not in returned))
            purge = ()
            if mode == settings.DELETIONS_DELETE:
                purge = tuple(
                    sorted(r[0] for r in rows if r[3] is not None and r[0] not in returned)
                )
            before = held_before.get(table, set())
            base = sum(1 for row_id in live if row_id in before)
            reason = _guard_reason(len(missing), base, len(returned)) if missing else None
            plans[table] = TableDeletions(
                table=table,
                table_rows=len(live),
                base_rows=base,
                missing=missing,
                purge=purge,
                withheld=None if confirmed else reason,
                timestamps={row[0]: (row[1], row[2]) for row in rows},
            )
    return plans


def responses_still_there(
    client: RESTClient, ids: tuple[str, ...]
) -> tuple[set[str], bool, str | None]:
    """Ask the API for responses a full read did not return: which does it still have?

    Offset paging is not a snapshot: a response deleted in the API while the read runs shifts
    the later ones up a place, and the one at the next page boundary is never read. So before a
    missing response is deleted, the API is asked for it by id (`GET /responses/{id}`): one
    request each, or, past `VERIFY_LIMIT`, for a random sample of that many.

    Only the API's own answer for a response it does not have confirms a deletion: a JSON 404
    whose `code` is `not_found` (`notFoundResponse("Response", id)`, Formbricks 3.0 and later;
    see `_confirms_gone`). Anything else stops the check and the deletion is held back: an HTML
    404 (Next.js's page for a path with no route: a wrong base URL, a proxy), a JSON 404 with
    another code, a 401, a 5xx. Formbricks 2.x answers a missing response with 401
    `unauthorized`, which it also answers for a response of a survey the key may not read, so
    on 2.x no missing response is confirmed, and none is deleted.

    Returns:
        The ids the API still has, whether only a sample was asked, and why the check could not
        be made (an answer that neither shows the response nor confirms it gone), or None.
    """
    sampled = len(ids) > VERIFY_LIMIT
    asked = random.sample(list(ids), VERIFY_LIMIT) if sampled else list(ids)
    still = set()
    for response_id in asked:
        response = client.get(f"{settings.RESPONSES_PATH}/{quote(response_id, safe='')}")
        if response.status_code == 200:
            still.add(response_id)
            continue
        unconfirmed = _unconfirmed(response, response_id)
        if unconfirmed is not None:
            return still, sampled, unconfirmed
    return still, sampled, None


def _json_body(response: Response) -> Any:
    """The body parsed as JSON, or None when it is not JSON (an HTML page, say)."""
    try:
        return response.json()
    except ValueError:
        return None


def _confirms_gone(response: Response, response_id: str) -> bool:
    """Whether an answer is the API's own "no such response": a 404 whose JSON body is the
    v1 error envelope with `code: not_found` (Formbricks 3.0+; `details` names the resource:
    `{"resource_id": <id>, "resource_type": "Response"}`)."""
    if response.status_code != 404:
        return False
    body = _json_body(response)
    if not isinstance(body, dict) or body.get("code") != "not_found":
        return False
    # `details` names the resource; when it does, it must be this response. (3.0+ answers
    # `not_found` for the Survey when it finds the response but not its survey: the response
    # is still there.)
    details = body.get("details")
    if not isinstance(details, dict):
        return True
    kind = details.get("resource_type", "Response")
    return kind == "Response" and details.get("resource_id", response_id) == response_id


def _unconfirmed(response: Response, response_id: str) -> str | None:
    """Why an answer that is not a 200 does not confirm the response is gone, or None if it
    does."""
    if _confirms_gone(response, response_id):
        return None
    answered = f"GET {settings.RESPONSES_PATH}/<id> answered HTTP {response.status_code}"
    body = _json_body(response)
    code = body.get("code") if isinstance(body, dict) else None
    if response.status_code == 404 and not isinstance(body, dict):
        kind = response.headers.get("Content-Type", "no Content-Type").split(";")[0].strip()
        return (
            f"{answered} with a page that is not the API's ({kind}): no such route, a wrong "
            "base URL or a proxy; only the API's JSON `not_found` confirms a deletion"
        )
    if response.status_code == 404:
        details = body.get("details")
        if code == "not_found" and isinstance(details, dict):
            # Another resource, or another response's id, than the one asked for.
            named = f"{details.get('resource_type')} {details.get('resource_id')!r}"
            return f"{answered} `not_found` for {named}, not for the response asked for"
        return (
            f"{answered} with code {code!r}, not the API's `not_found` for a response; only "
            "that confirms a deletion"
        )
    if response.status_code == 401 and code == "unauthorized":
        return (
            f"{answered} `unauthorized`: Formbricks 2.x answers so both for a response that is "
            "gone and for one of a survey the key may not read (3.0 and later answer 404 "
            "`not_found`), so it cannot confirm a deletion; on 2.x missing responses stay until "
            "deleted by hand"
        )
    return answered


def _doomed(plan: TableDeletions) -> tuple[str, ...]:
    """The rows a plan deletes: the missing ones unless held back, and flagged ones to purge."""
    return (() if plan.withheld else plan.missing) + plan.purge


def _tombstones(plan: TableDeletions, at: datetime) -> DltResource:
    """One row per doomed id carrying `deleted_at`: merged, dlt's hard delete removes each row
    and its nested rows."""

    def rows() -> Iterator[list[dict[str, Any]]]:
        yield [
            {
                settings.PRIMARY_KEY: row_id,
                "created_at": plan.timestamps[row_id][0],
                "updated_at": plan.timestamps[row_id][1],
                DELETED_AT: at,
            }
            for row_id in _doomed(plan)
        ]

    return dlt.resource(
        rows,
        name=plan.table,
        table_name=plan.table,
        write_disposition="merge",
        primary_key=settings.PRIMARY_KEY,
        columns={DELETED_AT: {"data_type": "timestamp", "hard_delete": True}},
    )


def apply_deletions(
    pipeline: dlt.Pipeline, plans: dict[str, TableDeletions], mode: str, at: datetime
) -> dict[str, TableDeletions]:
    """Delete (or flag) the missing rows of every plan the guard did not hold back.

    Returns:
        The plans with `applied` set: the rows deleted or flagged.
    """
    due = {table: plan for table, plan in plans.items() if _doomed(plan)}
    if due and mode == settings.DELETIONS_DELETE:
        pipeline.run([_tombstones(plan, at) for plan in due.values()])
    elif due:
        with pipeline.sql_client() as client:
            for table, plan in due.items():
                qualified = client.make_qualified_table_name(table)
                doomed = _doomed(plan)
                for start in range(0, len(doomed), FLAG_BATCH):
                    batch = doomed[start : start + FLAG_BATCH]
                    marks = ", ".join(["%s"] * len(batch))
                    client.execute_sql(
                        sql_statement(
                            "deletions_flag", table=qualified, deleted_at=DELETED_AT, ids=marks
                        ),
                        at,
                        *batch,
                    )
    return {
        table: replace(plan, applied=len(_doomed(plan)) if table in due else 0)
        for table, plan in plans.items()
    }
