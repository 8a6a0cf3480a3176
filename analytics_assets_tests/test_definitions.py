"""The code location loads anywhere: no environment variables, no network, no files written."""

import subprocess
import sys
from pathlib import Path

from analytics_assets_tests.live import scrubbed_env

PROJECT_DIR = Path(__file__).resolve().parents[1]


def _clean_env(home: Path) -> dict[str, str]:
    """The process environment without any ANALYTICS_* variable, with an empty HOME."""
    return scrubbed_env(HOME=str(home))


def test_definitions_import_with_no_environment_and_write_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    code = (
        "import analytics_assets.definitions as d;"
        "print(len(d.defs.resolve_asset_graph().get_all_asset_keys()))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=workdir,
        env=_clean_env(home),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert int(completed.stdout.strip().splitlines()[-1]) >= 6
    # No dlt working folder, no DuckDB file, nothing at all.
    assert list(home.iterdir()) == []
    assert list(workdir.iterdir()) == []


def test_dagster_definitions_validate_passes_with_no_environment(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster",
            "definitions",
            "validate",
            "-m",
            "analytics_assets.definitions",
        ],
        cwd=PROJECT_DIR,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
