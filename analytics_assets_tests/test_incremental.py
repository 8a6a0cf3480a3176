"""Incremental sync of responses, the no-change sync and the full refresh, on the sample API."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt
import pytest
from dagster import AssetKey

from analytics_assets.component.resources import WarehouseResource
from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets.warehouse import changes
from analytics_assets_tests.conftest import MakeResources, RunIngestion, query, table_ids

RESPONSES_PATH = settings.RESPONSES_PATH
RESPONSES_KEY = AssetKey(["analytics_api", "responses"])
LOOKBACK = timedelta(hours=settings.DEFAULT_RESPONSES_LOOKBACK_HOURS)


def _responses_metadata(result) -> dict:
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == RESPONSES_KEY]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def _api_state(dataset: SampleDataset) -> list[tuple[str, str]]:
    return sorted((r["id"], r["updatedAt"]) for r in dataset.rows("responses"))


def _table_state(duckdb_path: Path) -> list[tuple[str, str]]:
    return sorted(
        query(
            duckdb_path,
            "SELECT id, strftime(updated_at, '%Y-%m-%dT%H:%M:%S.%gZ') FROM analytics.responses",
        )
    )


def test_sync_reads_only_new_pages_and_lands_new_and_edited_rows(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    resources: dict,
    duckdb_path: Path,
    run_ingestion: RunIngestion,
) -> None:
    assert run_ingestion(resources, job="analytics_api_sync").success
    loaded_before = sample_dataset.rows("responses")
    cursor = loaded_before[0]["createdAt"]
    window_start = _parse(cursor) - LOOKBACK
    recent = [r for r in loaded_before if _parse(r["createdAt"]) >= window_start]
    edited = [r["id"] for r in recent[:5]]
    assert len(edited) == 5

    new_ids = sample_dataset.add_responses(150)
    for response_id in edited:
        sample_dataset.edit_response(response_id, finished=True, tags=[])
    sample_api.reset_requests()

    result = run_ingestion(resources, job="analytics_api_sync")

    assert result.success

    # Newest first: the 150 new rows, then the old rows inside the lookback window, then the
    # first row older than the window, which ends paging on the page that holds it.
    rows_before_stop = len(new_ids) + len(recent)
    assert sample_api.request_count(RESPONSES_PATH) == rows_before_stop // 100 + 1
    assert sample_api.request_count(RESPONSES_PATH) <= 4
    assert _table_state(duckdb_path) == _api_state(sample_dataset)
    metadata = _responses_metadata(result)
    assert metadata["rows_new"] == 150
    assert metadata["rows_changed"] == 5
    assert metadata["records_read"] == rows_before_stop
    assert metadata["dagster/row_count"] == len(loaded_before) + 150
    assert metadata["cursor_created_at"] == sample_dataset.rows("responses")[0]["createdAt"]
    assert metadata["sync_mode"] == "incremental"


def test_sync_with_nothing_new_succeeds_and_reports_zero(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    resources: dict,
    duckdb_path: Path,
    run_ingestion: RunIngestion,
) -> None:
    assert run_ingestion(resources, job="analytics_api_sync").success
    sample_api.reset_requests()

    result = run_ingestion(resources, job="analytics_api_sync")

    assert result.success

    assert sample_api.request_count(RESPONSES_PATH) == 1
    metadata = _responses_metadata(result)
    assert metadata["rows_new"] == 0
    assert metadata["rows_changed"] == 0
    assert metadata["cursor_created_at"] == sample_dataset.rows("responses")[0]["createdAt"]
    assert _table_state(duckdb_path) == _api_state(sample_dataset)


def test_cursor_survives_a_wiped_working_folder(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    resources: dict,
    duckdb_path: Path,
    tmp_path: Path,
    run_ingestion: RunIngestion,
) -> None:
    assert run_ingestion(resources, job="analytics_api_sync").success
    sample_dataset.add_responses(20)
    sample_api.reset_requests()
    # A new machine: same warehouse, empty dlt working folder.
    resources["warehouse"] = WarehouseResource(
        duckdb_path=str(duckdb_path), pipelines_dir=str(tmp_path / "new_machine")
    )

    result = run_ingestion(resources, job="analytics_api_sync")

    assert result.success

    assert sample_api.request_count(RESPONSES_PATH) == 1
    assert _responses_metadata(result)["rows_new"] == 20
    assert table_ids(duckdb_path, "responses") == sorted(
        r["id"] for r in sample_dataset.rows("responses")
    )


def test_full_refresh_heals_an_edit_to_the_oldest_response(
    sample_api: SampleApiServer,
    sample_dataset: SampleDataset,
    make_resources: MakeResources,
    duckdb_path: Path,
    run_ingestion: RunIngestion,
) -> None:
    # Without the change feed (a server before Formbricks 4.2, or `off`), a sync misses it.
    resources = make_resources(sample_api, duckdb_path.parent, change_feed="off")
    assert run_ingestion(resources, job="analytics_api_sync").success
    oldest = sample_dataset.rows("responses")[-1]
    sample_dataset.edit_response(oldest["id"], finished=not oldest["finished"])

    assert run_ingestion(resources, job="analytics_api_sync").success
    assert _table_state(duckdb_path) != _api_state(sample_dataset), "outside the window"

    sample_api.reset_requests()
    result = run_ingestion(resources, job="analytics_api_full_refresh")
    assert result.success

    full_pages = sample_dataset.response_count // 100 + 1
    assert sample_api.request_count(RESPONSES_PATH) == full_pages
    assert _table_state(duckdb_path) == _api_state(sample_dataset)
    assert query(
        duckdb_path, "SELECT finished FROM analytics.responses WHERE id = ?", oldest["id"]
    ) == [(not oldest["finished"],)]
    for table in settings.RESOURCES:
        ids = table_ids(duckdb_path, table)
        assert len(ids) == len(set(ids)), f"duplicates in {table}"
    metadata = _responses_metadata(result)
    assert metadata["sync_mode"] == "full_refresh"
    assert metadata["rows_new"] == 0
    assert metadata["rows_changed"] == 1

    # The incremental sync after a full refresh still reads only the window.
    sample_api.reset_requests()
    assert run_ingestion(resources, job="analytics_api_sync").success
    assert sample_api.request_count(RESPONSES_PATH) == 1


def test_changes_are_counted_a_chunk_at_a_time_and_a_first_load_reads_none_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting what a load changed reads the rows it wrote in chunks, never all at once, and
    a first load (nothing held before) reads none of them back."""
    monkeypatch.setattr(changes, "CHUNK_ROWS", 3)
    pipeline = dlt.pipeline(
        pipeline_name="changes",
        destination=dlt.destinations.duckdb(str(tmp_path / "changes.duckdb")),
        dataset_name="analytics",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def rows(edited: set[int]) -> list[dict]:
        return [
            {"id": f"r{i:02d}", "updated_at": start + timedelta(days=i + (i in edited))}
            for i in range(10)
        ]

    def load(records: list[dict]) -> dict[str, changes.TableChanges]:
        before = changes.snapshot_before_load(pipeline, ["items"])
        info = pipeline.run(
            records, table_name="items", write_disposition="merge", primary_key="id"
        )
        return changes.changes_after_load(pipeline, before, info.loads_ids)

    reads: list[str] = []
    original = changes._count_changed
    monkeypatch.setattr(
        changes,
        "_count_changed",
        lambda client, sql, *a: reads.append(sql) or original(client, sql, *a),
    )
    first = load(rows(set()))
    assert (first["items"], reads) == (changes.TableChanges(10, 10, 0), [])
    # Seven rows again, four of them edited, and two new ones: the rows written span 3 chunks.
    second = load(
        rows({1, 4, 5, 8})[:7]
        + [{"id": "r10", "updated_at": start}, {"id": "r11", "updated_at": start}]
    )
    assert second["items"] == changes.TableChanges(row_count=12, rows_new=2, rows_changed=3)
    assert len(reads) == 1
