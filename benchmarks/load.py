"""Load benchmark: the project against plain dlt and against the floor, interleaved and repeated.

    .venv/bin/python -m benchmarks.load                          # 100,000 responses, 3 rounds
    .venv/bin/python -m benchmarks.load --responses 100000 1000000 --only project --repeat 1
    .venv/bin/python -m benchmarks.load --rate-limited            # 20,000 responses, 100/minute

One sample API (this process, a thread) serves N responses and the other endpoints at the sizes
`SampleDataset.generate` gives them; every loader runs as its own process, as a user runs it,
into a fresh DuckDB file:

1. baseline: the original `rest_api_source` config as a plain dlt pipeline (`baseline.py`);
2. project: `dagster asset materialize` of the six ingestion assets;
3. floor: the raw page bytes into DuckDB's `read_json`, never parsed in Python (`floor.py`);
4. incremental: the project again after 1% new responses (which are removed again afterwards,
   so every round loads the same N);
5. startup: `dagster asset materialize` of an asset that does nothing, in a code location that
   imports the project's definitions (`startup.py`), on the same instance: what every run of
   the project pays before its first request, and so the least an incremental sync can cost.

The loaders run interleaved: round r starts at the r-th loader, so no loader always pays the
machine's cold start. Each round's ratios compare loaders of that round, and a target counts as
met only if the worst round meets it. Every loader's tables must hold exactly the rows the API
lists (counted through the API before the first round); a loader that drops a page fails the
benchmark instead of looking faster.

Wall time and the peak RSS of the whole process tree (sampled every 20 ms) are printed for each
run, with the median and the spread over the rounds. The sample API's rate limit and the
project's request budget are off: this part measures the loaders, not the API's limit.

`--rate-limited` measures the limit instead: the sample API allows 100 requests a minute per key
and answers 429 without `Retry-After`, as the hosted API does, and the plain dlt pipeline, the
project at its default page size and the project at page size 1,000 each load 20,000 responses
against a fresh window. For each it reports the wall time, the requests made and the 429s met,
against the limit's bound (requests / 100 per minute).

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
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil
import requests

from analytics_assets.component.names import LoaderNames
from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from benchmarks.floor import ENDPOINTS, PAGED

# The release whose paths the original config (the baseline) was written for.
RELEASE = 2

PROJECT_DIR = Path(__file__).resolve().parents[1]
API_KEY = "benchmark-key"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SCENARIOS = ("baseline", "project", "floor", "incremental", "startup")
# (numerator, denominator, target): the ratio of wall times must stay at or below the target.
RATIO_TARGETS = (
    ("project", "baseline", 0.12),
    ("project", "floor", 3.0),
    ("incremental", "project", 0.15),
)
# Peak RSS of the project's process tree, in MB: up to 100,000 responses, and beyond.
MEMORY_TARGET_MB = 400.0
MEMORY_TARGET_LARGE_MB = 500.0
LARGE_RESPONSES = 100_000
RATE_LIMIT_PER_MINUTE = 100
RATE_LIMITED_RESPONSES = 20_000
RATE_LIMITED_TOLERANCE = 0.10


class RowCountMismatch(AssertionError):
    """A loader's tables do not hold the rows the API lists."""


@dataclass
class Measurement:
    name: str
    responses: int
    round: int
    seconds: float
    peak_rss_mb: float
    rows: int
    # Where the time went: dlt's steps (from its trace), the rest is Dagster and Python.
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class RateLimited:
    name: str
    page_size: int
    seconds: float
    requests: int
    throttled: int
    rows: int | None  # None: the loader failed
    error: str = ""
    limit: int = RATE_LIMIT_PER_MINUTE  # requests allowed per window
    window_seconds: float = 60.0

    @property
    def bound_seconds(self) -> float:
        """The limit's bound for this many requests: requests / 100 per minute."""
        return self.requests / self.limit * self.window_seconds


# ---------------------------------------------------------------------------------- measuring


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            pass
    return total


