-- Delete the rows `nested_rows_replaced_count.sql` counts: what dlt's merge does to a nested
-- table, done after the load because the Arrow path appends to the nested tables.
DELETE FROM {nested}
WHERE NOT EXISTS (SELECT 1 FROM {responses} r WHERE r._dlt_id = {nested}._dlt_root_id)
