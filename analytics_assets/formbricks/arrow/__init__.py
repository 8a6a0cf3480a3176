"""Responses as Arrow: the responses table and its nested tables, built a batch at a time.

A page of 100 responses holds about 700 rows once nested: the response, an answer per question
(`responses__answers`), a row per selected option of a multi-select answer
(`responses__answers__selected`), its tags and its notes. dlt's row normalizer walks each of
those rows in Python, checks every value against the schema, writes it as JSON lines and reads
it again: at 100,000 responses, more than half of a load. Here the records become one Arrow
table per table and batch, which dlt writes to Parquet as they are (its Arrow path skips the
row normalizer) and DuckDB loads directly.

The tables are the row normalizer's, column for column and value for value
(`test_response_tables.py` compares both paths on the sample, drift and edits included):

- the same relational flattening: a nested object becomes `parent__child` columns, a list a
  nested table (a list of plain values: rows of `value`), a field declared `json` (`columns.py`)
  one column of JSON text; a null or an empty object adds nothing;
- the same types: the declared ones, and for a field the API adds later, the type of its first
  value (an ISO 8601 text is a timestamp, dlt's `iso_timestamp` detection), kept from then on.
  A value of another type is coerced by dlt's own coercion where it can be, and otherwise goes
  to a variant column `<column>__v_<type>`, as on the row path;
- the same link columns: `_dlt_id` (random per response, the parent's id and the position for
  a nested row), `_dlt_parent_id`, `_dlt_list_idx`, `_dlt_root_id`, and `_dlt_load_id`.

What differs is how a nested table is kept in step with its responses. dlt writes Arrow items
only to tables of their own (its extract refuses a nested table that names a resource), so the
nested tables are appended to, and after each load `delete_replaced_nested_rows` deletes the
rows whose response was replaced (re-read responses get a new `_dlt_id` when merged, so an
answer removed in an edit disappears) or deleted (`deletions.py`): what dlt's merge does to a
nested table, one statement later. dlt's incremental cursor runs before this step, on the
records, as on the row path.

PostgreSQL keeps the row path (`assets._responses_as_arrow`): dlt loads Arrow there through CSV
and COPY, which turns every empty text into NULL. A warehouse whose responses tables the row
path made keeps it too, until `analytics-assets drop-responses` (`tables_made_by_rows`).
"""

import logging
from collections.abc import Iterator
from datetime import datetime
from itertools import chain
from typing import Any, ClassVar

import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.data_types.type_helpers import coerce_value, py_type_to_sc_type
from dlt.common.data_writers.writers import resolve_best_writer_spec
from dlt.common.normalizers.utils import generate_dlt_ids
from dlt.common.schema.detections import is_iso_timestamp
from dlt.extract.items_transform import ItemTransform
from dlt.pipeline.helpers import pipeline_drop
from dlt.sources import DltResource

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.answers import json_text, with_answers
from analytics_assets.formbricks.ledger import RunLedger
from analytics_assets.formbricks.columns import nested_table_columns, table_columns
from analytics_assets.formbricks.paging import ReadProgress
from analytics_assets.warehouse.queries import columns_by_table, scalar

# dlt's column and table names for the links between a row and its parent.
DLT_ID = "_dlt_id"
DLT_PARENT_ID = "_dlt_parent_id"
DLT_ROOT_ID = "_dlt_root_id"
DLT_LIST_IDX = "_dlt_list_idx"
DLT_LOAD_ID = "_dlt_load_id"
# The column a list of plain values fills in its nested table (dlt's `value`).
VALUE = "value"

_ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "json": pa.string(),
    "bool": pa.bool_(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}

# How dlt's extract begins the warning it logs, on every Arrow item, when a column of the item
# has another type than the one declared: the declared `json` columns arrive as Arrow strings.
_OVERRIDE_WARNING = (
    f"In resource: {settings.PAGED_RESOURCE}, when merging arrow schema with dlt schema"
)


