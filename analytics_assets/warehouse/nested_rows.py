"""The responses' nested tables in the warehouse: kept in step with their responses, and
dropped with the responses table (`analytics-assets drop-responses`), for a warehouse whose
nested tables dlt's row normalizer made before the Arrow path (`formbricks/arrow`).

The Arrow path appends to the nested tables (dlt writes Arrow items only to tables of their
own), so after each load `delete_replaced_nested_rows` deletes the rows whose response was
replaced or deleted, with the statements in `sql/nested_rows_replaced_*.sql`.
"""

import dlt

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.arrow.hints import DLT_ROOT_ID
from analytics_assets.formbricks.dlt_compat import pipeline_drop
from analytics_assets.warehouse.queries import columns_by_table, scalar, sql_statement


def drop_responses_tables(pipeline: dlt.Pipeline) -> list[str]:
    """Drop the responses tables and the responses cursor with dlt's own drop (schema, state
    and tables together), so the next run reads every response again. Returns the tables."""
    pipeline.sync_destination()
    if not pipeline.default_schema_name:
        return []
    drop = pipeline_drop(pipeline, resources=[settings.PAGED_RESOURCE])
    drop()
    return sorted(drop.info["tables"])


def delete_replaced_nested_rows(pipeline: dlt.Pipeline) -> dict[str, int]:
    """Delete the nested rows of responses that were replaced or deleted: what dlt's merge does
    to a nested table, done after the load because the Arrow path appends to them.

    A response read again gets a new `_dlt_id` when it is merged, and a deleted one loses its
    row; either way its old nested rows point at a `_dlt_id` the responses table no longer has.
    Until this runs (a run that fails between the load and here), such rows are there twice;
    the analytics views read nested rows only through a live response, and the next load
    removes them.

    Returns:
        Rows deleted per nested table.
    """
    root = settings.PAGED_RESOURCE
    deleted: dict[str, int] = {}
    with pipeline.sql_client() as client:
        # The tables as the warehouse has them: after a Dagster run the pipeline object's own
        # schema may be a fresh one (dagster-dlt resets the pipeline's local state).
        found = columns_by_table(client, pipeline.dataset_name)
        if root not in found:
            return deleted
        responses = client.make_qualified_table_name(root)
        for table, columns in sorted(found.items()):
            if not table.startswith(f"{root}__") or DLT_ROOT_ID not in columns:
                continue
            names = {"nested": client.make_qualified_table_name(table), "responses": responses}
            count = scalar(client, sql_statement("nested_rows_replaced_count", **names))
            if count:
                client.execute_sql(sql_statement("nested_rows_replaced_delete", **names))
            deleted[table] = int(count)
    return deleted