def _measure(command: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run `command` to completion: wall time, peak RSS of its process tree (MB), exit, output."""
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
    return seconds, peak / 2**20, child.returncode, log.read()


def api_counts(base_url: str) -> dict[str, int]:
    """Rows each endpoint lists, by table, counted through the API itself."""
    session = requests.Session()
    session.headers["x-api-key"] = API_KEY
    counts = {}
    for table, path in ENDPOINTS.items():
        total, skip = 0, 0
        while True:
            params = {"limit": 1000, "skip": skip} if table == PAGED else None
            response = session.get(base_url + path, params=params, timeout=60)
            response.raise_for_status()
            records = len(response.json()["data"])
            total += records
            if table != PAGED or records < 1000:  # a short page is the last
                break
            skip += records
        counts[table] = total
    return counts


def table_counts(duckdb_path: Path, tables: list[str]) -> dict[str, int]:
    """Rows of each table in the `analytics` schema; 0 for a table that does not exist."""
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        present = {
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'analytics'"
            ).fetchall()
        }
        return {
            table: (
                connection.execute(f"SELECT count(*) FROM analytics.{table}").fetchone()[0]
                if table in present
                else 0
            )
            for table in tables
        }


def check_counts(loader: str, loaded: dict[str, int], expected: dict[str, int]) -> int:
    """Total rows loaded, after checking every table against the API's count.

    Raises:
        RowCountMismatch: naming the loader and each table that differs.
    """
    wrong = [
        f"{table}: {loaded.get(table, 0):,} rows, the API lists {want:,}"
        for table, want in expected.items()
        if loaded.get(table, 0) != want
    ]
    if wrong:
        raise RowCountMismatch(f"{loader} loaded the wrong rows: " + "; ".join(wrong))
    return sum(expected.values())


def _dlt_steps(pipeline_dir: Path) -> dict[str, float]:
    """Seconds of each step of the pipeline's last run, from the trace dlt keeps on disk."""
    from dlt.pipeline.trace import load_trace

    trace = load_trace(str(pipeline_dir))
    if trace is None:
        return {}
    return {
        step.step: (step.finished_at - step.started_at).total_seconds()
        for step in trace.steps
        if step.step in ("extract", "normalize", "load") and step.finished_at
    }


# ---------------------------------------------------------------------------------- loaders


def _clean_env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("ANALYTICS_", "DAGSTER_", "DLT_"))
    }


@dataclass(frozen=True)
class Loader:
    """How to run one loader as its own process, and where its results land."""

    name: str
    command: list[str]
    env: dict[str, str]
    duckdb_path: Path
    # The dlt pipeline's working folder, which holds the trace of its last run.
    pipeline_dir: Path | None = None


def baseline_loader(base_url: str, root: Path) -> Loader:
    path, pipelines = root / "baseline.duckdb", root / "baseline_dlt"
    command = [sys.executable, "-m", "benchmarks.baseline", base_url, API_KEY, str(path),
               str(pipelines)]  # fmt: skip
    return Loader("baseline", command, _clean_env(), path, pipelines / "baseline")


def floor_loader(base_url: str, root: Path, page_size: int) -> Loader:
    path = root / "floor.duckdb"
    command = [sys.executable, "-m", "benchmarks.floor", base_url, API_KEY, str(path),
               str(root / "floor_pages"), str(page_size)]  # fmt: skip
    return Loader("floor", command, _clean_env(), path)


def project_loader(
    base_url: str,
    root: Path,
    *,
    page_size: int,
    requests_per_minute: int = 0,
    budget_period_seconds: float | None = None,
    name: str = "project",
) -> Loader:
    """`dagster asset materialize` of the ingestion assets; settings come from the environment."""
    env = _clean_env()
    dagster_home = root / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    # The instance settings a user's `dagster dev` reads from the project folder.
    shutil.copy(PROJECT_DIR / "dagster.yaml", dagster_home / "dagster.yaml")
    env.update(
        ANALYTICS_API_BASE_URL=base_url,
        ANALYTICS_API_KEY=API_KEY,
        ANALYTICS_API_PAGE_SIZE=str(page_size),
        ANALYTICS_API_REQUESTS_PER_MINUTE=str(requests_per_minute),
        ANALYTICS_DUCKDB_PATH=str(root / "project.duckdb"),
        DAGSTER_HOME=str(dagster_home),
    )
    command = [
        sys.executable, "-m", "dagster", "asset", "materialize",
        "-m", "analytics_assets.definitions",
        "--select", f"group:{LoaderNames().group}",
    ]  # fmt: skip
    if budget_period_seconds is not None:
        # Run config replaces the resource's configured values, so the key is named by its
        # environment variable here too (never its value).
        api_config = {
            "base_url": {"env": settings.ENV_API_BASE_URL},
            "api_key": {"env": settings.ENV_API_KEY},
            "request_budget_period_seconds": budget_period_seconds,
        }
        config = {"resources": {"analytics_api": {"config": api_config}}}
        command += ["--config-json", json.dumps(config)]
    # dlt's working folder is the instance's (`WarehouseResource.resolved_pipelines_dir`).
    pipeline_dir = dagster_home / "dlt_pipelines" / settings.PIPELINE_NAME
    return Loader(name, command, env, root / "project.duckdb", pipeline_dir)


