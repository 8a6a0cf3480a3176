"""The few ways the project reads its warehouse through dlt's SQL client.

dlt's `sql_client()` speaks each destination's dialect and placeholders (`%s` everywhere); these
helpers run one query and return what it found, the same on DuckDB and Postgres.
"""

from pathlib import Path
from typing import Any

from dlt.destinations.sql_client import SqlClientBase

SQL_DIR = Path(__file__).parent / "sql"


def sql_statement(name: str, **names: str) -> str:
    """The statement of `sql/<name>.sql`, its comment lines left out, its `{names}` filled in.

    Only names (schemas, tables, columns, already quoted) are filled in here; values are bound
    as `%s` parameters when the statement runs. The comments document the placeholders, so
    they go before `str.format` would fill those too.
    """
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    statement = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return statement.format(**names) if names else statement


def rows(client: SqlClientBase, sql: str, *args: Any) -> list[tuple]:
    """Every row of a query."""
    with client.execute_query(sql, *args) as cursor:
        return [tuple(row) for row in cursor.fetchall()]


def scalar(client: SqlClientBase, sql: str, *args: Any) -> Any:
    """The first column of the first row of a query."""
    with client.execute_query(sql, *args) as cursor:
        return cursor.fetchone()[0]


def row_count(client: SqlClientBase, table: str) -> int:
    """The rows of one (qualified) table."""
    return int(scalar(client, sql_statement("row_count", table=table)))


def columns_by_table(client: SqlClientBase, schema: str) -> dict[str, set[str]]:
    """Every table of a schema with its columns, from `information_schema` (views too)."""
    sql = "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s"
    found: dict[str, set[str]] = {}
    for table, column in rows(client, sql, schema):
        found.setdefault(table, set()).add(column)
    return found
