"""The floor: the same pages fetched with a plain HTTP session and bulk-loaded into DuckDB.

No retries, no schema, no merge, no nested tables: each endpoint's records go to a JSON-lines
file as they arrive and DuckDB's `read_json` creates one table from it. The least any loader of
this API must spend: the requests themselves, plus one bulk insert per endpoint.

Usage: python -m benchmarks.floor <base_url> <api_key> <duckdb_path> <work_dir> [page_size]
"""

import json
import sys
from pathlib import Path

import duckdb
import requests

ENDPOINTS = {
    "surveys": "/v1/management/surveys",
    "action_classes": "/v1/management/action-classes",
    "attribute_classes": "/v1/management/attribute-classes",
    "identified_peoples": "/v1/management/people",
    "responses": "/v1/management/responses",
    "webhooks": "/v1/webhooks",
}


def main(base_url: str, api_key: str, duckdb_path: str, work_dir: str, page_size: int) -> None:
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    session = requests.Session()
    session.headers["x-api-key"] = api_key
    rows = 0
    with duckdb.connect(duckdb_path) as connection:
        connection.execute("CREATE SCHEMA IF NOT EXISTS analytics")
        for table, path in ENDPOINTS.items():
            target = work / f"{table}.jsonl"
            with target.open("w") as out:
                skip = 0
                while True:
                    params = {"limit": page_size, "skip": skip} if table == "responses" else {}
                    response = session.get(base_url + path, params=params, timeout=60)
                    response.raise_for_status()
                    records = response.json()["data"]
                    for record in records:
                        out.write(json.dumps(record))
                        out.write("\n")
                    rows += len(records)
                    if table != "responses" or len(records) < page_size:
                        break
                    skip += page_size
            if target.stat().st_size:
                connection.execute(
                    f"CREATE OR REPLACE TABLE analytics.{table} AS "
                    f"SELECT * FROM read_json('{target}', format = 'newline_delimited')"
                )
    print(f"rows {rows}")


if __name__ == "__main__":
    main(*sys.argv[1:5], int(sys.argv[5]) if len(sys.argv) > 5 else 100)
