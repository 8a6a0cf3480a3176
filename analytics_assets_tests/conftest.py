"""Fixtures: the sample API over real HTTP, and resources aimed at it and a tmp DuckDB.

The sample API behaves like Formbricks 5.x, enterprise edition, unless a test says otherwise:
that is what people run. `test_generations.py` covers releases 2 and 4 and the community
edition.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dagster import DagsterInstance, Definitions, ExecuteInProcessResult, materialize

from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.live import import_or_skip_outside_ci, skip_or_fail_in_ci

TEST_API_KEY = "test-key-3f9a"
FIXED_NOW = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)
# Not a multiple of 100, so the last page of responses is short.
RESPONSE_COUNT = 2345


@pytest.fixture
def sample_dataset() -> SampleDataset:
    return SampleDataset.generate(seed=7, responses=RESPONSE_COUNT, now=FIXED_NOW)


@pytest.fixture
def sample_api(sample_dataset: SampleDataset) -> Iterator[SampleApiServer]:
    with SampleApiServer(dataset=sample_dataset, api_key=TEST_API_KEY) as server:
        yield server


@pytest.fixture
def duckdb_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


FAST_BACKOFF = 0.05
# The types of the `make_resources` and `run_ingestion` fixtures, for test signatures.
MakeResources = Callable[..., dict]
RunIngestion = Callable[..., ExecuteInProcessResult]


def _make_resources(
    server: SampleApiServer | None = None,
    root: Path | None = None,
    *,
    base_url: str | None = None,
    api_key: str = TEST_API_KEY,
    backoff_factor: float = FAST_BACKOFF,
    api: AnalyticsApiResource | None = None,
    warehouse: WarehouseResource | None = None,
    duckdb_path: Path | str | None = None,
    pipelines_dir: Path | str | None = None,
    deletions: str | None = None,
    **api_fields: Any,
) -> dict:
    """Resources for `dagster.materialize`: dlt, the API and the warehouse.

    The API is `api` if given, else one aimed at `base_url` (default: `server`'s) with
    `api_key`, fast retries (`backoff_factor`) and any other `api_fields`. The warehouse is
    `warehouse` if given, else a DuckDB one at `duckdb_path` (default `root/warehouse.duckdb`)
    with dlt's working folder at `pipelines_dir` (default `root/dlt`), and `deletions` if given.
    """
    from dagster_dlt import DagsterDltResource

    if api is None:
        if base_url is None:
            assert server is not None, "give a server, a base_url or an api"
            base_url = server.base_url
        api = AnalyticsApiResource(
            base_url=base_url, api_key=api_key, backoff_factor=backoff_factor, **api_fields
        )
    else:
        assert base_url is None and not api_fields, "give either an api or its fields"
    if warehouse is None:
        if duckdb_path is None:
            assert root is not None, "give a root, a duckdb_path or a warehouse"
            duckdb_path = root / "warehouse.duckdb"
        if pipelines_dir is None:
            assert root is not None, "give a root, a pipelines_dir or a warehouse"
            pipelines_dir = root / "dlt"
        fields = {} if deletions is None else {"deletions": deletions}
        warehouse = WarehouseResource(
            duckdb_path=str(duckdb_path), pipelines_dir=str(pipelines_dir), **fields
        )
    else:
        assert duckdb_path is None and pipelines_dir is None and deletions is None
    return {"dlt": DagsterDltResource(), "analytics_api": api, "warehouse": warehouse}


@pytest.fixture(scope="session")
def make_resources() -> MakeResources:
    """A factory of resources dicts; see `_make_resources` for its keyword arguments."""
    return _make_resources


def _run_ingestion(
    resources: dict,
    assets: list | None = None,
    *,
    job: str | None = None,
    instance: DagsterInstance | None = None,
    run_config: dict | None = None,
    selection: Any = None,
    raise_on_error: bool = False,
) -> ExecuteInProcessResult:
    """Run `assets` (default: the ingestion assets) in process, or the loader's job `job`."""
    from analytics_assets_tests.loader import (
        analytics_api_assets,
        analytics_api_full_refresh,
        analytics_api_sync,
    )

    if job is not None:
        assert assets is None and selection is None, "a job runs the assets it names"
        definitions = Definitions(
            assets=[analytics_api_assets],
            jobs=[analytics_api_sync, analytics_api_full_refresh],
            resources=resources,
        )
        return definitions.resolve_job_def(job).execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=raise_on_error
        )
    return materialize(
        assets or [analytics_api_assets],
        resources=resources,
        instance=instance,
        run_config=run_config,
        selection=selection,
        raise_on_error=raise_on_error,
    )


@pytest.fixture(scope="session")
def run_ingestion() -> RunIngestion:
    """A runner of assets or jobs; see `_run_ingestion` for its arguments."""
    return _run_ingestion


@pytest.fixture
def resources(
    make_resources: MakeResources,
    sample_api: SampleApiServer,
    duckdb_path: Path,
    tmp_path: Path,
) -> dict:
    """Resources for `dagster.materialize`, with fast retries so fault tests stay quick."""
    return make_resources(
        sample_api, duckdb_path=duckdb_path, pipelines_dir=tmp_path / "dlt_pipelines"
    )


