"""The Arrow path loads exactly what dlt's row normalizer loads: same tables, columns and values.

The project's source (Arrow) and a reference that hands the same records to dlt's row normalizer
(`_row_path`, what the project did before the Arrow path) load the same sample API, on DuckDB
and on PostgreSQL, three times: a first full load, then incremental ones after edits (an answer
dropped, tags removed, a note added, a field that drifts in, new responses). Every table is then
compared column by column: the declared types and nullability, and every value, with dlt's link
columns replaced by what they link to (the response's `id` and the positions in the lists),
since row ids are random per load.
"""

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
import requests
from dlt.sources import DltResource

from analytics_assets.formbricks import build_source, settings
from analytics_assets.formbricks.answers import with_answers
from analytics_assets.formbricks.arrow import (
    ResponseTables,
    arrow_file_format,
    responses_file_format,
)
from analytics_assets.formbricks.columns import nested_table_columns, table_columns
from analytics_assets.formbricks.ledger import RunLedger
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets.warehouse.nested_rows import (
    delete_replaced_nested_rows,
    drop_responses_tables,
)
from analytics_assets_tests.conftest import FIXED_NOW, TEST_API_KEY
from analytics_assets_tests.live import import_or_skip_outside_ci

ROOT = "responses"
LINKS = ("_dlt_id", "_dlt_parent_id", "_dlt_root_id", "_dlt_load_id")
UNICODE = 'Grüße aus Köln: 日本語のフィードバック, ça va? 👍🏽 "quoted" \\ back\nslash'
PATHS = ("rows", "arrow")


def _edge_cases(dataset: SampleDataset) -> dict[str, str]:
    """Records the generator alone would not make: unicode, nulls, odd answers, empty objects."""
    responses = dataset.rows("responses")
    multi = next(r for r in responses if any(isinstance(v, list) for v in r["data"].values()))
    question_ids = list(multi["data"])
    odd = responses[5]
    dataset.edit_response(
        multi["id"],
        data={
            **multi["data"],
            question_ids[0]: UNICODE,
            "address": {"city": "Zürich", "zip": None},  # an object answer: JSON in `value`
            "skipped": None,
            "empty_choice": [],
            "options": ["Äpfel", "Birnen 🍐", ""],
        },
        contact=None,
        meta={"source": "ünïcode", "userAgent": {}, "country": None},
    )
    dataset.edit_response(
        odd["id"],
        data={},
        ttc={},
        endingId=None,
        displayId=None,
        finished=False,
        variables={"plan": "pro", "seats": 12, "ratio": 0.5, "nested": {"a": [1, None]}},
    )
    return {"multi": multi["id"], "odd": odd["id"]}


def _later_edits(dataset: SampleDataset, ids: dict[str, str]) -> list[str]:
    """What happens between two loads: edits, drift, new responses. Returns the edited ids."""
    responses = dataset.rows("responses")
    # Fields the declarations do not know, on a few responses only, so they come and go between
    # batches: a new list (a new nested table), a number, then a text and a boolean in it.
    dataset.edit_response(
        responses[30]["id"],
        quotas=[{"id": "quota-1", "status": "screenedIn", "limit": 50}, {"id": "quota-2"}],
        npsBucket=7,
    )
    dataset.edit_response(responses[31]["id"], npsBucket="seven", labels=["a", "b"])
    dataset.edit_response(responses[32]["id"], npsBucket=True, labels=[])
    dataset.edit_response(responses[33]["id"], npsBucket="8")
    multi = dataset.response(ids["multi"])
    assert multi is not None
    dropped = {k: v for k, v in multi["data"].items() if k != "options"}
    dataset.edit_response(ids["multi"], data=dropped)
    tagged = next(r for r in responses[:40] if r.get("tags"))
    dataset.edit_response(tagged["id"], tags=[])
    if dataset.release < 4:
        dataset.edit_response(
            responses[2]["id"],
            notes=[
                {
                    "id": "note-added",
                    "createdAt": "2026-11-20T11:00:00.000Z",
                    "updatedAt": "2026-11-20T11:00:00.000Z",
                    "text": UNICODE,
                    "isResolved": False,
                    "isEdited": True,
                    "user": {"id": "user-1", "name": "Zoë"},
                }
            ],
        )
    dataset.add_field("responses", "sentiment", lambda record: len(record["id"]) % 3 or None)
    dataset.add_responses(7, at=FIXED_NOW + timedelta(minutes=5))
    return [ids["multi"], tagged["id"], responses[2]["id"], responses[33]["id"]]


