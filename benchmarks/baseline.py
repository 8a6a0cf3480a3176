"""The baseline: the project's original `rest_api_source` config as a plain dlt pipeline.

Six resources merged on `id`, responses paged by `limit` 100 / `skip`, into DuckDB with dlt's
defaults, changed only where the real API forces it: the API sends no total count, so the
offset paginator gets `total_path: None` (as written, the config crashes on the first page).
This is what a user would run without this project.

Usage: python -m benchmarks.baseline <base_url> <api_key> <duckdb_path> <pipelines_dir>
"""

import sys

import dlt
from dlt.sources.rest_api import rest_api_source


def main(base_url: str, api_key: str, duckdb_path: str, pipelines_dir: str) -> None:
    source = rest_api_source(
        {
            "client": {
                "base_url": base_url,
                "auth": {"type": "api_key", "name": "x-api-key", "api_key": api_key},
            },
            "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
            "resources": [
                {"name": "surveys", "endpoint": {"path": "/v1/management/surveys",
                                                 "data_selector": "data"}},
                {"name": "action_classes", "endpoint": {"path": "/v1/management/action-classes",
                                                        "data_selector": "data"}},
                {"name": "attribute_classes",
                 "endpoint": {"path": "/v1/management/attribute-classes",
                              "data_selector": "data"}},
                {"name": "identified_peoples", "endpoint": {"path": "/v1/management/people",
                                                            "data_selector": "data"}},
                {
                    "name": "responses",
                    "endpoint": {
                        "path": "/v1/management/responses",
                        "data_selector": "data",
                        "paginator": {
                            "type": "offset", "limit": 100, "offset_param": "skip",
                            "limit_param": "limit", "total_path": None,
                        },
                    },
                },
                {"name": "webhooks", "endpoint": {"path": "/v1/webhooks",
                                                  "data_selector": "data"}},
            ],
        }  # type: ignore[arg-type]
    )  # fmt: skip
    pipeline = dlt.pipeline(
        pipeline_name="baseline",
        pipelines_dir=pipelines_dir,
        destination=dlt.destinations.duckdb(credentials=duckdb_path),
        dataset_name="analytics",
    )
    info = pipeline.run(source)
    info.raise_on_failed_jobs()
    rows = pipeline.last_trace.last_normalize_info.row_counts
    print(f"rows {sum(v for k, v in rows.items() if not k.startswith('_dlt'))}")


if __name__ == "__main__":
    main(*sys.argv[1:5])