def measure_load(
    loader: Loader, expected: dict[str, int], responses: int, round_index: int
) -> Measurement:
    """Run a loader that must succeed and load exactly `expected`; its measurement."""
    seconds, peak, returncode, output = _measure(loader.command, loader.env)
    if returncode != 0:
        raise SystemExit(f"{loader.name} failed (exit {returncode}):\n{output[-5000:]}")
    rows = check_counts(loader.name, table_counts(loader.duckdb_path, list(expected)), expected)
    steps = _dlt_steps(loader.pipeline_dir) if loader.pipeline_dir else {}
    return Measurement(loader.name, responses, round_index, seconds, peak, rows, steps)


def startup_loader(project: Loader) -> Loader:
    """`dagster asset materialize` of `benchmarks.startup`'s asset, on the project's instance."""
    command = [
        sys.executable, "-m", "dagster", "asset", "materialize",
        "-m", "benchmarks.startup", "--select", "nothing",
    ]  # fmt: skip
    return Loader("startup", command, project.env, project.duckdb_path)


def measure_startup(loader: Loader, responses: int, round_index: int) -> Measurement:
    """Run the no-op materialization, which must succeed; it reads and loads nothing."""
    seconds, peak, returncode, output = _measure(loader.command, loader.env)
    if returncode != 0:
        raise SystemExit(f"startup failed (exit {returncode}):\n{output[-5000:]}")
    return Measurement("startup", responses, round_index, seconds, peak, 0)


def round_order(units: list[str], round_index: int) -> list[str]:
    """Round r starts at the r-th loader, so the cold start moves from loader to loader."""
    shift = round_index % len(units)
    return units[shift:] + units[:shift]


def run(
    responses: int, only: set[str], page_size: int, repeat: int, keep: Path | None
) -> list[Measurement]:
    """Every chosen loader, `repeat` interleaved rounds, each against the API's row counts."""
    dataset = SampleDataset.generate(seed=11, responses=responses, now=NOW, release=RELEASE)
    units = [name for name in ("baseline", "project", "floor") if name in only]
    if {"incremental", "startup"} & only and "project" not in units:
        units.append("project")
    results: list[Measurement] = []
    top = Path(tempfile.mkdtemp(prefix=f"bench-{responses}-", dir=keep))
    with SampleApiServer(dataset=dataset, api_key=API_KEY) as server:
        base_url = server.base_url
        expected = api_counts(base_url)
        if expected[PAGED] != responses:
            raise RowCountMismatch(f"the API lists {expected[PAGED]:,} of {responses:,} responses")

        def record(m: Measurement) -> None:
            results.append(m)
            print(f"  round {m.round + 1} {m.name:<12} {m.seconds:8.1f} s "
                  f"{m.peak_rss_mb:7.0f} MB {m.rows:>10,} rows", flush=True)  # fmt: skip

        for round_index in range(repeat):
            root = top / f"round{round_index + 1}"
            root.mkdir()
            for unit in round_order(units, round_index):
                if unit == "baseline":
                    record(measure_load(baseline_loader(base_url, root), expected,
                                        responses, round_index))  # fmt: skip
                elif unit == "floor":
                    record(measure_load(floor_loader(base_url, root, page_size), expected,
                                        responses, round_index))  # fmt: skip
                else:
                    loader = project_loader(base_url, root, page_size=page_size)
                    record(measure_load(loader, expected, responses, round_index))
                    if "incremental" in only:
                        record(_incremental(loader, dataset, expected, round_index))
                    if "startup" in only:
                        record(measure_startup(startup_loader(loader), responses, round_index))
    if keep is None:
        shutil.rmtree(top, ignore_errors=True)
    return results