class Warehouse:
    """One destination holding the row path's tables and the Arrow path's, side by side."""

    def __init__(
        self,
        destination: Callable[[str], Any],
        query: Callable[[str, str], tuple[list[str], list[tuple]]],
        pipelines_dir: Path,
    ) -> None:
        self.destination = destination
        self.query = query
        self.pipelines_dir = pipelines_dir

    def pipeline(self, path: str) -> dlt.Pipeline:
        return dlt.pipeline(
            pipeline_name=f"compare_{path}",
            destination=self.destination(path),
            dataset_name=self.dataset(path),
            pipelines_dir=str(self.pipelines_dir),
        )

    @staticmethod
    def dataset(path: str) -> str:
        return f"analytics_{path}"


def _lookback_seconds(dataset: SampleDataset, ids: list[str]) -> float:
    """A lookback that reaches back to the oldest of the responses `ids`, plus an hour."""
    from datetime import datetime

    newest = max(datetime.fromisoformat(r["createdAt"]) for r in dataset.rows("responses"))
    oldest = min(datetime.fromisoformat(dataset.response(i)["createdAt"]) for i in ids)
    return (newest - oldest).total_seconds() + 3600


def _generation(server: SampleApiServer) -> str:
    return (
        settings.GENERATION_CURRENT if server.dataset.release >= 3 else settings.GENERATION_LEGACY
    )


def _row_path(server: SampleApiServer) -> DltResource:
    """The reference: every response the API lists, through dlt's row normalizer, merged on `id`
    with the declared columns (the project's source before the Arrow path)."""
    url = server.base_url + settings.endpoint_paths(_generation(server))[ROOT]
    records: list[dict[str, Any]] = []
    while True:
        page = requests.get(
            url,
            params={settings.LIMIT_PARAM: 100, settings.OFFSET_PARAM: len(records)},
            headers={settings.API_KEY_HEADER: TEST_API_KEY},
            timeout=30,
        ).json()["data"]
        records.extend(page)
        if len(page) < 100:
            break
    nested = nested_table_columns()
    return dlt.resource(
        [with_answers(record) for record in records],
        name=ROOT,
        primary_key=settings.PRIMARY_KEY,
        write_disposition="merge",
        columns=table_columns(ROOT),
        nested_hints={name: {"columns": nested[(name,)]} for name in ("answers", "tags")},
    )


def _arrow_path(server: SampleApiServer, lookback_seconds: float | None) -> Any:
    return build_source(
        server.base_url,
        TEST_API_KEY,
        responses_lookback_seconds=lookback_seconds,
        ledger=RunLedger(generation=_generation(server)),
        # Batches smaller than the sample (450 responses, pages of 100), so a batch ends in
        # the middle of a page and fields appear in one batch and not in the next.
        arrow_batch_responses=130,
    ).with_resources(ROOT)


def _load(warehouse: Warehouse, server: SampleApiServer, *, lookback_seconds: float | None) -> None:
    for path in PATHS:
        pipeline = warehouse.pipeline(path)
        duckdb_ = pipeline.destination.destination_name == "duckdb"
        if path == "rows":
            source = _row_path(server)
        else:
            source = _arrow_path(server, lookback_seconds)
        pipeline.run(source, loader_file_format="parquet" if duckdb_ else None)
        if path == "arrow":
            delete_replaced_nested_rows(pipeline)


