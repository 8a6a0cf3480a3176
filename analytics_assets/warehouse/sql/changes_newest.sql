-- The newest value of a table's cursor column. Placeholders: {table}, {column}.
SELECT max({column}) FROM {table}
