"""The Dagster code location: the Definitions of the `defs/` tree.

Each folder under `defs/` holds one component instance (`defs.yaml`); this project's is
`defs/formbricks/`. Loading reads those YAML files and no environment variable that has no
default, and makes no request, so definitions load anywhere.
"""

import warnings
from pathlib import Path

from dagster import BetaWarning, Definitions, in_process_executor, load_from_defs_folder

# Dagster's defs loader rebuilds each asset-checks definition it annotates as a plain assets
# definition, and the repository wraps it back with a beta parameter of Dagster's own when it
# resolves. load_from_defs_folder silences Dagster's warnings while it loads; this one fires
# later, on every check, from no call of this project's. Only that message is ignored.
warnings.filterwarnings(
    "ignore",
    message=r"Parameter `execution_type` of function `AssetsDefinition.__init__`",
    category=BetaWarning,
)

defs = Definitions.merge(
    load_from_defs_folder(path_within_project=Path(__file__).parent),
    # Every step that writes the warehouse waits for the one slot of its pool, so steps never
    # run side by side anyway; running them in the run's own process saves a Python process
    # (and its imports, seconds each) per step.
    Definitions(executor=in_process_executor),
)
