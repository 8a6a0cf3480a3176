"""Load benchmark: the project against plain dlt and against the floor, in one run.

    .venv/bin/python -m benchmarks.load                     # 100,000 responses
    .venv/bin/python -m benchmarks.load --responses 10000 100000 300000 --only project

One sample API (this process, a thread) serves N responses and the other endpoints at the sizes
`SampleDataset.generate` gives them; every loader runs as its own process, as a user runs it,
into a fresh DuckDB file:

1. baseline: the original `rest_api_source` config as a plain dlt pipeline (`baseline.py`);
2. project: `dagster asset materialize` of the six ingestion assets;
3. floor: a plain HTTP session and DuckDB's `read_json` (`floor.py`);
4. incremental: the project again after 1% new responses.

Wall time, rows per second and the peak RSS of the whole process tree (sampled every 20 ms) are
printed for each, with the ratios project/baseline, project/floor and incremental/full. The
sample API's rate limit and the project's client-side request budget are off: the benchmark
measures the loaders, not the API's limit. Absolute times drift between machines; compare the
ratios.

The sample API behaves like Formbricks 2.7 here (release 2): the baseline is the original config,
whose people and attribute-classes paths 3.0 removed, and every loader must read the same
endpoints. The project makes one request more than the baseline (the generation probe, a 404);
the responses, where the time goes, are the same on every release.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil

from analytics_assets import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset

# The release whose paths the original config (the baseline) was written for.
RELEASE = 2

PROJECT_DIR = Path(__file__).resolve().parents[1]
API_KEY = "benchmark-key"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SCENARIOS = ("baseline", "project", "floor", "incremental")


@dataclass
class Measurement:
    name: str
    responses: int
    seconds: float
    peak_rss_mb: float
    rows: int
    # Where the time went: dlt's steps (from its trace), the rest is Dagster and Python.
    steps: dict[str, float] | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


def _measure(name: str, command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `command` to completion; its wall time, peak RSS of its process tree (MB), output."""
    log = tempfile.TemporaryFile(mode="w+")
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    process = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        try:
            peak = max(peak, _tree_rss(process))
        except psutil.Error:
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    log.seek(0)
    output = log.read()
    if child.returncode != 0:
        raise SystemExit(f"{name} failed (exit {child.returncode}):\n{output[-5000:]}")
    return seconds, peak / 2**20, output


def _table_rows(duckdb_path: Path, tables: list[str]) -> int:
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        return sum(
            connection.execute(f"SELECT count(*) FROM analytics.{table}").fetchone()[0]
            for table in tables
        )


def _dlt_steps(dlt_data_dir: Path, pipeline_name: str) -> dict[str, float]:
    """Seconds of each step of the pipeline's last run, from the trace dlt keeps on disk."""
    from dlt.pipeline.trace import load_trace

    trace = load_trace(str(dlt_data_dir / "pipelines" / pipeline_name))
    if trace is None:
        return {}
    return {
        step.step: (step.finished_at - step.started_at).total_seconds()
        for step in trace.steps
        if step.step in ("extract", "normalize", "load") and step.finished_at
    }


def _project_env(base_url: str, root: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ANALYTICS_", "DAGSTER_", "DLT_"))
    }
    (root / "dagster_home").mkdir(parents=True, exist_ok=True)
    env.update(
        ANALYTICS_API_BASE_URL=base_url,
        ANALYTICS_API_KEY=API_KEY,
        ANALYTICS_DUCKDB_PATH=str(root / "project.duckdb"),
        DAGSTER_HOME=str(root / "dagster_home"),
        DLT_DATA_DIR=str(root / "dlt"),
    )
    return env


def _project_command(page_size: int) -> list[str]:
    # Run config replaces the resource's configured values, so the key is named by its
    # environment variable here too (never its value).
    api_config = {
        "base_url": {"env": settings.ENV_API_BASE_URL},
        "api_key": {"env": settings.ENV_API_KEY},
        "requests_per_minute": 0,
    }
    config = {"resources": {"analytics_api": {"config": api_config}}}
    if page_size != settings.DEFAULT_PAGE_SIZE:
        config["resources"]["analytics_api"]["config"]["page_size"] = page_size
    return [
        sys.executable, "-m", "dagster", "asset", "materialize",
        "-m", "analytics_assets.definitions",
        "--select", f"group:{settings.GROUP_NAME}",
        "--config-json", json.dumps(config),
    ]  # fmt: skip


