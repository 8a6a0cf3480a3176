"""Column descriptions: one text per column in `descriptions.py`, shown by Dagster and in SQL.

The raw tables get theirs as dlt's `description` column hint (`columns.py`) and in the column
schema of their materializations; the analytics get theirs in the column schema and as the
warehouse's column comments, written after each rebuild. dlt writes no column comment on DuckDB
or PostgreSQL (only on BigQuery, Snowflake and Databricks), so the raw tables have none there.
"""

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dagster import AssetKey, TableSchema, materialize

from analytics_assets.component.analytics import MARTS_TABLES
from analytics_assets.component.metadata import COLUMN_SCHEMA
from analytics_assets.component.resources import WarehouseResource
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.descriptions import (
    ANALYTICS_COLUMN_DESCRIPTIONS,
    RAW_COLUMN_DESCRIPTIONS,
)
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import TEST_API_KEY, MakeResources, query
from analytics_assets_tests.handmade import handmade_dataset
from analytics_assets_tests.loader import NAMES, analytics_api_assets, analytics_marts

RAW = NAMES.dataset
MARTS = NAMES.analytics_dataset


def _schemas(metadata: dict[str, Any]) -> dict[str, TableSchema]:
    """The column schemas of one materialization, by table: its own and its nested tables'."""
    table_schemas = {}
    for key, value in metadata.items():
        schema = getattr(value, "schema", None)
        if isinstance(schema, TableSchema):
            table_schemas[key] = schema
    return table_schemas


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, make_resources: MakeResources) -> dict:
    """Every raw and analytics table from a small sample, loaded once into a fresh DuckDB."""
    root = tmp_path_factory.mktemp("descriptions")
    dataset = SampleDataset.generate(
        seed=7, responses=300, now=datetime(2026, 11, 20, 12, tzinfo=UTC)
    )
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        result = materialize(
            [analytics_api_assets, analytics_marts], resources=make_resources(server, root)
        )
    assert result.success
    materializations = {
        event.asset_key: dict(event.materialization.metadata)
        for event in result.get_asset_materialization_events()
    }
    return {"duckdb": root / "warehouse.duckdb", "materializations": materializations}


def _table_of(schema_key: str, asset_key: AssetKey) -> str:
    return asset_key.path[-1] if schema_key == COLUMN_SCHEMA else schema_key


def test_raw_materializations_show_the_descriptions(built: dict) -> None:
    described_tables = set()
    for table in settings.RESOURCES:
        metadata = built["materializations"][NAMES.asset_key(table)]
        for key, schema in _schemas(metadata).items():
            name = _table_of(key, NAMES.asset_key(table))
            texts = RAW_COLUMN_DESCRIPTIONS.get(name, {})
            columns = {column.name: column for column in schema.columns}
            for column_name, text in texts.items():
                assert column_name in columns, (name, column_name)
                assert columns[column_name].description == text, (name, column_name)
            for column in schema.columns:
                if column.name not in texts:
                    assert column.description is None, (name, column.name)
                # dagster-dlt lists the hint's name among the constraints; it is shown as the
                # description instead.
                assert "description" not in (column.constraints.other or []), (name, column.name)
            if texts:
                described_tables.add(name)
    assert described_tables == set(RAW_COLUMN_DESCRIPTIONS)


def test_every_analytics_column_is_described(built: dict) -> None:
    for table in MARTS_TABLES:
        metadata = built["materializations"][NAMES.analytics_key(table)]
        schema = metadata[COLUMN_SCHEMA].schema
        texts = ANALYTICS_COLUMN_DESCRIPTIONS[table]
        # A column the SQL adds (or renames) without a text in descriptions.py fails here.
        assert [column.name for column in schema.columns] == list(texts), table
        for column in schema.columns:
            assert column.description, (table, column.name)
            assert column.description == texts[column.name], (table, column.name)
    assert set(ANALYTICS_COLUMN_DESCRIPTIONS) == set(MARTS_TABLES)


def test_specs_show_the_descriptions_before_a_materialization() -> None:
    for spec in [*analytics_api_assets.specs, *analytics_marts.specs]:
        table = spec.key.path[-1]
        schema = spec.metadata[COLUMN_SCHEMA].schema
        found = {column.name: column.description for column in schema.columns}
        texts = ANALYTICS_COLUMN_DESCRIPTIONS.get(table) or RAW_COLUMN_DESCRIPTIONS[table]
        assert {name: found[name] for name in texts} == texts, table


def _comments(path: Path, schema: str, table: str) -> dict[str, str | None]:
    return dict(
        query(
            path,
            "SELECT column_name, comment FROM duckdb_columns() "
            "WHERE schema_name = ? AND table_name = ?",
            schema,
            table,
        )
    )


def test_analytics_columns_carry_their_descriptions_as_comments_in_duckdb(built: dict) -> None:
    for table, texts in ANALYTICS_COLUMN_DESCRIPTIONS.items():
        assert _comments(built["duckdb"], MARTS, table) == texts, table


def test_described_raw_columns_exist_and_dlt_writes_no_comment_on_duckdb(built: dict) -> None:
    for table, texts in RAW_COLUMN_DESCRIPTIONS.items():
        comments = _comments(built["duckdb"], RAW, table)
        # A description names a column that exists: none made dlt expect one the API never sent.
        assert set(texts) <= set(comments), table
        # dlt's DuckDB DDL has no COMMENT clause; if a dlt upgrade adds one it must be the text.
        assert all(comments[name] in (None, text) for name, text in texts.items()), table


def _postgres_comments(warehouse: WarehouseResource, table: str) -> dict[str, str | None]:
    sql = (
        "SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a "
        "WHERE a.attrelid = CAST(%s AS regclass) AND a.attnum > 0 AND NOT a.attisdropped"
    )
    with warehouse.connect(logging.getLogger(__name__)) as client:
        with client.execute_query(sql, table) as cursor:
            return {name: text for name, text in cursor.fetchall()}


def test_analytics_column_comments_on_postgres(
    postgres_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_resources: Any
) -> None:
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_dsn)
    warehouse = WarehouseResource(destination="postgres", pipelines_dir=str(tmp_path / "dlt"))
    with SampleApiServer(dataset=handmade_dataset(), api_key=TEST_API_KEY) as server:
        result = materialize(
            [analytics_api_assets, analytics_marts],
            resources=make_resources(base_url=server.base_url, warehouse=warehouse),
        )
    assert result.success
    for table, texts in ANALYTICS_COLUMN_DESCRIPTIONS.items():
        assert _postgres_comments(warehouse, f"{MARTS}.{table}") == texts, table
    # dlt's PostgreSQL DDL writes no comment either.
    raw = _postgres_comments(warehouse, f"{RAW}.responses")
    assert all(raw[name] is None for name in RAW_COLUMN_DESCRIPTIONS["responses"])
