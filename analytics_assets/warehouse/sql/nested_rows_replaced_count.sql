-- Rows of the nested table {nested} whose response is no longer in {responses}: the response
-- was read again (merged with a new `_dlt_id`) or deleted since the row was loaded.
SELECT count(*) FROM {nested}
WHERE NOT EXISTS (SELECT 1 FROM {responses} r WHERE r._dlt_id = {nested}._dlt_root_id)
