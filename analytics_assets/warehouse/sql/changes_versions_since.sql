-- Each row's `updated_at`, before a load, for the rows within an incremental window: only
-- those can be rewritten. Placeholders: {table} the raw table, {column} its cursor column.
-- Parameter: the window's start.
SELECT id, updated_at FROM {table} WHERE {column} >= %s
