-- The rows a load wrote, with their `updated_at`. Placeholders: {table} the raw table,
-- {load_ids} one `%s` per load id, each bound as a parameter.
SELECT id, updated_at FROM {table} WHERE _dlt_load_id IN ({load_ids})
