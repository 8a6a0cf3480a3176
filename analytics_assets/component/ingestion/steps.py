"""The named steps of an ingestion run: detect, load, reconcile deletions.

Each takes the run (`run.py`) and the API client explicitly and returns what the next needs;
`report.py` turns their results into the materializations.

- `detect`: which generation of the Formbricks API the server speaks (`generations.py`, one
  request), unless `ANALYTICS_API_GENERATION` pins it.
- `load`: the dlt source of the selected endpoints, run through dagster-dlt; a load that read
  nothing it should have, or left records unwritten, fails here with what to do.
- `reconcile_deletions`: rows the API no longer returns, after a complete read, deleted or
  flagged, behind the mass-deletion guard and the by-id confirmation of responses.

An expected failure (`EXPECTED_ERRORS`: a setting to fix, or an answer of the API that
`explain_load_failure` explains) fails the step as a `dagster.Failure` built by
`expected_failure`; anything else is raised as it is, with its traceback.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dagster import Failure
from dagster_dlt import DagsterDltResource
from dlt.sources.helpers.rest_client import RESTClient

from analytics_assets.component.ingestion.run import IngestionRun
from analytics_assets.component.ingestion.translator import AnalyticsApiTranslator
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.errors import (
    AnalyticsConfigurationError,
    AnalyticsLoadError,
    explain_load_failure,
)
from analytics_assets.formbricks.generations import detect_generation
from analytics_assets.warehouse.changes import (
    TableChanges,
    changes_after_load,
    snapshot_before_load,
)
from analytics_assets.warehouse.deletions import (
    VERIFY_LIMIT,
    TableDeletions,
    apply_deletions,
    plan_deletions,
    responses_still_there,
)
from analytics_assets.warehouse.nested_rows import delete_replaced_nested_rows

NOTHING_LOST = (
    "No table was changed by this run; the next successful run loads everything it missed."
)
# The resources whose endpoints differ between the API's generations.
GENERATION_SPECIFIC = ("attribute_classes", "identified_peoples")
# The errors whose message says what failed and what to do: a setting of the project
# (`AnalyticsConfigurationError`), or a failed probe or load explained (`explained`).
EXPECTED_ERRORS = (AnalyticsLoadError, AnalyticsConfigurationError)
FAILURE_HEADLINE = "The ingestion failed; its cause and what to do follow, at the end."


def expected_failure(error: BaseException) -> tuple[Failure, BaseException]:
    """The step's failure for an expected error, and the cause to raise it from.

    Raise them as `raise failure from cause`, from the asset's body. Dagster prints a step's
    error as its message, its stack, then its causes, in the terminal (twice: the step's failure
    and the run's) and in the UI; only the last part can be read last. So the failure carries a
    headline, and the cause is a copy of `error` that was never raised: it prints as its message
    alone, with no traceback and no chain of dlt's or requests' errors under it. The original,
    chain and all, stays reachable from the failure as its `__context__` (Python sets it; `from`
    keeps it out of what is printed).
    """
    try:
        cause = type(error)(str(error))
    except Exception:  # a subclass that takes other arguments
        cause = AnalyticsLoadError(str(error))
    return Failure(description=FAILURE_HEADLINE, allow_retries=False), cause


def explained(run: IngestionRun, error: BaseException) -> BaseException:
    """The error a person can act on for a failed probe or load (the original stays attached)."""
    return explain_load_failure(
        error,
        attempts=run.api.max_retries + 1,
        paths=settings.endpoint_paths(run.ledger.generation),
        names=run.ledger.setting_names,
    )


def _raise_explained(run: IngestionRun, error: BaseException) -> None:
    better = explained(run, error)
    if better is error:
        raise error
    raise better from error


def _rejected_key(error: BaseException) -> bool:
    """Whether the API answered 401 somewhere in `error`'s chain."""
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None:
            continue
        response = getattr(current, "response", None)
        if getattr(response, "status_code", None) == 401:
            return True
        pending.extend([current.__cause__, current.__context__])
    return False


def detect(run: IngestionRun, client: RESTClient) -> None:
    """Find out the API generation, or go on without it when the selection does not need it.

    Only people and attribute classes read different endpoints on each generation. A probe that
    fails for another reason than the key (a 500 that outlasts the retries, a proxy's page)
    must not take down a run of the other four, whose endpoints are the same on both.
    """
    if run.ledger.setting != settings.GENERATION_AUTO:
        return
    try:
        run.ledger.generation = detect_generation(client, run.ledger, run.attribute_keys)
    except Exception as error:
        if set(run.tables) & set(GENERATION_SPECIFIC) or _rejected_key(error):
            _raise_explained(run, error)
        run.ledger.generation_known = False
        run.context.log.warning(
            f"Could not tell the API's generation ({explained(run, error)}). The selected "
            "endpoints are the same on every generation, so the run goes on; api_generation is "
            "recorded as unknown."
        )
        return
    run.context.log.info(
        f"The API is {settings.GENERATION_LABELS[run.ledger.generation]} "
        f"(api_generation {run.ledger.generation}, detected)."
    )


@dataclass(frozen=True)
class LoadOutcome:
    """What `load` leaves for the next steps.

    Attributes:
        results: dagster-dlt's materializations, one per selected table.
        changes: Per table: rows in the table, new and changed by this load.
        rows_normalized: dlt's row count per table.
        held_before: Per table, the ids the table held before the load.
    """

    results: list[Any]
    changes: dict[str, TableChanges]
    rows_normalized: dict[str, int]
    held_before: dict[str, set[str]]


def _run_dlt(run: IngestionRun, translator: AnalyticsApiTranslator) -> list[Any]:
    source = run.api.build_source(
        run.session,
        full_refresh=run.config.full_refresh,
        ledger=run.ledger,
        attribute_keys=run.attribute_keys,
    )
    try:
        return list(
            DagsterDltResource().run(
                context=run.context,
                dlt_source=source,
                dlt_pipeline=run.pipeline,
                dagster_dlt_translator=translator,
                loader_file_format=run.warehouse.resolved_loader_file_format(),
            )
        )
    except Exception as error:
        _raise_explained(run, error)
        raise


def _fail_on_what_the_ledger_saw(run: IngestionRun) -> None:
    failure = run.ledger.error_after_run()
    if failure is not None:
        raise AnalyticsLoadError(f"{failure} {NOTHING_LOST}")
    held = run.ledger.held.get(settings.PAGED_RESOURCE, 0)
    if held:
        # Never expected: the batching step writes its last batch when the read ends.
        raise AnalyticsLoadError(
            f"responses: {held} responses were read but never written, so the responses "
            "tables miss them. Run a full refresh (`full_refresh: true`) to load them."
        )


def load(run: IngestionRun, translator: AnalyticsApiTranslator) -> LoadOutcome:
    """Run the dlt source of the selected endpoints into the warehouse."""
    before = snapshot_before_load(run.pipeline, run.tables, run.windows)
    results = _run_dlt(run, translator)
    _fail_on_what_the_ledger_saw(run)
    trace = run.pipeline.last_trace
    return LoadOutcome(
        results=results,
        changes=changes_after_load(run.pipeline, before, trace.last_load_info.loads_ids),
        rows_normalized=trace.last_normalize_info.row_counts,
        held_before={table: set(versions.updated_at) for table, versions in before.items()},
    )


def complete_reads(run: IngestionRun) -> list[str]:
    """Tables whose read in this (successful) run returned every row the API has.

    Not an endpoint that was refused, not responses outside a full refresh (a sync reads a
    window), and not Formbricks 2.7's people when it returned its cap of 30 (it pages no further,
    in no set order, so a person missing from those 30 may well exist).
    """
    refused = run.ledger.refused_resources()
    complete = []
    for table in run.tables:
        if table in refused or (table == settings.PAGED_RESOURCE and not run.config.full_refresh):
            continue
        if (
            table == "identified_peoples"
            and run.ledger.generation == settings.GENERATION_LEGACY
            and len(run.ledger.seen.get(table, ())) >= settings.LEGACY_PEOPLE_LIMIT
        ):
            continue
        complete.append(table)
    return complete


def _verify_missing_responses(
    run: IngestionRun, client: RESTClient, plan: TableDeletions
) -> TableDeletions:
    """Keep the missing responses the API still has; hold all back if that cannot be told."""
    still, sampled, failure = responses_still_there(client, plan.missing)
    if failure is not None:
        retry = (
            ""
            if run.ledger.generation == settings.GENERATION_LEGACY
            else ", the next full refresh tries again"
        )
        return plan.held_back(
            f"could not confirm with the API that they are gone ({failure}); nothing was "
            f"deleted{retry}."
        )
    if still and sampled:
        return plan.held_back(
            f"{len(still)} of {VERIFY_LIMIT} sampled ones are still in the API: the list changed "
            "while it was read. Nothing was deleted; the next full refresh tries again."
        )
    if still:
        run.context.log.info(
            f"responses: {len(still)} responses the read missed are still in the API (the list "
            "changed while it was read); they stay."
        )
    return plan.without(still)


def _plans(
    run: IngestionRun, client: RESTClient, outcome: LoadOutcome
) -> dict[str, TableDeletions]:
    plans = plan_deletions(
        run.pipeline,
        run.ledger.seen,
        complete_reads(run),
        outcome.held_before,
        mode=run.warehouse.resolved_deletions(),
        confirmed=run.config.confirm_deletions,
    )
    responses = plans.get(settings.PAGED_RESOURCE)
    if responses is not None and responses.missing and not responses.withheld:
        plans[settings.PAGED_RESOURCE] = _verify_missing_responses(run, client, responses)
    for plan in plans.values():
        if plan.withheld:
            run.context.log.warning(
                f"{plan.table}: kept {len(plan.missing)} rows the API no longer returns: "
                f"{plan.withheld}"
            )
    return plans


def reconcile_deletions(
    run: IngestionRun, client: RESTClient, outcome: LoadOutcome
) -> dict[str, TableDeletions]:
    """Remove (or flag) the rows complete reads no longer returned, and say what left."""
    mode = run.warehouse.resolved_deletions()
    plans = _plans(run, client, outcome)
    # A pipeline object of its own, which reads the schema dlt stored: merged through the object
    # dagster-dlt ran, the tombstones failed ("no root_key column" in the nested tables).
    applied = apply_deletions(
        run.warehouse.build_pipeline(instance=run.instance), plans, mode, datetime.now(UTC)
    )
    done = "deleted" if mode == settings.DELETIONS_DELETE else "flagged with deleted_at"
    for plan in applied.values():
        if plan.applied:
            run.context.log.info(
                f"{plan.table}: {plan.applied} rows the API no longer returns were {done}."
            )
    if settings.PAGED_RESOURCE in run.tables:
        delete_replaced_nested_rows(run.pipeline)
    return applied
