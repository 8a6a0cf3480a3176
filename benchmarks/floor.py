"""The floor: the same pages fetched as raw bytes and bulk-loaded by DuckDB, never parsed in Python.

No retries, no schema, no merge, no nested tables. Each page's body goes to a file exactly as it
arrived, and DuckDB's `read_json` builds one table per endpoint from the files, unnesting the
`data` envelope itself. The least any loader of this API must spend: the requests, one write of
the bytes, and one parse in DuckDB.

The HTTP client is urllib3's connection pool, the fastest in the environment for this (`requests`
and `httpx` add their own layers on top of a pool like it). Pages end the way the API says they
do: the first empty page, recognised by its size, which is the only body this script decodes.

Usage: python -m benchmarks.floor <base_url> <api_key> <duckdb_path> <work_dir> [page_size]
"""

import sys
from pathlib import Path

import duckdb
import urllib3

# The 2.x paths of the original config (the benchmark serves release 2), by table.
ENDPOINTS = {
    "surveys": "/v1/management/surveys",
    "action_classes": "/v1/management/action-classes",
    "attribute_classes": "/v1/management/attribute-classes",
    "identified_peoples": "/v1/management/people",
    "responses": "/v1/management/responses",
    "webhooks": "/v1/webhooks",
}
PAGED = "responses"
# Any body this short holds no record; only such bodies are decoded, to tell an empty page.
EMPTY_PAGE_MAX_BYTES = 64


def _empty(body: bytes) -> bool:
    return len(body) <= EMPTY_PAGE_MAX_BYTES and b"[]" in body.replace(b" ", b"")


def fetch_pages(base_url: str, api_key: str, work: Path, page_size: int) -> dict[str, Path]:
    """Write every page of every endpoint to `work/<table>/<n>.json`; the folder of each table."""
    pool = urllib3.PoolManager(maxsize=1, headers={"x-api-key": api_key})
    folders = {}
    for table, path in ENDPOINTS.items():
        folder = work / table
        folder.mkdir(parents=True, exist_ok=True)
        skip, page = 0, 0
        while True:
            fields = {"limit": page_size, "skip": skip} if table == PAGED else None
            response = pool.request("GET", base_url + path, fields=fields, timeout=60.0)
            if response.status != 200:
                raise SystemExit(f"floor: {path} answered HTTP {response.status}")
            body = response.data
            if _empty(body):
                break
            (folder / f"{page:06d}.json").write_bytes(body)
            page += 1
            if table != PAGED:
                break
            skip += page_size
        folders[table] = folder
    return folders


def load(duckdb_path: str, folders: dict[str, Path]) -> int:
    """One table per endpoint from its pages, the records unnested by DuckDB; rows loaded."""
    rows = 0
    with duckdb.connect(duckdb_path) as connection:
        connection.execute("CREATE SCHEMA IF NOT EXISTS analytics")
        for table, folder in folders.items():
            if not any(folder.iterdir()):
                continue
            # Every file is sampled (`maximum_sample_files`), so a field that appears only on a
            # late page still gets its column.
            connection.execute(
                f"CREATE OR REPLACE TABLE analytics.{table} AS "
                "SELECT unnest(record) FROM (SELECT unnest(data) AS record FROM read_json("
                f"'{folder}/*.json', format = 'auto', maximum_object_size = 1073741824, "
                "maximum_sample_files = -1, sample_size = -1))"
            )
            rows += connection.execute(f"SELECT count(*) FROM analytics.{table}").fetchone()[0]
    return rows


def main(base_url: str, api_key: str, duckdb_path: str, work_dir: str, page_size: int) -> None:
    folders = fetch_pages(base_url, api_key, Path(work_dir), page_size)
    print(f"rows {load(duckdb_path, folders)}")


if __name__ == "__main__":
    main(*sys.argv[1:5], int(sys.argv[5]) if len(sys.argv) > 5 else 100)
