"""Fixtures: the sample API over real HTTP, and resources aimed at it and a tmp DuckDB."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from analytics_assets.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.sample_api import SampleApiServer, SampleDataset

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


@pytest.fixture
def resources(sample_api: SampleApiServer, duckdb_path: Path, tmp_path: Path) -> dict:
    """Resources for `dagster.materialize`, with fast retries so fault tests stay quick."""
    from dagster_dlt import DagsterDltResource

    return {
        "dlt": DagsterDltResource(),
        "analytics_api": AnalyticsApiResource(
            base_url=sample_api.base_url, api_key=TEST_API_KEY, backoff_factor=0.05
        ),
        "warehouse": WarehouseResource(
            duckdb_path=str(duckdb_path), pipelines_dir=str(tmp_path / "dlt_pipelines")
        ),
    }


def query(path: Path, sql: str, *params: object) -> list[tuple]:
    """Run one query against a DuckDB file, read-only, and return every row."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql, list(params)).fetchall()


def table_ids(path: Path, table: str) -> list[str]:
    """Every `id` of a table in the `analytics` dataset, duplicates kept, sorted."""
    return sorted(row[0] for row in query(path, f"SELECT id FROM analytics.{table}"))
