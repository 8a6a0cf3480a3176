"""Rows of one table into Arrow columns, typed as dlt's row normalizer would type them."""

import base64
import secrets
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.arrow.hints import DLT_LIST_IDX
from analytics_assets.formbricks.dlt_compat import (
    coerce_value,
    is_iso_timestamp,
    py_type_to_sc_type,
)

ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "json": pa.string(),
    "bool": pa.bool_(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}

CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError)
# Numeric columns this package fills itself, always with values of their type.
_EXACT_NUMBERS = {
    (f"{settings.PAGED_RESOURCE}__answers", "value_number"),
    (f"{settings.PAGED_RESOURCE}__answers", "ttc_ms"),
}
# The random bytes of a `_dlt_id`, as dlt draws them (its ids are 14 base64 characters).
_ROW_ID_BYTES = 10


def row_ids(count: int) -> list[str]:
    """`count` random row ids of dlt's shape, from one draw (a draw per row was 4% of extract)."""
    drawn = secrets.token_bytes(_ROW_ID_BYTES * count)
    return [
        base64.b64encode(drawn[start : start + _ROW_ID_BYTES]).decode("ascii").rstrip("=")
        for start in range(0, len(drawn), _ROW_ID_BYTES)
    ]


def _fits(value: Any, data_type: str) -> bool:
    """Whether a number (or None) goes into a `bigint` or `double` column unchanged: Arrow would
    store a boolean as 1.0 and truncate 1.5 to 1 without a word."""
    kind = type(value)
    if value is None:
        return True
    if data_type == "bigint":
        return kind is int
    return kind is int or kind is float


def schema_type(table: str, field_path: str) -> str | None:
    """The type the dlt schema already gives a column (a field an earlier run met), or None."""
    schema = dlt.current.source_schema()
    naming = schema.naming
    columns = schema.tables.get(naming.normalize_path(table), {}).get("columns", {})
    return columns.get(naming.normalize_path(field_path), {}).get("data_type")


def inferred_type(values: list[Any]) -> str:
    """The dlt type of a column the schema does not know yet, from its first value."""
    first = next(v for v in values if v is not None)
    data_type = py_type_to_sc_type(type(first))
    if data_type == "text" and is_iso_timestamp(str, first) is not None:
        return "timestamp"
    return data_type


def columns_at_once(
    table: str, rows: list[dict[str, Any]], types: dict[str, str]
) -> dict[str, Any]:
    """Every column in one conversion (Arrow's own, in C++); raises when a value does not fit.

    Arrow would store a boolean in a double column as 1.0 and truncate a float in an integer
    column, so those columns are checked value by value (unless this package made them).
    """
    schema = pa.schema(
        [(n, pa.string() if t == "timestamp" else ARROW_TYPES[t]) for n, t in types.items()]
    )
    # Rows to a struct array in Arrow's C++ converter, which looks each field up in each row;
    # `Table.from_pylist` gathers every column in a Python loop first (twice as slow).
    built = pa.Table.from_struct_array(pa.array(rows, type=pa.struct(schema)))
    arrays: dict[str, Any] = {}
    for name, data_type in types.items():
        column = built.column(name)
        if data_type == "timestamp":
            column = pc.cast(column, ARROW_TYPES["timestamp"])
        elif (
            data_type in ("bigint", "double")
            and name != DLT_LIST_IDX
            and (table, name) not in _EXACT_NUMBERS
            and not all(_fits(row.get(name), data_type) for row in rows if name in row)
        ):
            raise ValueError(f"{name}: a value that is not {data_type}")
        arrays[name] = column
    return arrays


def column_with_variants(name: str, values: list[Any], data_type: str) -> dict[str, pa.Array]:
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
        except CONVERSION_ERRORS:
            main.append(None)
            variants.setdefault(from_type, [None] * len(values))[index] = value
    arrays = {name: _typed(main, data_type)}
    for variant_type, variant_values in variants.items():
        arrays[f"{name}__v_{variant_type}"] = _typed(variant_values, variant_type)
    return arrays


def _typed(values: list[Any], data_type: str) -> pa.Array:
    arrow_type = ARROW_TYPES.get(data_type)
    return pa.array(values, arrow_type) if arrow_type is not None else pa.array(values)
