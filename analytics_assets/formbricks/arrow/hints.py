"""What dlt is told about the responses tables: their link columns, the nested tables declared as
table variants of `responses`, and the file format they load in."""

import logging
from typing import Any

import dlt
from dlt.sources import DltResource

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.columns import nested_table_columns
from analytics_assets.formbricks.dlt_compat import resolve_best_writer_spec
from analytics_assets.formbricks.errors import AnalyticsConfigurationError

# dlt's column and table names for the links between a row and its parent.
DLT_ID = "_dlt_id"
DLT_PARENT_ID = "_dlt_parent_id"
DLT_ROOT_ID = "_dlt_root_id"
DLT_LIST_IDX = "_dlt_list_idx"
DLT_LOAD_ID = "_dlt_load_id"
# The column a list of plain values fills in its nested table (dlt's `value`).
VALUE = "value"

LINK_COLUMNS = {
    DLT_ROOT_ID: {"data_type": "text", "nullable": False},
    DLT_PARENT_ID: {"data_type": "text", "nullable": False},
    DLT_LIST_IDX: {"data_type": "bigint", "nullable": False},
    DLT_ID: {"data_type": "text", "nullable": False, "unique": True, "row_key": True},
}

# Every dlt column this package fills: the links above, and the load id of a response row.
DLT_COLUMNS = {**LINK_COLUMNS, DLT_LOAD_ID: {"data_type": "text", "nullable": False}}

# The one file format the responses tables must not load in (see the package's docstring),
# and the one they load in instead.
_CSV = "csv"
INSERT_VALUES = "insert_values"

# How dlt's extract begins the warning it logs, on every Arrow item, when a column of the item
# has another type than the one declared: the declared `json` columns arrive as Arrow strings.
_OVERRIDE_WARNING = (
    f"In resource: {settings.PAGED_RESOURCE}, when merging arrow schema with dlt schema"
)
# How dlt's normalize begins and ends the warning it logs for each responses table, on every
# run, where they load as INSERT VALUES: it has no native writer from Arrow to that format.
_CONVERTED_WARNING = f"For data items in `{settings.PAGED_RESOURCE}"
_CONVERTED_WARNING_END = f"job file format {INSERT_VALUES} native writer could not be found"


class _ExpectedArrowWarnings(logging.Filter):
    """Drops two warnings dlt logs about the responses tables that say nothing here.

    That the declared `json` columns arrive as text: that is how JSON reaches dlt through
    Arrow, which has no JSON type dlt reads; dlt keeps the declared type and the destination
    parses the text (DuckDB's JSON, PostgreSQL's jsonb). Logged for every batch, 40 times for
    100,000 responses. Every type this package builds is the declared one otherwise, or one
    dlt read from the data.

    That INSERT VALUES from Arrow "will degrade performance": measured, it is still faster than
    dlt's row normalizer, and the one format that keeps empty texts on PostgreSQL (see the
    package's docstring).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith(_OVERRIDE_WARNING):
            return False
        return not (message.startswith(_CONVERTED_WARNING) and _CONVERTED_WARNING_END in message)


def quiet_expected_warnings() -> None:
    """Install `_ExpectedArrowWarnings` on dlt's logger, once."""
    dlt_logger = logging.getLogger("dlt")
    if not any(isinstance(f, _ExpectedArrowWarnings) for f in dlt_logger.filters):
        dlt_logger.addFilter(_ExpectedArrowWarnings())


def declare_nested_table(
    resource: DltResource, table: str, columns: dict[str, Any], file_format: str | None = None
) -> None:
    """Declare `table`, a nested table of `responses` fed by Arrow items of `resource`.

    dlt writes Arrow items only to tables of their own (its extract refuses a nested table that
    names a resource), so the nested tables are appended to, and
    `warehouse.nested_rows.delete_replaced_nested_rows` removes the rows of responses that were
    replaced or deleted after each load, which is what dlt's merge does to a nested table. A
    table variant starts from the resource's own hints; the columns, keys and merge of
    `responses` are cleared first.
    """
    resource.apply_hints(
        table_name=table,
        write_disposition="append",
        columns={},
        primary_key=[],
        merge_key=[],
        create_table_variant=True,
    )
    resource.apply_hints(
        table_name=table,
        columns={**columns, **{name: dict(hint) for name, hint in LINK_COLUMNS.items()}},
        file_format=file_format,  # type: ignore[arg-type]
        create_table_variant=True,
    )


def declared_nested_tables() -> dict[str, dict[str, Any]]:
    """The declared columns of the nested tables the API's records are known to have, by name."""
    return {
        "__".join((settings.PAGED_RESOURCE, *path)): columns
        for path, columns in nested_table_columns().items()
    }


def declare_nested_tables(resource: DltResource) -> None:
    """Declare the nested tables of `responses` that the API's records are known to have."""
    for table, columns in declared_nested_tables().items():
        declare_nested_table(resource, table, columns)


def refuse_row_path_tables(schema: dlt.Schema) -> None:
    """Raise if `responses__answers` or a sibling in `schema` is a dlt nested table.

    Before the Arrow path, dlt's row normalizer made them as nested tables (their schema names a
    parent), and dlt refuses to merge an Arrow table of their name into them ("Cannot merge
    partial tables ... due to property `parent`"), on every destination. Raised before the
    first Arrow item, so the run changes no table.
    """
    prefix = f"{settings.PAGED_RESOURCE}__"
    made_by_rows = sorted(
        name
        for name, table in schema.tables.items()
        if name.startswith(prefix) and table.get("parent")
    )
    if made_by_rows:
        raise AnalyticsConfigurationError(
            f"{', '.join(made_by_rows)} were made by dlt's row normalizer (before the Arrow "
            "path), and dlt loads no Arrow table into them. Run `analytics-assets "
            "drop-responses` once: it drops the responses tables, and the next run reads every "
            "response again."
        )


def arrow_file_format(pipeline: dlt.Pipeline, loader_file_format: str | None) -> str:
    """The file format dlt writes Arrow items in, for this destination and load file format.

    dlt picks a format it can write Arrow into natively: Parquet on DuckDB and the warehouses
    that stage files, but CSV on PostgreSQL (unless Parquet is asked for and ADBC installed).
    """
    caps = pipeline.destination.capabilities()
    preferred = loader_file_format or caps.preferred_loader_file_format
    return resolve_best_writer_spec(
        "arrow", caps.supported_loader_file_formats, preferred
    ).file_format


def responses_file_format(pipeline: dlt.Pipeline, loader_file_format: str | None) -> str:
    """The file format the responses tables load in: dlt's choice for Arrow items, except that
    where it is CSV (PostgreSQL), INSERT VALUES, which keeps an empty text apart from NULL."""
    chosen = arrow_file_format(pipeline, loader_file_format)
    return INSERT_VALUES if chosen == _CSV else chosen


def apply_file_format(resource: DltResource, tables: list[str], file_format: str) -> None:
    """Load `responses` and its nested tables `tables` (declared variants) in `file_format`."""
    resource.apply_hints(file_format=file_format)  # type: ignore[arg-type]
    for table in tables:
        resource.apply_hints(
            table_name=table,
            file_format=file_format,  # type: ignore[arg-type]
            create_table_variant=True,
        )
