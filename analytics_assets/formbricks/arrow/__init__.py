"""Responses as Arrow: the responses table and its nested tables, built a batch at a time.

The one way responses reach the warehouse, on every destination. A page of 100 responses holds
about 700 rows once nested: the response, an answer per question (`responses__answers`), a row
per selected option of a multi-select answer (`responses__answers__selected`), its tags and its
notes. dlt's row normalizer walks each of those rows in Python, checks every value against the
schema, writes it as JSON lines and reads it again: at 100,000 responses, more than half of a
load. Here the records become one Arrow table per table and batch (`batches.py`, `tables.py`,
`values.py`), which dlt writes without its row normalizer.

The tables are the row normalizer's, column for column and value for value
(`test_response_tables.py` compares them with dlt's row normalizer fed the same records, on
DuckDB and PostgreSQL, drift and edits included):

- the same relational flattening: a nested object becomes `parent__child` columns, a list a
  nested table (a list of plain values: rows of `value`), a field declared `json` (`columns.py`)
  one column of JSON text; a null or an empty object adds nothing;
- the same types: the declared ones, and for a field the API adds later, the type of its first
  value (an ISO 8601 text is a timestamp, dlt's `iso_timestamp` detection), kept from then on.
  A value of another type is coerced by dlt's own coercion where it can be, and otherwise goes
  to a variant column `<column>__v_<type>`, as dlt does;
- the same link columns: `_dlt_id` (random per response, the parent's id and the position for
  a nested row), `_dlt_parent_id`, `_dlt_list_idx`, `_dlt_root_id`, and `_dlt_load_id`.

What differs is how a nested table is kept in step with its responses. dlt writes Arrow items
only to tables of their own (its extract refuses a nested table that names a resource), so the
nested tables are appended to, and after each load `warehouse.nested_rows`'
`delete_replaced_nested_rows` deletes the rows whose response was replaced (re-read responses
get a new `_dlt_id` when merged, so an answer removed in an edit disappears) or deleted
(`deletions.py`): what dlt's merge does to a nested table, one statement later. dlt's
incremental cursor runs before this step, on the records.

The file format (`hints.responses_file_format`). dlt writes Arrow natively as Parquet or CSV,
and picks CSV on PostgreSQL, which it loads with COPY ... FORCE_NULL on every nullable column:
every empty text becomes NULL. So wherever dlt would pick CSV, the responses tables load as
INSERT VALUES instead (a `file_format` hint on `responses` and each nested table, set at the
first batch, when the destination is known); elsewhere (Parquet on DuckDB) dlt's choice stands.
Measured with dlt 1.31 on PostgreSQL 15, 100,000 rows of 10 columns: Arrow as INSERT VALUES
6.3 s, keeping '' and NULL apart, keeping jsonb columns and merging as the row path did; dlt's
row normalizer 10.5 s; Arrow as CSV 1.5 s but every '' NULL; Arrow as Parquet needs the
adbc-driver-postgresql package (not a dependency), creates `json` rather than `jsonb` columns
and fails to load into existing jsonb ones.

A warehouse whose nested responses tables dlt's row normalizer made (the project's path before
this one, on any destination) holds them as dlt nested tables, which dlt merges no Arrow table
into: the first batch raises before any table changes, naming `analytics-assets
drop-responses` (`hints.refuse_row_path_tables`), after which the next run reads every
response again.
"""

from analytics_assets.formbricks.arrow.batches import ResponseBatches
from analytics_assets.formbricks.arrow.hints import (
    arrow_file_format,
    declare_nested_table,
    declare_nested_tables,
    responses_file_format,
)
from analytics_assets.formbricks.arrow.tables import ResponseTables

__all__ = [
    "ResponseBatches",
    "ResponseTables",
    "arrow_file_format",
    "declare_nested_table",
    "declare_nested_tables",
    "responses_file_format",
]
