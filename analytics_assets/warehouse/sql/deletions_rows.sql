-- Every row of a raw table with what the deletion plan needs. Placeholders: {table} the raw
-- table's qualified, quoted name, {deleted_at} the flag column.
SELECT id, created_at, updated_at, {deleted_at} FROM {table}