class _DeclaredJsonIsText(logging.Filter):
    """Drops dlt's warning that the declared `json` columns of responses arrive as text.

    That is how JSON reaches dlt through Arrow, which has no JSON type dlt reads: dlt keeps the
    declared type and the destination parses the text (DuckDB's JSON, PostgreSQL's jsonb), so
    the warning, logged for every batch (40 times for 100,000 responses), says nothing.
    Every type this step builds is the declared one otherwise, or one dlt read from the data.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_OVERRIDE_WARNING)


def _quiet_declared_json() -> None:
    dlt_logger = logging.getLogger("dlt")
    if not any(isinstance(f, _DeclaredJsonIsText) for f in dlt_logger.filters):
        dlt_logger.addFilter(_DeclaredJsonIsText())


_LINK_COLUMNS = {
    DLT_ROOT_ID: {"data_type": "text", "nullable": False},
    DLT_PARENT_ID: {"data_type": "text", "nullable": False},
    DLT_LIST_IDX: {"data_type": "bigint", "nullable": False},
    DLT_ID: {"data_type": "text", "nullable": False, "unique": True, "row_key": True},
}


# Every dlt column this step fills: the links above, and the load id of a response row.
_DLT_COLUMNS = {**_LINK_COLUMNS, DLT_LOAD_ID: {"data_type": "text", "nullable": False}}


def declare_nested_table(resource: DltResource, table: str, columns: dict[str, Any]) -> None:
    """Declare `table`, a nested table of `responses` fed by Arrow items of `resource`.

    dlt writes Arrow items only to tables of their own (its extract refuses a nested table that
    names a resource), so the nested tables are appended to, and `delete_replaced_nested_rows`
    removes the rows of responses that were replaced or deleted after each load, which is what
    dlt's merge does to a nested table. A table variant starts from the resource's own hints;
    the columns, keys and merge of `responses` are cleared first.
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
        columns={**columns, **{name: dict(hint) for name, hint in _LINK_COLUMNS.items()}},
        create_table_variant=True,
    )


def _declared_nested_tables() -> dict[str, dict[str, Any]]:
    """The declared columns of the nested tables the API's records are known to have, by name."""
    return {
        "__".join((settings.PAGED_RESOURCE, *path)): columns
        for path, columns in nested_table_columns().items()
    }


def declare_nested_tables(resource: DltResource) -> None:
    """Declare the nested tables of `responses` that the API's records are known to have."""
    for table, columns in _declared_nested_tables().items():
        declare_nested_table(resource, table, columns)


def _fits(value: Any, data_type: str) -> bool:
    """Whether a number (or None) goes into a `bigint` or `double` column unchanged: Arrow would
    store a boolean as 1.0 and truncate 1.5 to 1 without a word."""
    kind = type(value)
    if value is None:
        return True
    if data_type == "bigint":
        return kind is int
    return kind is int or kind is float


def _schema_type(table: str, field_path: str) -> str | None:
    """The type the dlt schema already gives a column (a field an earlier run met), or None."""
    schema = dlt.current.source_schema()
    naming = schema.naming
    columns = schema.tables.get(naming.normalize_path(table), {}).get("columns", {})
    return columns.get(naming.normalize_path(field_path), {}).get("data_type")


def _inferred_type(values: list[Any]) -> str:
    """The dlt type of a column the schema does not know yet, from its first value."""
    first = next(v for v in values if v is not None)
    data_type = py_type_to_sc_type(type(first))
    if data_type == "text" and is_iso_timestamp(str, first) is not None:
        return "timestamp"
    return data_type


class ResponseBatches(ItemTransform[Any]):
    """The pipe step that gathers pages of response records into batches for `ResponseTables`.

    dlt computes and validates a table's schema for every Arrow item it is given (about 12 ms
    for the five responses tables), so one item per table and page would cost more than the
    row normalizer saves: pages are gathered into batches of `batch_responses` responses.

    This step sits before dlt's incremental step (placement affinity 0.95; the incremental's is
    1), so it sees every page the paginator reads, even a page the incremental will filter out
    whole. A batch is passed on when it is full, when the paginator says no page follows
    (`ReadProgress`), and when a page reaches back past the incremental's start: that batch is
    the read's last, since dlt's incremental closes the read after it (`row_order="desc"`).
    Nothing can be left behind: the read ends only at one of those pages. A sync from a stored
    cursor is a batch or two, where it was a batch per page when this step sat after the
    incremental (which passes nothing on for a page it filters out whole). A read that fails
    leaves its batch unwritten, with the rest of the run's load; the run's ledger
    (`RunLedger.held`) counts the records held, and a run that ends with any is an error,
    never a silent loss.
    """

    placement_affinity: ClassVar[float] = 0.95

    def __init__(
        self,
        progress: ReadProgress,
        ledger: RunLedger,
        batch_responses: int = settings.RESPONSES_ARROW_BATCH,
    ) -> None:
        super().__init__(self._batches)
        self.progress = progress
        self.ledger = ledger
        self.batch_responses = batch_responses
        self._pending: list[dict[str, Any]] = []

    def __call__(self, item: Any, meta: Any = None) -> Iterator[Any]:
        yield from self._batches(item)

    def _batches(self, item: Any) -> Iterator[Any]:
        records = item if isinstance(item, list) else [item]
        self._pending.extend(records)
        self.ledger.held[settings.PAGED_RESOURCE] = len(self._pending)
        if (
            len(self._pending) < self.batch_responses
            and self.progress.more
            and not _reaches_start(records)
        ):
            return
        batch, self._pending = self._pending, []
        self.ledger.held[settings.PAGED_RESOURCE] = 0
        if batch:
            yield batch


