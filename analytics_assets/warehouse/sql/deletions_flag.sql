-- Flag rows the API no longer returns (ANALYTICS_DELETIONS=flag). Placeholders: {table} the raw
-- table's qualified, quoted name, {deleted_at} the flag column, {ids} one `%s` per id.
-- Parameters: the time of the flag, then the ids.
UPDATE {table} SET {deleted_at} = %s WHERE {deleted_at} IS NULL AND id IN ({ids})
