"""The pipe step that turns a batch of response records into one Arrow table per table."""

from collections.abc import Iterator
from itertools import chain
from typing import Any, ClassVar

import dlt
import pyarrow as pa

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.answers import json_text, with_answers
from analytics_assets.formbricks.arrow.hints import (
    DLT_COLUMNS,
    DLT_ID,
    DLT_LIST_IDX,
    DLT_LOAD_ID,
    DLT_PARENT_ID,
    DLT_ROOT_ID,
    VALUE,
    apply_file_format,
    declare_nested_table,
    declared_nested_tables,
    quiet_expected_warnings,
    refuse_row_path_tables,
    responses_file_format,
)
from analytics_assets.formbricks.arrow.values import (
    CONVERSION_ERRORS,
    column_with_variants,
    columns_at_once,
    inferred_type,
    row_ids,
    schema_type,
)
from analytics_assets.formbricks.columns import table_columns
from analytics_assets.formbricks.dlt_compat import ItemTransform

# Rows of one batch by table, flattened dicts keyed by the API's field paths.
Rows = dict[str, list[dict[str, Any]]]


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
            **declared_nested_tables(),
        }
        self._json_fields = {
            table: {name for name, column in columns.items() if column["data_type"] == "json"}
            for table, columns in self._declared.items()
        }
        # Types chosen for fields the declarations do not name, kept across batches.
        self._seen: dict[str, dict[str, str]] = {}
        # Chosen at the first batch, when the pipeline (and so the destination) is known.
        self._file_format: str | None = None

    def __call__(self, item: Any, meta: Any = None) -> Iterator[Any]:
        yield from self._tables(item)

    def _tables(self, item: Any) -> Iterator[Any]:
        records = item if isinstance(item, list) else [item]
        if records:
            yield from self._batch(records)

    def _batch(self, records: list[dict[str, Any]]) -> Iterator[Any]:
        quiet_expected_warnings()
        if self._file_format is None:
            refuse_row_path_tables(dlt.current.source_schema())
            self._choose_file_format()
        tables: Rows = {}
        root = tables[settings.PAGED_RESOURCE] = []
        load_id = dlt.current.load_package_state()["load_id"]
        for record, row_id in zip(records, row_ids(len(records)), strict=True):
            row = {DLT_LOAD_ID: load_id, DLT_ID: row_id}
            self._flatten(settings.PAGED_RESOURCE, with_answers(record), "", row, row_id, tables)
            root.append(row)
        for name, rows in tables.items():
            if name not in self._declared:
                self._declare_found_table(name)
            yield dlt.mark.with_table_name(self._arrow(name, rows), name)

    def _choose_file_format(self) -> None:
        """Every responses table in one file format, never CSV (`responses_file_format`).

        The load file format a run asks for (`pipeline.run(loader_file_format=...)`) is a hint
        dlt puts on `responses` only, not on the nested tables: it is read from there.
        """
        resource = dlt.current.resource()
        asked = resource.compute_table_schema().get("file_format")
        self._file_format = responses_file_format(dlt.current.pipeline(), asked)
        nested = [name for name in self._declared if name != settings.PAGED_RESOURCE]
        apply_file_format(resource, nested, self._file_format)

    def _flatten(
        self,
        table: str,
        obj: dict[str, Any],
        prefix: str,
        row: dict[str, Any],
        root_id: str,
        tables: Rows,
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
        self, table: str, values: list[Any], parent_id: str, root_id: str, tables: Rows
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
        declare_nested_table(dlt.current.resource(), table, {}, self._file_format)
        self._declared[table] = {}
        self._json_fields[table] = set()

    def _types(self, table: str, rows: list[dict[str, Any]]) -> dict[str, str]:
        """Each column's dlt type: declared, chosen in an earlier batch or run, or inferred.

        A column null in every row so far is left out, as on the row path.
        """
        declared = self._declared.get(table, {})
        seen = self._seen.setdefault(table, {})
        names: dict[str, None] = dict.fromkeys(declared)
        names.update(dict.fromkeys(chain.from_iterable(rows)))
        types: dict[str, str] = {}
        for name in names:
            column = declared.get(name) or DLT_COLUMNS.get(name)
            data_type = column["data_type"] if column else seen.get(name)
            if data_type is None:
                data_type = schema_type(table, name)
            if data_type is None:
                values = [row.get(name) for row in rows]
                if all(v is None for v in values):
                    continue
                data_type = inferred_type(values)
            types[name] = seen[name] = data_type
        return types

    def _arrow(self, table: str, rows: list[dict[str, Any]]) -> pa.Table:
        """One table's rows as Arrow, every column of its declared or first-seen type."""
        types = self._types(table, rows)
        try:
            arrays = columns_at_once(table, rows, types)
        except CONVERSION_ERRORS:
            arrays = {}
            for name, data_type in types.items():
                values = [row.get(name) for row in rows]
                arrays.update(column_with_variants(name, values, data_type))
        declared = self._declared.get(table, {})
        not_null = {
            name for name, column in {**declared, **DLT_COLUMNS}.items() if not column["nullable"]
        }
        fields = [
            pa.field(name, array.type, nullable=name not in not_null)
            for name, array in arrays.items()
        ]
        return pa.Table.from_arrays(list(arrays.values()), schema=pa.schema(fields))
