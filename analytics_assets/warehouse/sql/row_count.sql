-- The rows of one table. Placeholder: {table}, the table's qualified, quoted name.
SELECT count(*) FROM {table}
