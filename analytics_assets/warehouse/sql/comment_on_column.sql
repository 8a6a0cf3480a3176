-- Describe one column (DuckDB 0.10+ and PostgreSQL take the same syntax; a rebuilt table
-- loses its comments, so they are written after each rebuild).
-- {column}: the qualified column, schema.table.column. {comment}: the text as a quoted SQL
-- literal, its quotes doubled: COMMENT takes no bound parameter on either.
COMMENT ON COLUMN {column} IS {comment}