def _reaches_start(records: list[dict[str, Any]]) -> bool:
    """Whether dlt's incremental will find a record of this page before its (lagged) start.

    The cursor's last value is the newest `createdAt` (`max`), so a record is out of the window
    when its `createdAt` is earlier than the start. A record whose `createdAt` cannot be read
    counts as out of the window: a batch passed on early costs a little time, a batch held
    past the read's end would cost a page of requests.
    """
    wrapper = dlt.current.resource().incremental
    incremental = wrapper.incremental if wrapper is not None else None
    if incremental is None or incremental.start_value is None:
        return False  # a full refresh: no window
    start = _instant(incremental.start_value)
    for record in records:
        value = _instant(record.get(settings.RESPONSES_CURSOR_FIELD))
        if value is None or start is None:
            return True
        try:
            if value < start:
                return True
        except TypeError:  # one of them without a time zone
            return True
    return False


def _instant(value: Any) -> datetime | None:
    """A cursor value (ISO 8601 text, or a datetime) as a datetime; None if it is neither."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


class ResponseTables(ItemTransform[Any]):
    """The pipe step that turns a batch of response records into Arrow tables, one per table.

    Placed right after dlt's incremental step (same placement affinity, appended later), so the
    cursor, the lookback and the stop at the window's start work on the records as on the row
    path; `ResponseBatches`, before the incremental, makes the batches.
    """

    placement_affinity: ClassVar[float] = 1

    def __init__(self) -> None:
        super().__init__(self._tables)
        # Declared columns by table, then by field path as the API names it (`meta__userAgent__os`).
        self._declared: dict[str, dict[str, Any]] = {
            settings.PAGED_RESOURCE: table_columns(settings.PAGED_RESOURCE),
            **_declared_nested_tables(),
        }
        self._json_fields = {
            table: {name for name, column in columns.items() if column["data_type"] == "json"}
            for table, columns in self._declared.items()
        }
        # Types chosen for fields the declarations do not name, kept across batches.
        self._seen: dict[str, dict[str, str]] = {}

    def __call__(self, item: Any, meta: Any = None) -> Iterator[Any]:
        yield from self._tables(item)

    def _tables(self, item: Any) -> Iterator[Any]:
        records = item if isinstance(item, list) else [item]
        if records:
            yield from self._batch(records)

    def _batch(self, records: list[dict[str, Any]]) -> Iterator[Any]:
        _quiet_declared_json()
        # Each table's rows in this batch, flattened dicts keyed by the API's field paths.
        tables: dict[str, list[dict[str, Any]]] = {}
        root = tables[settings.PAGED_RESOURCE] = []
        load_id = dlt.current.load_package_state()["load_id"]
        # dlt's row ids, one random draw for the batch (a draw per row was 4% of extract).
        for record, row_id in zip(records, generate_dlt_ids(len(records)), strict=True):
            row = {DLT_LOAD_ID: load_id, DLT_ID: row_id}
            self._flatten(settings.PAGED_RESOURCE, with_answers(record), "", row, row_id, tables)
            root.append(row)
        for name, rows in tables.items():
            if name not in self._declared:
                self._declare_found_table(name)
            yield dlt.mark.with_table_name(self._arrow(name, rows), name)

    def _flatten(
        self,
        table: str,
        obj: dict[str, Any],
        prefix: str,
        row: dict[str, Any],
        root_id: str,
        tables: dict[str, list[dict[str, Any]]],
    ) -> None:
        """dlt's relational flattening of one object into `row`; its lists go to nested tables."""
        json_fields = self._json_fields.get(table, ())
        for key, value in obj.items():
            if value is None:
                continue
            name = prefix + key
            if name in json_fields:
                row[name] = json_text(value)
                continue
            kind = type(value)
            if kind is dict:
                self._flatten(table, value, name + "__", row, root_id, tables)
            elif kind is list:
                self._nested(f"{table}__{name}", value, row[DLT_ID], root_id, tables)
            else:
                row[name] = value

    def _nested(
        self,
        table: str,
        values: list[Any],
        parent_id: str,
        root_id: str,
        tables: dict[str, list[dict[str, Any]]],
    ) -> None:
        if not values:
            return  # an empty list adds no rows, and no table (an empty Arrow item would lack
            # the link columns, and dlt's writer cannot join it to the batches that have them)
        rows = tables.setdefault(table, [])
        for index, value in enumerate(values):
            # Like dlt's nested row id, the parent's id and the position; unhashed (a hash per
            # row cost a third of the whole step), since the parent's id is unique already.
            row_id = f"{parent_id}.{index}"
            row = {
                DLT_ROOT_ID: root_id,
                DLT_PARENT_ID: parent_id,
                DLT_LIST_IDX: index,
                DLT_ID: row_id,
            }
            if type(value) is dict:
                self._flatten(table, value, "", row, root_id, tables)
            elif type(value) is list:
                # A list in a list, which this API does not send: dlt would make yet another
                # table of it; kept as its JSON text here.
                row[VALUE] = json_text(value)
            elif value is not None:
                row[VALUE] = value
            rows.append(row)

    def _declare_found_table(self, table: str) -> None:
        """A list field the declarations do not name: a nested table, as dlt would make it."""
        declare_nested_table(dlt.current.resource(), table, {})
        self._declared[table] = {}
        self._json_fields[table] = set()

    def _arrow(self, table: str, rows: list[dict[str, Any]]) -> pa.Table:
        """One table's rows as Arrow, every column of its declared or first-seen type."""
        declared = self._declared.get(table, {})
        seen = self._seen.setdefault(table, {})
        names: dict[str, None] = dict.fromkeys(declared)
        names.update(dict.fromkeys(chain.from_iterable(rows)))
        types: dict[str, str] = {}
        for name in names:
            column = declared.get(name) or _DLT_COLUMNS.get(name)
            data_type = column["data_type"] if column else seen.get(name)
            if data_type is None:
                data_type = _schema_type(table, name)
            if data_type is None:
                values = [row.get(name) for row in rows]
                if all(v is None for v in values):
                    continue  # null in every row so far: no column yet, as on the row path
                data_type = _inferred_type(values)
            types[name] = seen[name] = data_type
        try:
            arrays = _columns_at_once(table, rows, types)
        except _CONVERSION_ERRORS:
            arrays = {}
            for name, data_type in types.items():
                values = [row.get(name) for row in rows]
                arrays.update(_column_with_variants(name, values, data_type))
        not_null = {
            name for name, column in {**declared, **_DLT_COLUMNS}.items() if not column["nullable"]
        }
        fields = [
            pa.field(name, array.type, nullable=name not in not_null)
            for name, array in arrays.items()
        ]
        return pa.Table.from_arrays(list(arrays.values()), schema=pa.schema(fields))


