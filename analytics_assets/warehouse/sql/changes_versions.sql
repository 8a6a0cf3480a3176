-- Each row's `updated_at`, before a load: what the load may rewrite. Placeholder: {table},
-- the raw table's qualified, quoted name.
SELECT id, updated_at FROM {table}
