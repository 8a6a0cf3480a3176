"""The six ingestion assets, materialized in process against the sample API into a tmp DuckDB."""

import json
from collections import Counter
from pathlib import Path

import pytest
from dagster import AssetKey, materialize

from analytics_assets.definitions import defs
from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import (
    RESPONSE_COUNT,
    TEST_API_KEY,
    api_ids,
    load_requests,
    query,
    table_ids,
)
from analytics_assets_tests.loader import analytics_api_assets

RESPONSES_PATH = settings.RESPONSES_PATH


def _materialize_all(resources: dict):
    result = materialize([analytics_api_assets], resources=resources)
    assert result.success
    return result


def test_every_table_holds_exactly_the_api_rows(
    sample_api: SampleApiServer, sample_dataset: SampleDataset, resources: dict, duckdb_path: Path
) -> None:
    _materialize_all(resources)

    for table in settings.RESOURCES:
        assert table_ids(duckdb_path, table) == api_ids(sample_dataset, table), table
    assert len(table_ids(duckdb_path, "responses")) == RESPONSE_COUNT


def test_second_run_adds_no_duplicates(
    sample_dataset: SampleDataset, resources: dict, duckdb_path: Path
) -> None:
    _materialize_all(resources)
    _materialize_all(resources)

    for table in settings.RESOURCES:
        assert table_ids(duckdb_path, table) == api_ids(sample_dataset, table), table


def test_requests_carry_the_key_and_page_responses_by_100(
    sample_api: SampleApiServer, sample_dataset: SampleDataset, resources: dict
) -> None:
    _materialize_all(resources)

    assert sample_api.requests, "no request reached the sample API"
    assert all(r.headers.get("x-api-key") == TEST_API_KEY for r in sample_api.requests)
    response_requests = [r for r in sample_api.requests if r.path.endswith(RESPONSES_PATH)]
    # 23 full pages and one short page of 45: the short page ends paging, no empty page after it.
    full_pages, rest = divmod(RESPONSE_COUNT, 100)
    assert len(response_requests) == full_pages + 1
    assert [r.query.get("limit") for r in response_requests] == ["100"] * (full_pages + 1)
    assert [int(r.query["skip"]) for r in response_requests] == list(range(0, RESPONSE_COUNT, 100))
    # One probe of the attribute keys, reused for attribute classes and people; one request for
    # each other endpoint.
    requests_per_path = Counter(r.path for r in sample_api.requests)
    assert requests_per_path == load_requests(sample_dataset, full_pages + 1)


def test_response_values_survive_the_load(
    sample_dataset: SampleDataset, resources: dict, duckdb_path: Path
) -> None:
    _materialize_all(resources)

    newest = sample_dataset.rows("responses")[0]
    [(survey_id, finished, data, created_at, country)] = query(
        duckdb_path,
        "SELECT survey_id, finished, data, strftime(created_at, '%Y-%m-%dT%H:%M:%S.%gZ'), "
        "meta__country FROM analytics.responses WHERE id = ?",
        newest["id"],
    )
    assert survey_id == newest["surveyId"]
    assert finished == newest["finished"]
    assert json.loads(data) == newest["data"]
    assert created_at == newest["createdAt"]
    assert country == newest["meta"]["country"]
    tags = query(
        duckdb_path,
        "SELECT count(*) FROM analytics.responses__tags t "
        "JOIN analytics.responses r ON t._dlt_parent_id = r._dlt_id",
    )[0][0]
    assert tags == sum(len(r["tags"]) for r in sample_dataset.rows("responses"))


def test_declared_columns_exist_even_when_always_null(resources: dict, duckdb_path: Path) -> None:
    _materialize_all(resources)

    columns = {
        (table, column)
        for table, column in query(
            duckdb_path,
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'analytics'",
        )
    }
    # Null in every record the sample API sends, as in most real accounts.
    for table, column in [
        ("responses", "single_use_id"),
        ("surveys", "pin"),
        ("surveys", "run_on_date"),
        ("surveys", "segment"),
    ]:
        assert (table, column) in columns
    assert query(
        duckdb_path, "SELECT count(*) FROM analytics.responses WHERE single_use_id IS NOT NULL"
    ) == [(0,)]


