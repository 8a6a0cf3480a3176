"""The names the project takes from dlt's internal modules, and only here.

dlt's public surface (`dlt`, `dlt.sources...`, `dlt.destinations` factories) covers most of what
the project does; these few it does not offer. Every other module imports them from here, so an
upgrade of dlt that moves or changes one breaks this module and its test
(`analytics_assets_tests/unit/test_dlt_compat.py`, one test per name, which says what the project
relies on and what to do) instead of a load.

- `ItemTransform` (`dlt.extract.items_transform`): the base of a pipe step with a placement
  affinity. `ResponseBatches` must sit before dlt's incremental step and `ResponseTables` right
  after it; the public `add_map`/`add_yield_map` place a step by index only, and the
  incremental step is placed by dlt when the resource is extracted.
- `coerce_value`, `py_type_to_sc_type` (`dlt.common.data_types.type_helpers`): dlt's own type
  of a Python value and its coercion to a column's type, so the Arrow tables type a drifting
  field exactly as dlt's row normalizer does. dlt exposes them only inside its normalizer.
- `is_iso_timestamp` (`dlt.common.schema.detections`): dlt's `iso_timestamp` detection, for a
  field the declarations do not name; the schema setting names the detection, not a function.
- `resolve_best_writer_spec` (`dlt.common.data_writers.writers`): which file format dlt writes
  Arrow items in for a destination, so the responses tables never load as CSV (see
  `arrow/__init__.py`). dlt resolves it inside normalize and publishes no query for it.
- `pipeline_drop` (`dlt.pipeline.helpers`): dlt's drop of resources (tables, schema and state
  together) behind `dlt pipeline drop`; `Pipeline` has no method for it.
- `Destination` (`dlt.common.destination`): `Destination.from_reference`, to check a configured
  destination name before a pipeline (and its working folder) is made.
- `get_dlt_pipelines_dir` (`dlt.common.pipeline`): dlt's default working folder, which a run
  outside any lasting Dagster instance falls back to; its load lock must be taken there before
  the pipeline exists, and `dlt.pipeline` only applies the default when it builds one.
"""

from dlt.common.data_types.type_helpers import coerce_value, py_type_to_sc_type
from dlt.common.data_writers.writers import resolve_best_writer_spec
from dlt.common.destination import Destination
from dlt.common.pipeline import get_dlt_pipelines_dir
from dlt.common.schema.detections import is_iso_timestamp
from dlt.extract.items_transform import ItemTransform
from dlt.pipeline.helpers import pipeline_drop

__all__ = [
    "Destination",
    "ItemTransform",
    "coerce_value",
    "get_dlt_pipelines_dir",
    "is_iso_timestamp",
    "pipeline_drop",
    "py_type_to_sc_type",
    "resolve_best_writer_spec",
]
