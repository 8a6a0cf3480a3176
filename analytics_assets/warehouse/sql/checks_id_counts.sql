-- id_not_null_and_unique: the rows of one raw table and how many of them have no `id`.
-- Placeholders (filled by the checks, quoted for the destination): {dataset} the raw tables'
-- schema, e.g. analytics; {table} the raw table, e.g. webhooks.
SELECT count(*) AS row_count, count(*) - count(id) AS null_ids
FROM {dataset}.{table}
