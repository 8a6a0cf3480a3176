-- The `updated_at` the warehouse holds for some responses, to tell which of the change feed's
-- responses it already has as they are. {table}: the responses table; {ids}: one `%s` per id.
SELECT id, updated_at FROM {table} WHERE id IN ({ids})