# The PostgreSQL server `.ci/postgres.sh` starts (and prints the DSN of).
POSTGRES_DSN = os.environ.get(
    "ANALYTICS_TEST_POSTGRES_DSN", "postgresql://analytics:analytics@127.0.0.1:55432/analytics"
)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The server's DSN; without a server the test skips, except under CI, where it fails."""
    psycopg2 = import_or_skip_outside_ci("psycopg2")
    try:
        psycopg2.connect(POSTGRES_DSN, connect_timeout=3).close()
    except psycopg2.OperationalError:
        skip_or_fail_in_ci(
            f"no PostgreSQL server answers at {POSTGRES_DSN} (start one: .ci/postgres.sh)"
        )
    return POSTGRES_DSN


@pytest.fixture
def postgres_dsn(postgres_server: str) -> Iterator[str]:
    """A fresh database for one test, dropped after it."""
    psycopg2 = import_or_skip_outside_ci("psycopg2")
    name = f"analytics_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(postgres_server)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    base, _, _ = postgres_server.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def query(path: Path, sql: str, *params: object) -> list[tuple]:
    """Run one query against a DuckDB file, read-only, and return every row."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql, list(params)).fetchall()


def table_ids(path: Path, table: str) -> list[str]:
    """Every `id` of a table in the `analytics` dataset, duplicates kept, sorted."""
    return sorted(row[0] for row in query(path, f"SELECT id FROM analytics.{table}"))


def data_tables(path: Path) -> set[str]:
    """The tables of the `analytics` dataset in a DuckDB file, without dlt's own."""
    if not path.exists():
        return set()
    rows = query(
        path,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
        settings.DATASET_NAME,
    )
    return {name for (name,) in rows if not name.startswith("_dlt")}


def orphans(run_query: Callable[[str], list[tuple]], nested: tuple[str, ...]) -> dict[str, int]:
    """Nested rows whose root row is gone, per nested table, through `run_query` (any warehouse)."""
    counts = {}
    for table in nested:
        root = table.split("__")[0]
        [(count,)] = run_query(
            f"SELECT count(*) FROM analytics.{table} c WHERE NOT EXISTS "
            f"(SELECT 1 FROM analytics.{root} r WHERE r._dlt_id = c._dlt_root_id)"
        )
        counts[table] = count
    return counts


def step_errors(result: ExecuteInProcessResult) -> list[Any]:
    """The step failure's error and everything it wraps (`cause` and `context`), outermost first."""
    [event] = result.get_step_failure_events()
    pending = [event.step_failure_data.error]
    errors = []
    while pending:
        error = pending.pop(0)
        if error is None:
            continue
        errors.append(error)
        pending.extend([error.cause, error.context])
    return errors


def failure_text(result: ExecuteInProcessResult) -> str:
    """The messages of the step failure and its causes, as a person reading the run sees them."""
    assert not result.success, "the run succeeded"
    return "\n".join(error.message for error in step_errors(result))


def api_rows(dataset: SampleDataset, table: str) -> list[dict]:
    """The API's records behind one raw table, whichever Formbricks release the dataset serves.

    On release 2 people and attribute classes have endpoints of their own; from 3.0 on they are
    the contacts and the contact attribute keys (with the same ids in the sample).
    """
    endpoint = table
    if table == "identified_peoples":
        endpoint = "people" if dataset.release < 3 else "contacts"
    elif table == "attribute_classes" and dataset.release >= 3:
        endpoint = "contact_attribute_keys"
    return dataset.rows(endpoint)


def api_ids(dataset: SampleDataset, table: str) -> list[str]:
    """Every `id` the API serves for one raw table, sorted."""
    return sorted(record["id"] for record in api_rows(dataset, table))


def load_requests(
    dataset: SampleDataset,
    response_pages: int,
    *,
    edition: str = "enterprise",
    prefix: str = "/api",
) -> dict[str, int]:
    """Requests per path of a load of all six assets with generation detection (`auto`).

    One probe of the attribute keys (a 404 on release 2; on later releases its answer is reused
    for attribute classes and people), one request per unpaged endpoint the release offers,
    and `response_pages` pages of responses. The community edition refuses the probe, and the
    run spares the contacts requests. The change feed's probe, and on a server that has the feed
    (release 4 and 5) its newest `updatedAt`: a first load or a full refresh reads no feed.
    """
    paths = [
        settings.CONTACT_ATTRIBUTE_KEYS_PATH,
        settings.SURVEYS_PATH,
        settings.LEGACY_ENDPOINT_PATHS["action_classes"],
        settings.LEGACY_ENDPOINT_PATHS["webhooks"],
    ]
    if dataset.release < 3:
        paths += [
            settings.LEGACY_ENDPOINT_PATHS["attribute_classes"],
            settings.LEGACY_ENDPOINT_PATHS["identified_peoples"],
        ]
    elif edition == "enterprise":
        paths += [settings.CONTACTS_PATH, settings.CONTACT_ATTRIBUTES_PATH]
    counts = {prefix + path: 1 for path in paths}
    counts[prefix + settings.RESPONSES_PATH] = response_pages
    counts[prefix + settings.V2_RESPONSES_PATH] = 1 if dataset.release < 4 else 2
    return counts