_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError)
# Numeric columns this module fills itself, always with values of their type.
_EXACT_NUMBERS = {
    (f"{settings.PAGED_RESOURCE}__answers", "value_number"),
    (f"{settings.PAGED_RESOURCE}__answers", "ttc_ms"),
}


def _columns_at_once(
    table: str, rows: list[dict[str, Any]], types: dict[str, str]
) -> dict[str, Any]:
    """Every column in one conversion (Arrow's own, in C++); raises when a value does not fit.

    Arrow would store a boolean in a double column as 1.0 and truncate a float in an integer
    column, so those columns are checked value by value (unless this module made them).
    """
    schema = pa.schema(
        [(n, pa.string() if t == "timestamp" else _ARROW_TYPES[t]) for n, t in types.items()]
    )
    # Rows to a struct array in Arrow's C++ converter, which looks each field up in each row;
    # `Table.from_pylist` gathers every column in a Python loop first (twice as slow).
    built = pa.Table.from_struct_array(pa.array(rows, type=pa.struct(schema)))
    arrays: dict[str, Any] = {}
    for name, data_type in types.items():
        column = built.column(name)
        if data_type == "timestamp":
            column = pc.cast(column, _ARROW_TYPES["timestamp"])
        elif (
            data_type in ("bigint", "double")
            and name != DLT_LIST_IDX
            and (table, name) not in _EXACT_NUMBERS
            and not all(_fits(row.get(name), data_type) for row in rows if name in row)
        ):
            raise ValueError(f"{name}: a value that is not {data_type}")
        arrays[name] = column
    return arrays