def _tables(warehouse: Warehouse, path: str) -> dict[str, dict[str, tuple[str, str]]]:
    """Each responses table with its columns' (type, nullable), from information_schema."""
    _, found = warehouse.query(
        path,
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        f"WHERE table_schema = '{warehouse.dataset(path)}' AND table_name LIKE '{ROOT}%'",
    )
    tables: dict[str, dict[str, tuple[str, str]]] = {}
    for table, column, data_type, nullable in found:
        tables.setdefault(table, {})[column] = (data_type, nullable)
    return tables


def _rows(warehouse: Warehouse, path: str, table: str, columns: list[str]) -> list[tuple]:
    """Every row of a table, dlt's link columns replaced by the response id and list positions."""
    dataset = warehouse.dataset(path)
    own = [c for c in sorted(columns) if c not in LINKS]
    depth = table.count("__")
    select = [f"t.{c}" for c in own]
    joins = ""
    if depth:
        select = ["r.id AS response", "t._dlt_list_idx AS position", *select]
        joins = f" JOIN {dataset}.{ROOT} r ON r._dlt_id = t._dlt_root_id"
        if depth == 2:
            parent = table.rsplit("__", 1)[0]
            select.insert(1, "p._dlt_list_idx AS parent_position")
            joins += f" JOIN {dataset}.{parent} p ON p._dlt_id = t._dlt_parent_id"
    names, rows = warehouse.query(
        path, f"SELECT {', '.join(select)} FROM {dataset}.{table} t{joins}"
    )
    return sorted((tuple(_comparable(v) for v in row) for row in rows), key=repr)


def _comparable(value: Any) -> Any:
    """JSON text compares as the value it encodes (each database keeps its own spacing)."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def _assert_same(warehouse: Warehouse) -> dict[str, int]:
    """Compare both paths' tables: types, nullability and every value (an empty text too)."""
    tables = {path: _tables(warehouse, path) for path in PATHS}
    assert tables["arrow"] == tables["rows"]
    counts = {}
    for table, columns in tables["rows"].items():
        rows = {path: _rows(warehouse, path, table, list(columns)) for path in PATHS}
        assert rows["arrow"] == rows["rows"], table
        counts[table] = len(rows["rows"])
    # No nested row outlives its response on either path.
    for path in PATHS:
        dataset = warehouse.dataset(path)
        for table in tables[path]:
            if "__" in table:
                _, [(orphans,)] = warehouse.query(
                    path,
                    f"SELECT count(*) FROM {dataset}.{table} t WHERE NOT EXISTS (SELECT 1 FROM "
                    f"{dataset}.{ROOT} r WHERE r._dlt_id = t._dlt_root_id)",
                )
                assert orphans == 0, (path, table)
    return counts


def _compare(warehouse: Warehouse, release: int) -> None:
    dataset = SampleDataset.generate(seed=11, responses=450, now=FIXED_NOW, release=release)
    ids = _edge_cases(dataset)
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        _load(warehouse, server, lookback_seconds=None)
        first = _assert_same(warehouse)
        assert _options(warehouse, ids["multi"]) == ["", "Birnen 🍐", "Äpfel"]
        edited = _later_edits(dataset, ids)
        _load(warehouse, server, lookback_seconds=_lookback_seconds(dataset, edited))
        second = _assert_same(warehouse)
        # The answer dropped in the edit is gone with its selected options (same on both paths).
        assert _options(warehouse, ids["multi"]) == []
        # A third load whose only value of a field an earlier load typed is of another type.
        newest = dataset.rows("responses")[0]["id"]
        dataset.edit_response(newest, npsBucket="nine", quotas=[{"id": "quota-3", "limit": "x"}])
        _load(warehouse, server, lookback_seconds=_lookback_seconds(dataset, [newest]))
        _assert_same(warehouse)
    nested = {"responses__answers", "responses__answers__selected", "responses__tags"}
    if release < 4:
        nested.add("responses__notes")
    assert nested <= set(first)
    # The drift made a nested table of each new list, and variant columns, on both paths.
    assert {"responses__quotas", "responses__labels"} <= set(second)
    columns = _tables(warehouse, "arrow")[ROOT]
    assert {"nps_bucket", "nps_bucket__v_bool", "sentiment"} <= set(columns)
    assert second[ROOT] == first[ROOT] + 7
    _, [(unicode_rows,)] = warehouse.query(
        "arrow",
        f"SELECT count(*) FROM {warehouse.dataset('arrow')}.responses__answers "
        "WHERE value_text = %s" % _literal(UNICODE),
    )
    assert unicode_rows == 1