def _incremental(
    project: Loader, dataset: SampleDataset, expected: dict[str, int], round_index: int
) -> Measurement:
    """The project again, over its own full load, after 1% new responses.

    The new responses are deleted again afterwards, so every round loads N.
    """
    responses = expected[PAGED]
    added = dataset.add_responses(max(1, responses // 100))
    try:
        grown = dict(expected, **{PAGED: responses + len(added)})
        run = measure_load(replace(project, name="incremental"), grown, responses, round_index)
    finally:
        dataset.delete(PAGED, added)
    return replace(run, rows=len(added))


# ---------------------------------------------------------------------------------- rate limit


def run_rate_limited(
    responses: int = RATE_LIMITED_RESPONSES,
    *,
    per_minute: int = RATE_LIMIT_PER_MINUTE,
    window_seconds: float = 60.0,
    keep: Path | None = None,
) -> list[RateLimited]:
    """The plain dlt pipeline and the project at page sizes 100 and 1,000 against the limit.

    Each loader meets a fresh server (a fresh window for the key) over the same dataset. Tests
    shorten the window; the project's request budget is given the same window.
    """
    dataset = SampleDataset.generate(seed=11, responses=responses, now=NOW, release=RELEASE)
    with SampleApiServer(dataset=dataset, api_key=API_KEY) as server:
        expected = api_counts(server.base_url)
    top = Path(tempfile.mkdtemp(prefix=f"bench-rate-limited-{responses}-", dir=keep))
    loaders = (
        ("baseline", 100),
        ("project", settings.DEFAULT_PAGE_SIZE),
        ("project", 1000),
    )
    results = []
    for index, (name, page_size) in enumerate(loaders):
        root = top / f"{index}-{name}-{page_size}"
        root.mkdir()
        with SampleApiServer(
            dataset=dataset,
            api_key=API_KEY,
            rate_limit_per_minute=per_minute,
            rate_limit_window_seconds=window_seconds,
        ) as server:
            if name == "baseline":
                loader = baseline_loader(server.base_url, root)
            else:
                period = None if window_seconds == 60.0 else window_seconds
                loader = project_loader(server.base_url, root, page_size=page_size,
                                        requests_per_minute=per_minute,
                                        budget_period_seconds=period)  # fmt: skip
            seconds, _, returncode, output = _measure(loader.command, loader.env)
            seen = server.requests
        error, rows = "", None
        if returncode != 0:
            error = _last_error_line(output)
        else:
            rows = check_counts(name, table_counts(loader.duckdb_path, list(expected)), expected)
        measured = RateLimited(
            name=name,
            page_size=page_size,
            seconds=seconds,
            requests=len(seen),
            throttled=sum(1 for request in seen if request.status == 429),
            rows=rows,
            error=error,
            limit=per_minute,
            window_seconds=window_seconds,
        )
        results.append(measured)
        outcome = f"{rows:,} rows" if rows is not None else f"FAILED: {error}"
        print(f"  {name:<9} page {page_size:>5,} {seconds:8.1f} s {measured.requests:>5} requests "
              f"{measured.throttled:>4} x 429  {outcome}", flush=True)  # fmt: skip
    if keep is None:
        shutil.rmtree(top, ignore_errors=True)
    return results


def _last_error_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if "Error" in line or "429" in line]
    return (lines[-1] if lines else output.strip().splitlines()[-1])[:300]


# ---------------------------------------------------------------------------------- report


def _spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def _why(measured: Measurement) -> str:
    """The largest part of a loader's time, from its profile, to say why a target was missed."""
    if not measured.steps:
        return ""
    parts = {f"dlt's {step}": seconds for step, seconds in measured.steps.items()}
    parts["Dagster and Python outside dlt"] = measured.seconds - sum(measured.steps.values())
    part, seconds = max(parts.items(), key=lambda item: item[1])
    return f"; the largest part is {part}, {seconds:.1f} s of {measured.seconds:.1f} s"


def _round_ratios(
    results: list[Measurement], top: str, bottom: str
) -> list[tuple[float, Measurement]]:
    """`top`'s wall time over `bottom`'s, within each round that ran both, with `top`'s run."""
    pairs = []
    for round_index in sorted({m.round for m in results}):
        by_name = {m.name: m for m in results if m.round == round_index}
        if top in by_name and bottom in by_name:
            pairs.append((by_name[top].seconds / by_name[bottom].seconds, by_name[top]))
    return pairs


def ratio_verdicts(results: list[Measurement]) -> list[str]:
    """Each target's ratio per round; met only if the worst round meets it."""
    lines = []
    for responses in sorted({m.responses for m in results}):
        of_n = [m for m in results if m.responses == responses]
        for top, bottom, target in RATIO_TARGETS:
            pairs = _round_ratios(of_n, top, bottom)
            if not pairs:
                continue
            ratios = [ratio for ratio, _ in pairs]
            worst, worst_run = max(pairs, key=lambda pair: pair[0])
            verdict = "met" if worst <= target else f"MISSED by {worst / target:.2f}x"
            if worst > target:
                verdict += _why(worst_run)
            shown = ", ".join(f"{ratio:.3f}" for ratio in ratios)
            lines.append(
                f"{responses:>9,}: {top}/{bottom} worst {worst:.3f}, median "
                f"{statistics.median(ratios):.3f} [{shown}] (target <= {target}: {verdict})"
            )
        startup = _round_ratios(of_n, "startup", "project")
        if startup:
            ratios = [ratio for ratio, _ in startup]
            shown = ", ".join(f"{ratio:.3f}" for ratio in ratios)
            lines.append(
                f"{responses:>9,}: startup/project worst {max(ratios):.3f}, median "
                f"{statistics.median(ratios):.3f} [{shown}] (no target: Dagster's start with the "
                "project's imports, materializing nothing; incremental/project cannot go below it)"
            )
        for name in ("project", "incremental"):
            peaks = [m.peak_rss_mb for m in of_n if m.name == name]
            if peaks:
                large = responses > LARGE_RESPONSES
                target = MEMORY_TARGET_LARGE_MB if large else MEMORY_TARGET_MB
                over = max(peaks) - target
                verdict = "met" if over <= 0 else f"MISSED by {over:.0f} MB"
                lines.append(f"{responses:>9,}: {name} peak RSS worst {max(peaks):.0f} MB "
                             f"(target <= {target:.0f}: {verdict})")  # fmt: skip
    return lines


def _report(results: list[Measurement]) -> None:
    print()
    memory_gb = psutil.virtual_memory().total / 2**30
    print(
        f"machine: {platform.machine()}, {psutil.cpu_count()} cores, {memory_gb:.1f} GB RAM, "
        f"Python {platform.python_version()}"
    )
    rounds = len({m.round for m in results})
    print(f"median (min-max) of {rounds} round(s):")
    print(
        "| responses | scenario | wall s | rows/s | peak RSS MB "
        "| dlt extract s | normalize s | load s | other s |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for responses in sorted({m.responses for m in results}):
        for name in SCENARIOS:
            runs = [m for m in results if m.responses == responses and m.name == name]
            if not runs:
                continue
            steps = [
                _spread([m.steps[step] for m in runs]) if all(step in m.steps for m in runs) else ""
                for step in ("extract", "normalize", "load")
            ]
            other = (
                _spread([m.seconds - sum(m.steps.values()) for m in runs])
                if all(m.steps for m in runs)
                else ""
            )
            print(
                f"| {responses:,} | {name} | {_spread([m.seconds for m in runs])} | "
                f"{statistics.median(m.rows_per_second for m in runs):,.0f} | "
                f"{_spread([m.peak_rss_mb for m in runs])} | {' | '.join(steps)} | {other} |"
            )
    print()
    for line in ratio_verdicts(results):
        print(line)


def rate_limited_verdicts(results: list[RateLimited]) -> list[str]:
    lines = []
    for m in results:
        bound = m.bound_seconds
        line = (
            f"{m.name} at page size {m.page_size:,}: {m.seconds:.1f} s, {m.requests} requests, "
            f"{m.throttled} x 429, bound {bound:.1f} s ({m.seconds / bound:.2f}x)"
        )
        if m.rows is None:
            line += f"; FAILED: {m.error}"
        if m.name == "project" and m.page_size == settings.DEFAULT_PAGE_SIZE:
            within = m.seconds <= bound * (1 + RATE_LIMITED_TOLERANCE)
            met = m.rows is not None and m.throttled == 0 and within
            line += " (target: 0 x 429, within 10% of the bound: " + ("met)" if met else "MISSED)")
        lines.append(line)
    return lines


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
    parser.add_argument("--responses", type=int, nargs="+")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--page-size", type=int, default=settings.DEFAULT_PAGE_SIZE)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--rate-limited",
        action="store_true",
        help="measure the loaders against the API's limit of 100 requests a minute instead",
    )
    parser.add_argument("--keep", type=Path, help="keep the DuckDB files under this folder")
    args = parser.parse_args(argv)
    if args.rate_limited:
        responses = (args.responses or [RATE_LIMITED_RESPONSES])[0]
        print(f"{responses:,} responses, {RATE_LIMIT_PER_MINUTE} requests a minute:", flush=True)
        for line in rate_limited_verdicts(run_rate_limited(responses, keep=args.keep)):
            print(line)
        return 0
    results = []
    for responses in args.responses or [100_000]:
        print(f"{responses:,} responses:", flush=True)
        results += run(responses, set(args.only), args.page_size, args.repeat, args.keep)
    _report(results)
    seconds = import_seconds()
    verdict = "met" if seconds <= 2.5 else "MISSED"
    print(f"import analytics_assets.definitions: {seconds:.2f} s (target <= 2.5: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
