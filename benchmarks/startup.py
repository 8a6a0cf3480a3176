"""A code location that imports the whole project and materializes one asset that does nothing.

The benchmark's `startup` scenario runs `dagster asset materialize` of `nothing` here, in a fresh
process against the same Dagster instance as the project's runs: Python's start, the imports the
project's definitions need (Dagster, dlt, dagster-dlt, pyarrow, DuckDB), the instance, and one
run with one step. Every run of the project, a scheduled one included, pays at least that before
its first request, so it is the least an incremental sync can cost.
"""

from dagster import Definitions, asset, in_process_executor

import analytics_assets.definitions  # noqa: F401  (imported for its cost only)


@asset
def nothing() -> None:
    """Materializes nothing."""


defs = Definitions(assets=[nothing], executor=in_process_executor)