def _options(warehouse: Warehouse, response_id: str) -> list[str]:
    """The selected options of the `options` answer of one response, on the Arrow path."""
    dataset = warehouse.dataset("arrow")
    _, rows = warehouse.query(
        "arrow",
        f"SELECT s.value FROM {dataset}.responses__answers__selected s "
        f"JOIN {dataset}.responses__answers a ON a._dlt_id = s._dlt_parent_id "
        f"WHERE a.response_id = {_literal(response_id)} AND a.question_id = 'options'",
    )
    return sorted((value for (value,) in rows), key=lambda value: (value is not None, value or ""))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.mark.parametrize("release", [5, 2])
def test_arrow_path_loads_what_the_row_path_loaded_on_duckdb(tmp_path: Path, release: int) -> None:
    def query(path: str, sql: str) -> tuple[list[str], list[tuple]]:
        with duckdb.connect(str(tmp_path / f"{path}.duckdb"), read_only=True) as connection:
            cursor = connection.execute(sql)
            return [d[0] for d in cursor.description], cursor.fetchall()

    warehouse = Warehouse(
        lambda path: dlt.destinations.duckdb(str(tmp_path / f"{path}.duckdb")),
        query,
        tmp_path / "pipelines",
    )
    _compare(warehouse, release)


psycopg2 = import_or_skip_outside_ci("psycopg2")


def test_arrow_path_loads_what_the_row_path_loaded_on_postgres_as_insert_values(
    tmp_path: Path, postgres_dsn: str
) -> None:
    """dlt would load Arrow into PostgreSQL as CSV through COPY with FORCE_NULL on every
    nullable column, which turns every empty text into NULL: the responses tables load as
    INSERT VALUES there instead, and keep them."""

    def query(path: str, sql: str) -> tuple[list[str], list[tuple]]:
        with psycopg2.connect(postgres_dsn) as connection, connection.cursor() as cursor:
            cursor.execute(sql)
            return [d[0] for d in cursor.description], cursor.fetchall()

    warehouse = Warehouse(
        lambda path: dlt.destinations.postgres(postgres_dsn),
        query,
        tmp_path / "pipelines",
    )
    assert arrow_file_format(warehouse.pipeline("arrow"), None) == "csv"
    assert responses_file_format(warehouse.pipeline("arrow"), None) == "insert_values"
    _compare(warehouse, 2)


def test_a_warehouse_the_row_path_made_fails_unchanged_until_its_responses_are_dropped(
    tmp_path: Path,
) -> None:
    """Before the Arrow path, the responses' nested tables were dlt nested tables (their schema
    names a parent), which dlt loads no Arrow table into: a run fails before it changes a
    table, and says to run `drop-responses` once; the run after it reads every response."""
    from dagster import DagsterInstance, materialize
    from dagster_dlt import DagsterDltResource

    from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
    from analytics_assets_tests.loader import analytics_api_assets

    dataset = SampleDataset.generate(seed=3, responses=260, now=FIXED_NOW)
    path = tmp_path / "warehouse.duckdb"
    warehouse = WarehouseResource(duckdb_path=str(path), pipelines_dir=str(tmp_path / "dlt"))
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        old = dlt.source(lambda: _row_path(server), name=settings.SOURCE_NAME)()
        warehouse.build_pipeline().run(old, loader_file_format="parquet")
        dataset.add_responses(3, at=FIXED_NOW + timedelta(minutes=1))
        resources = {
            "dlt": DagsterDltResource(),
            "analytics_api": AnalyticsApiResource(base_url=server.base_url, api_key=TEST_API_KEY),
            "warehouse": warehouse,
        }
        failed = materialize(
            [analytics_api_assets], resources=resources, instance=instance, raise_on_error=False
        )

        assert not failed.success
        [failure] = [e for e in failed.all_events if e.is_step_failure]
        message = failure.step_failure_data.error.to_string()
        assert "analytics-assets drop-responses" in message
        assert "responses__answers" in message
        assert _responses_and_orphans(path) == (260, 0)

        dropped = drop_responses_tables(warehouse.build_pipeline())
        assert "responses" in dropped and "responses__answers" in dropped
        again = materialize([analytics_api_assets], resources=resources, instance=instance)

        assert again.success
        assert _responses_and_orphans(path) == (263, 0)
        schema = warehouse.build_pipeline().default_schema
        assert not schema.tables["responses__answers"].get("parent")