def run(responses: int, only: set[str], page_size: int, keep: Path | None) -> list[Measurement]:
    dataset = SampleDataset.generate(seed=11, responses=responses, now=NOW, release=RELEASE)
    endpoint_rows = sum(
        len(dataset.rows(endpoint))
        for endpoint in ("surveys", "action_classes", "attribute_classes", "people", "webhooks")
    )
    raw_tables = list(settings.RESOURCES)
    results: list[Measurement] = []
    root = Path(tempfile.mkdtemp(prefix=f"bench-{responses}-", dir=keep))
    with SampleApiServer(dataset=dataset, api_key=API_KEY) as server:
        base_url = server.base_url
        env = {k: v for k, v in os.environ.items() if not k.startswith("DLT_")}

        def record(
            name: str, seconds: float, peak: float, rows: int, steps: dict | None = None
        ) -> None:
            results.append(Measurement(name, responses, seconds, peak, rows, steps))
            print(f"  {name:<12} {seconds:8.1f} s  {peak:7.0f} MB  {rows:>9,} rows", flush=True)

        if "baseline" in only:
            path = root / "baseline.duckdb"
            command = [sys.executable, "-m", "benchmarks.baseline", base_url, API_KEY, str(path),
                       str(root / "baseline_dlt")]  # fmt: skip
            seconds, peak, _ = _measure("baseline", command, env)
            steps = _dlt_steps(root / "baseline_dlt", "baseline")
            record("baseline", seconds, peak, _table_rows(path, raw_tables), steps)
        if "project" in only or "incremental" in only:
            project_env = _project_env(base_url, root)
            seconds, peak, _ = _measure("project", _project_command(page_size), project_env)
            path = Path(project_env["ANALYTICS_DUCKDB_PATH"])
            rows = _table_rows(path, raw_tables)
            assert rows == responses + endpoint_rows, (rows, responses + endpoint_rows)
            steps = _dlt_steps(Path(project_env["DLT_DATA_DIR"]), settings.PIPELINE_NAME)
            record("project", seconds, peak, rows, steps)
        if "floor" in only:
            path = root / "floor.duckdb"
            command = [sys.executable, "-m", "benchmarks.floor", base_url, API_KEY, str(path),
                       str(root / "floor_pages"), str(page_size)]  # fmt: skip
            seconds, peak, _ = _measure("floor", command, env)
            record("floor", seconds, peak, _table_rows(path, raw_tables))
        if "incremental" in only:
            added = dataset.add_responses(max(1, responses // 100))
            seconds, peak, _ = _measure("incremental", _project_command(page_size), project_env)
            path = Path(project_env["ANALYTICS_DUCKDB_PATH"])
            total = _table_rows(path, ["responses"])
            assert total == responses + len(added), (total, responses + len(added))
            steps = _dlt_steps(Path(project_env["DLT_DATA_DIR"]), settings.PIPELINE_NAME)
            record("incremental", seconds, peak, len(added), steps)
    if keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return results


def _ratio(results: list[Measurement], top: str, bottom: str) -> float | None:
    by_name = {m.name: m for m in results}
    if top in by_name and bottom in by_name:
        return by_name[top].seconds / by_name[bottom].seconds
    return None


def _why(results: list[Measurement], name: str) -> str:
    """The largest part of a loader's time, from its profile, to say why a target was missed."""
    by_name = {m.name: m for m in results}
    measured = by_name.get(name)
    if measured is None or not measured.steps:
        return ""
    parts = {f"dlt's {step}": seconds for step, seconds in measured.steps.items()}
    parts["Dagster and Python outside dlt"] = measured.seconds - sum(measured.steps.values())
    part, seconds = max(parts.items(), key=lambda item: item[1])
    return f"; the largest part is {part}, {seconds:.1f} s of {measured.seconds:.1f} s"


def _report(results: list[Measurement]) -> None:
    print()
    memory_gb = psutil.virtual_memory().total / 2**30
    print(
        f"machine: {platform.machine()}, {psutil.cpu_count()} cores, {memory_gb:.1f} GB RAM, "
        f"Python {platform.python_version()}"
    )
    print(
        "| responses | scenario | wall s | rows/s | peak RSS MB "
        "| dlt extract s | normalize s | load s | other s |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for m in results:
        steps = m.steps or {}
        parts = [steps.get(step) for step in ("extract", "normalize", "load")]
        shown = " | ".join("" if part is None else f"{part:.1f}" for part in parts)
        other = f"{m.seconds - sum(p for p in parts if p):.1f}" if steps else ""
        print(
            f"| {m.responses:,} | {m.name} | {m.seconds:.1f} | {m.rows_per_second:,.0f} | "
            f"{m.peak_rss_mb:.0f} | {shown} | {other} |"
        )
    print()
    targets = {
        ("project", "baseline"): 0.2,
        ("project", "floor"): 3.0,
        ("incremental", "project"): 0.2,
    }
    for responses in sorted({m.responses for m in results}):
        of_n = [m for m in results if m.responses == responses]
        for (top, bottom), target in targets.items():
            ratio = _ratio(of_n, top, bottom)
            if ratio is not None:
                verdict = "met" if ratio <= target else f"MISSED by {ratio / target:.2f}x"
                if ratio > target:
                    verdict += _why(of_n, top)
                print(f"{responses:>9,}: {top}/{bottom} = {ratio:.3f} (target <= {target}: "
                      f"{verdict})")  # fmt: skip
        for m in of_n:
            if m.name in ("project", "incremental"):
                verdict = "met" if m.peak_rss_mb <= 500 else "MISSED"
                print(f"{responses:>9,}: {m.name} peak RSS {m.peak_rss_mb:.0f} MB "
                      f"(target <= 500: {verdict})")  # fmt: skip


def import_seconds(repeat: int = 3) -> float:
    """Best wall time of a fresh `import analytics_assets.definitions`, measured in-process."""
    code = (
        "import time; t = time.perf_counter(); import analytics_assets.definitions; "
        "print(time.perf_counter() - t)"
    )
    times = [
        float(subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, check=True,
                             capture_output=True, text=True).stdout)
        for _ in range(repeat)
    ]  # fmt: skip
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, nargs="+", default=[100_000])
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--page-size", type=int, default=settings.DEFAULT_PAGE_SIZE)
    parser.add_argument("--keep", type=Path, help="keep the DuckDB files under this folder")
    args = parser.parse_args(argv)
    results = []
    for responses in args.responses:
        print(f"{responses:,} responses:", flush=True)
        results += run(responses, set(args.only), args.page_size, args.keep)
    _report(results)
    seconds = import_seconds()
    verdict = "met" if seconds <= 2.5 else "MISSED"
    print(f"import analytics_assets.definitions: {seconds:.2f} s (target <= 2.5: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