def _column_with_variants(name: str, values: list[Any], data_type: str) -> dict[str, pa.Array]:
    """One column, the way dlt's row normalizer fills it: a value of another type is coerced to
    the column's type where dlt's coercion can (the text "7" into a number column), and goes to
    the variant column `<name>__v_<its type>` where it cannot."""
    target = "text" if data_type == "json" else data_type
    main: list[Any] = []
    variants: dict[str, list[Any]] = {}
    for index, value in enumerate(values):
        if value is None:
            main.append(None)
            continue
        from_type = py_type_to_sc_type(type(value))
        try:
            main.append(coerce_value(target, from_type, value))
        except _CONVERSION_ERRORS:
            main.append(None)
            variants.setdefault(from_type, [None] * len(values))[index] = value
    arrays = {name: _typed(main, data_type)}
    for variant_type, variant_values in variants.items():
        arrays[f"{name}__v_{variant_type}"] = _typed(variant_values, variant_type)
    return arrays


def _typed(values: list[Any], data_type: str) -> pa.Array:
    arrow_type = _ARROW_TYPES.get(data_type)
    return pa.array(values, arrow_type) if arrow_type is not None else pa.array(values)


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


def tables_made_by_rows(pipeline: dlt.Pipeline) -> list[str]:
    """Nested tables of `responses` that dlt's row normalizer made in this warehouse.

    Before the Arrow path, `responses__answers` and its siblings were dlt nested tables (their
    schema names a parent). dlt writes no Arrow item to such a table, so a warehouse that has
    them keeps loading responses through the row normalizer until its responses tables are
    dropped (`analytics-assets drop-responses`). Reads the schema the destination holds.
    """
    pipeline.sync_destination()
    if not pipeline.default_schema_name:
        return []
    prefix = f"{settings.PAGED_RESOURCE}__"
    return sorted(
        name
        for name, table in pipeline.default_schema.tables.items()
        if name.startswith(prefix) and table.get("parent")
    )


def drop_responses_tables(pipeline: dlt.Pipeline) -> list[str]:
    """Drop the responses tables and the responses cursor with dlt's own drop (schema, state
    and tables together), so the next run reads every response again. Returns the tables."""
    pipeline.sync_destination()
    if not pipeline.default_schema_name:
        return []
    drop = pipeline_drop(pipeline, resources=[settings.PAGED_RESOURCE])
    drop()
    return sorted(drop.info["tables"])


def delete_replaced_nested_rows(pipeline: dlt.Pipeline) -> dict[str, int]:
    """Delete the nested rows of responses that were replaced or deleted: what dlt's merge does
    to a nested table, done after the load because the Arrow path appends to them.

    A response read again gets a new `_dlt_id` when it is merged, and a deleted one loses its
    row; either way its old nested rows point at a `_dlt_id` the responses table no longer has.
    Until this runs (a run that fails between the load and here), such rows are there twice;
    the analytics views read nested rows only through a live response, and the next load
    removes them.

    Returns:
        Rows deleted per nested table.
    """
    root = settings.PAGED_RESOURCE
    deleted: dict[str, int] = {}
    with pipeline.sql_client() as client:
        # The tables as the warehouse has them: after a Dagster run the pipeline object's own
        # schema may be a fresh one (dagster-dlt resets the pipeline's local state).
        found = columns_by_table(client, pipeline.dataset_name)
        if root not in found:
            return deleted
        responses = client.make_qualified_table_name(root)
        for table, columns in sorted(found.items()):
            if not table.startswith(f"{root}__") or DLT_ROOT_ID not in columns:
                continue
            qualified = client.make_qualified_table_name(table)
            condition = (
                f"NOT EXISTS (SELECT 1 FROM {responses} r "
                f"WHERE r.{DLT_ID} = {qualified}.{DLT_ROOT_ID})"
            )
            count = scalar(client, f"SELECT count(*) FROM {qualified} WHERE {condition}")
            if count:
                client.execute_sql(f"DELETE FROM {qualified} WHERE {condition}")
            deleted[table] = int(count)
    return deleted