def _responses_and_orphans(path: Path) -> tuple[int, int]:
    with duckdb.connect(str(path), read_only=True) as connection:
        [(responses,)] = connection.execute("SELECT count(*) FROM analytics.responses").fetchall()
        [(orphans,)] = connection.execute(
            "SELECT count(*) FROM analytics.responses__answers a WHERE NOT EXISTS "
            "(SELECT 1 FROM analytics.responses r WHERE r._dlt_id = a._dlt_root_id)"
        ).fetchall()
    return responses, orphans


def _arrow_sync(path: Path, server: SampleApiServer, lookback_seconds: float) -> Callable[[], None]:
    """A sync of responses into the DuckDB file `path` with plain dlt, as the asset does it:
    the load through the Arrow path, then the deletion of replaced nested rows."""
    pipeline = dlt.pipeline(
        pipeline_name=path.stem,
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name="analytics",
        pipelines_dir=str(path.parent / "pipelines"),
    )

    def sync() -> None:
        source = build_source(
            server.base_url, TEST_API_KEY, responses_lookback_seconds=lookback_seconds
        )
        pipeline.run(source.with_resources(ROOT), loader_file_format="parquet")
        delete_replaced_nested_rows(pipeline)

    return sync


def test_a_sync_whose_window_ends_on_a_page_boundary_writes_every_new_response(
    tmp_path: Path,
) -> None:
    """The page after the window is filtered out whole, so dlt's incremental step passes
    nothing on and closes the read: the new page before it must have been written already."""
    dataset = SampleDataset.generate(seed=5, responses=250, now=FIXED_NOW)
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        sync = _arrow_sync(tmp_path / "boundary.duckdb", server, lookback_seconds=0)
        sync()
        dataset.add_responses(100, at=FIXED_NOW + timedelta(hours=1))
        server.reset_requests()
        sync()

        # One page of new responses, then one page past the window, filtered out whole.
        pages = [r.query["skip"] for r in server.requests if r.path.endswith("/responses")]
    assert pages == ["0", "100"]
    with duckdb.connect(str(tmp_path / "boundary.duckdb"), read_only=True) as connection:
        [(count,)] = connection.execute("SELECT count(*) FROM analytics.responses").fetchall()
    assert count == 350


