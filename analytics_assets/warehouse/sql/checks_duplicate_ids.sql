-- id_not_null_and_unique: the first 5 ids that occur more than once in one raw table, each row
-- also carrying how many such ids there are in all (no row: no id occurs twice).
-- Placeholders (filled by the checks, quoted for the destination): {dataset} the raw tables'
-- schema, e.g. analytics; {table} the raw table, e.g. webhooks.
SELECT id, count(*) OVER () AS duplicate_ids
FROM (
    SELECT id
    FROM {dataset}.{table}
    WHERE id IS NOT NULL
    GROUP BY id
    HAVING count(*) > 1
) AS duplicated
ORDER BY id
LIMIT 5