def test_materializations_report_row_count_and_schema(
    sample_dataset: SampleDataset, resources: dict
) -> None:
    result = _materialize_all(resources)

    materializations = {m.asset_key: m for m in result.get_asset_materialization_events()}
    assert set(materializations) == {
        AssetKey(["analytics_api", table]) for table in settings.RESOURCES
    }
    for key, event in materializations.items():
        metadata = event.materialization.metadata
        table = key.path[-1]
        assert metadata["dagster/row_count"].value == len(api_ids(sample_dataset, table))
        columns = {c.name for c in metadata["dagster/column_schema"].schema.columns}
        assert {"id", "created_at", "updated_at"} <= columns
        assert metadata["dagster/table_name"].value == f"analytics.{table}"


def test_subset_loads_only_the_selected_endpoint(
    sample_api: SampleApiServer, resources: dict, duckdb_path: Path
) -> None:
    result = materialize(
        [analytics_api_assets],
        resources=resources,
        selection=[AssetKey(["analytics_api", "webhooks"])],
    )
    assert result.success
    # The generation probe, then webhooks.
    assert [r.path for r in sample_api.requests] == [
        "/api" + settings.GENERATION_PROBE_PATH,
        "/api" + settings.LEGACY_ENDPOINT_PATHS["webhooks"],
    ]
    tables = {
        row[0]
        for row in query(
            duckdb_path,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'analytics' "
            "AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\'",
        )
    }
    assert tables == {"webhooks"}


def test_asset_specs_keys_group_kinds_and_no_phantoms() -> None:
    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    expected = {AssetKey(["analytics_api", table]) for table in settings.RESOURCES}
    assert expected <= keys
    for key in expected:
        node = graph.get(key)
        assert node.group_name == "analytics_api"
        assert node.kinds == {"dlt", "duckdb"}
        assert node.description
        assert not node.parent_keys, f"{key} has upstream assets {node.parent_keys}"
    # Nothing but the raw assets and the analytics on top: no `analytics_api_<resource>` phantoms.
    assert {key.path[0] for key in keys - expected} == {"analytics"}


@pytest.mark.parametrize("bad_name", ["analytics.duckdb"])
def test_duckdb_file_named_like_the_dataset_is_refused_before_any_request(
    sample_api: SampleApiServer, resources: dict, tmp_path: Path, bad_name: str
) -> None:
    from analytics_assets.component.resources import WarehouseResource

    resources["warehouse"] = WarehouseResource(duckdb_path=str(tmp_path / bad_name))
    result = materialize([analytics_api_assets], resources=resources, raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert (
        "ANALYTICS_DUCKDB_PATH" in str(failure.cause or failure)
        or "ANALYTICS_DUCKDB_PATH" in failure.message
    )
    assert sample_api.request_count() == 0


def test_page_size_and_request_budget_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, sample_api: SampleApiServer, resources: dict
) -> None:
    from analytics_assets.component.resources import AnalyticsApiResource
    from analytics_assets.formbricks.errors import AnalyticsConfigurationError

    monkeypatch.setenv(settings.ENV_API_PAGE_SIZE, "1000")
    monkeypatch.setenv(settings.ENV_API_REQUESTS_PER_MINUTE, "0")
    resources["analytics_api"] = AnalyticsApiResource(
        base_url=sample_api.base_url, api_key=TEST_API_KEY
    )
    assert resources["analytics_api"].request_budget(None) is None

    _materialize_all(resources)

    pages = [r.query for r in sample_api.requests if r.path.endswith(RESPONSES_PATH)]
    # 2,345 responses: two full pages of 1,000 and a short one.
    assert pages == [{"limit": "1000", "skip": str(skip)} for skip in (0, 1000, 2000)]
    # A resource field wins over the environment; a bad value names its setting.
    assert (
        AnalyticsApiResource(base_url="http://x", api_key="k", page_size=50).resolved_page_size()
        == 50
    )
    monkeypatch.setenv(settings.ENV_API_PAGE_SIZE, "0")
    with pytest.raises(AnalyticsConfigurationError, match=settings.ENV_API_PAGE_SIZE):
        AnalyticsApiResource(base_url="http://x", api_key="k").resolved_page_size()
    # Every variable is parsed at once (`config.read_settings`): the bad page size goes first.
    monkeypatch.delenv(settings.ENV_API_PAGE_SIZE)
    monkeypatch.setenv(settings.ENV_API_REQUESTS_PER_MINUTE, "lots")
    with pytest.raises(AnalyticsConfigurationError, match=settings.ENV_API_REQUESTS_PER_MINUTE):
        AnalyticsApiResource(base_url="http://x", api_key="k").resolved_requests_per_minute()