def test_a_sync_hands_its_pages_to_dlt_as_one_batch_and_reads_none_past_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dlt redoes its schema work for every Arrow item (about 12 ms for the five tables), so a
    sync gathers its pages before dlt's incremental step, as a full read does: the two pages of
    new responses and the page that reaches past the window are one batch, and that page is
    the last one read."""
    batches: list[int] = []
    build = ResponseTables._batch

    def counted(self: ResponseTables, records: list[dict[str, Any]]) -> Any:
        batches.append(len(records))
        return build(self, records)

    monkeypatch.setattr(ResponseTables, "_batch", counted)
    dataset = SampleDataset.generate(seed=5, responses=250, now=FIXED_NOW)
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        sync = _arrow_sync(tmp_path / "batched.duckdb", server, lookback_seconds=0)
        sync()
        assert batches == [250]
        batches.clear()
        dataset.add_responses(250, at=FIXED_NOW + timedelta(hours=1))
        server.reset_requests()
        sync()
        pages = [r.query["skip"] for r in server.requests if r.path.endswith("/responses")]
    # Pages 0 and 100 are new, page 200 holds the last 50 new ones and 50 loaded before.
    assert pages == ["0", "100", "200"]
    assert batches == [250]
    with duckdb.connect(str(tmp_path / "batched.duckdb"), read_only=True) as connection:
        [(count,)] = connection.execute("SELECT count(*) FROM analytics.responses").fetchall()
    assert count == 500


def test_a_sync_with_a_page_of_untagged_responses_then_tagged_ones_loads(tmp_path: Path) -> None:
    """A page whose responses all have `tags: []` adds no tag rows (and no empty Arrow item that
    dlt's writer could not join to the next page's tags)."""
    dataset = SampleDataset.generate(seed=5, responses=260, now=FIXED_NOW)
    responses = dataset.rows("responses")
    lookback = _lookback_seconds(dataset, [responses[199]["id"]])
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        sync = _arrow_sync(tmp_path / "untagged.duckdb", server, lookback)
        sync()
        for record in responses[:100]:
            dataset.edit_response(record["id"], tags=[])
        assert any(record["tags"] for record in dataset.rows("responses")[100:200])
        sync()

    tagged = {r["id"]: len(r["tags"]) for r in dataset.rows("responses") if r["tags"]}
    with duckdb.connect(str(tmp_path / "untagged.duckdb"), read_only=True) as connection:
        loaded = dict(
            connection.execute(
                "SELECT r.id, count(*) FROM analytics.responses__tags t JOIN analytics.responses r "
                "ON r._dlt_id = t._dlt_root_id GROUP BY r.id"
            ).fetchall()
        )
    assert loaded == tagged


def test_nested_rows_left_by_a_run_that_died_before_deleting_them_count_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that loaded but died before deleting the nested rows of the responses it replaced
    leaves them beside the new ones: the analytics do not count them, the next load deletes."""
    from dagster import materialize
    from dagster_dlt import DagsterDltResource

    import analytics_assets.component.ingestion.steps as assets_module
    from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
    from analytics_assets_tests.loader import analytics_api_assets, analytics_marts

    dataset = SampleDataset.generate(seed=9, responses=300, now=FIXED_NOW)
    path = tmp_path / "warehouse.duckdb"
    marts_sql = (
        "SELECT * FROM analytics_marts.choice_answer_distribution ORDER BY ALL",
        "SELECT * FROM analytics_marts.survey_summary ORDER BY ALL",
    )

    def marts() -> list[list[tuple]]:
        with duckdb.connect(str(path), read_only=True) as connection:
            return [connection.execute(sql).fetchall() for sql in marts_sql]

    def orphans() -> int:
        with duckdb.connect(str(path), read_only=True) as connection:
            [(count,)] = connection.execute(
                "SELECT count(*) FROM analytics.responses__answers a WHERE NOT EXISTS "
                "(SELECT 1 FROM analytics.responses r WHERE r._dlt_id = a._dlt_root_id)"
            ).fetchall()
        return count

    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        resources = {
            "dlt": DagsterDltResource(),
            # Without the change feed, whose own cleanup after merging edits would hide the
            # rows this test needs left behind.
            "analytics_api": AnalyticsApiResource(
                base_url=server.base_url, api_key=TEST_API_KEY, change_feed="off"
            ),
            "warehouse": WarehouseResource(duckdb_path=str(path), pipelines_dir=str(tmp_path)),
        }
        run = [analytics_api_assets, analytics_marts]
        assert materialize(run, resources=resources).success
        for record in dataset.rows("responses")[:20]:
            kept = dict(list(record["data"].items())[:1])
            dataset.edit_response(record["id"], data=kept, tags=[])

        with monkeypatch.context() as patch:
            patch.setattr(assets_module, "delete_replaced_nested_rows", lambda pipeline: {})
            assert materialize(run, resources=resources).success
        left = orphans()
        with_stale_rows = marts()
        assert materialize(run, resources=resources).success

    assert left > 0
    assert orphans() == 0
    assert marts() == with_stale_rows
