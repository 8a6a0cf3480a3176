"""`dg`, Dagster's project CLI, sees the project as `dagster dev` does.

`pyproject.toml`'s `[tool.dg]` table makes the folder a `dg` project whose code location is
`analytics_assets.definitions`. `dg check defs` must load it cleanly and `dg list defs` must
list exactly what the Definitions object holds, in a fresh process with no ANALYTICS_*
variable set (nothing happens at import time).
"""

import json
import subprocess
import sys
from pathlib import Path

from analytics_assets.definitions import defs
from analytics_assets_tests.live import scrubbed_env

PROJECT_DIR = Path(__file__).resolve().parents[1]
DG = str(Path(sys.executable).with_name("dg"))


def _dg(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # dg runs the project in the virtual environment it is told about (else it warns).
    env = scrubbed_env(HOME=str(tmp_path), VIRTUAL_ENV=sys.prefix, NO_COLOR="1")
    return subprocess.run(
        [DG, *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def test_dg_check_defs_loads_the_project(tmp_path: Path) -> None:
    completed = _dg(tmp_path, "check", "defs")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "All definitions loaded successfully" in completed.stdout + completed.stderr


def test_dg_list_defs_lists_what_the_definitions_hold(tmp_path: Path) -> None:
    completed = _dg(tmp_path, "list", "defs", "--json")
    assert completed.returncode == 0, completed.stderr
    listed = json.loads(completed.stdout)

    assert {a["asset_key"] for a in listed["assets"]} == {
        key.to_user_string() for key in defs.resolve_all_asset_keys()
    }
    assert {s["name"] for s in listed["schedules"]} == {s.name for s in defs.schedules or []}
    assert {s["name"] for s in listed["sensors"]} == {s.name for s in defs.sensors or []}
    assert {j["name"] for j in listed["jobs"]} == {
        job.name for job in defs.resolve_all_job_defs() if not job.name.startswith("__")
    }
    assert {r["name"] for r in listed["resources"]} == set(defs.resources or {})
    assert {c["key"] for c in listed["asset_checks"]} == {
        f"{key.asset_key.to_user_string()}:{key.name}"
        for key in defs.resolve_asset_graph().asset_check_keys
    }


def test_dg_list_components_lists_the_formbricks_loader(tmp_path: Path) -> None:
    completed = _dg(tmp_path, "list", "components", "--json")
    assert completed.returncode == 0, completed.stderr
    listed = {entry["key"] for entry in json.loads(completed.stdout)["items"]}

    assert "analytics_assets.component.FormbricksLoader" in listed
