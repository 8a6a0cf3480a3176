"""The API key never appears in any output, or in any file the project writes.

The project is run as a user runs it, each command in a fresh process with DAGSTER_HOME (which
holds dlt's working folder, `dlt_pipelines`), HOME and the DuckDB file all inside `tmp_path`,
against the sample
API serving a distinctive key:

- `dagster asset materialize --select '*'` (succeeds),
- `dagster job execute -j analytics_api_sync` (succeeds, incremental),
- `dagster job execute -j analytics_api_full_refresh`, with the resource config a user would
  put in a run config file (the key as `{"env": "ANALYTICS_API_KEY"}`),
- a run that fails (HTTP 500 forever on people), and a run the API refuses because the key is
  wrong (the sample API expects another key; the project's key must still not show),

and `new_responses_sensor` from `definitions.defs` is ticked in this process against the same
instance: a success tick and error ticks (wrong key, HTTP 500).

The instance logs everything at DEBUG (dlt's and every library's logger included), more than a
deployment would, so a key in any log record ends up in the output or the event log.

Then the key, its URL-encoded, hex and base64 forms (at every byte alignment, standard and
URL-safe alphabets) are searched in every captured output and in every file under `tmp_path`:
the DuckDB file queried table by table as well as byte by byte (DuckDB compresses strings), its
WAL, dlt's pipeline folder (state, schemas, trace pickle, gzipped load packages), every SQLite
database (Dagster's run and event storage, whose snapshots are zlib-compressed, and the request
budget) read row by row, compute logs, and anything zlib, gzip or base64-wrapped inside them
(dlt's state in `_dlt_pipeline_state` is base64 of zlib). Files the runs changed in the project
folder and in dlt's global folder are searched too. A planted key proves the search finds each
form through each wrapping, and the test checks it did read the DuckDB file, dlt's folder and
DAGSTER_HOME, so it cannot pass by looking nowhere.
"""

import base64
import gzip
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, quote_plus

import duckdb
import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    DagsterRunStatus,
    build_sensor_context,
    materialize,
    serialize_value,
)
from dagster_dlt import DagsterDltResource

from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.definitions import defs
from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets_tests.conftest import FIXED_NOW
from analytics_assets_tests.live import scrubbed_env
from analytics_assets_tests.loader import analytics_api_assets

SECRET = "secret-key-7f3c9e21-do-not-leak"
OTHER_KEY = "the-key-the-api-expects-0b5d"
PROJECT_DIR = Path(__file__).resolve().parents[1]
PEOPLE_PATH = settings.CONTACTS_PATH
MODULE = ["-m", "analytics_assets.definitions"]
DAGSTER = [sys.executable, "-m", "dagster"]

# Everything at DEBUG: the project's instance settings, with every Python logger managed.
DAGSTER_YAML = """\
python_logs:
  managed_python_loggers:
    # Every library that sees the key, at DEBUG. Not `root`: Dagster's SQLite storage logs
    # (alembic) while it holds its own lock, and a managed root logger deadlocks on that.
    - dlt
    - urllib3
    - requests
    - requests_ratelimiter
    - pyrate_limiter
    - analytics_assets
  python_log_level: DEBUG
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1
"""


# ----------------------------------------------------------------------------- the search


def secret_forms(secret: str) -> dict[str, bytes]:
    """The secret as it could be written: raw, URL-encoded, hex, base64 at each alignment."""
    raw = secret.encode()
    forms = {
        "raw": raw,
        "url-encoded": quote(secret, safe="").encode(),
        "form-encoded": quote_plus(secret).encode(),
        "hex": raw.hex().encode(),
    }
    for offset in range(3):
        # Inside a longer base64 text the key starts at one of three bit offsets; keep only the
        # characters that depend on the key alone.
        for alphabet, encode in (
            ("base64", base64.b64encode),
            ("base64url", base64.urlsafe_b64encode),
        ):
            encoded = encode(b"\0" * offset + raw)
            start = -(-offset * 8 // 6)
            end = (offset + len(raw)) * 8 // 6
            forms[f"{alphabet}+{offset}"] = encoded[start:end]
    return forms


FORMS = secret_forms(SECRET)
_CASE_INSENSITIVE = {"raw", "url-encoded", "form-encoded", "hex"}
_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/_-]{16,}={0,2}")
_ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")


def _unwrapped(data: bytes, depth: int = 0) -> Iterator[bytes]:
    """`data`, and what gzip, zlib or base64(+zlib/gzip) inside it decodes to."""
    yield data
    if depth >= 3 or not data:
        return
    if data[:2] == b"\x1f\x8b":
        try:
            yield from _unwrapped(gzip.decompress(data), depth + 1)
        except (OSError, EOFError, zlib.error):
            pass
    for header in _ZLIB_HEADERS:
        position = data.find(header)
        while position != -1:
            try:
                inflated = zlib.decompressobj().decompress(data[position:])
            except zlib.error:
                inflated = b""
            if inflated:
                yield from _unwrapped(inflated, depth + 1)
            position = data.find(header, position + 1)
    for match in _BASE64_RUN.finditer(data):
        text = match.group()
        try:
            decoded = base64.b64decode(text + b"=" * (-len(text) % 4), altchars=b"-_")
        except ValueError:
            continue
        if decoded[:2] == b"\x1f\x8b" or decoded[:2] in _ZLIB_HEADERS:
            yield from _unwrapped(decoded, depth + 1)


def leaks_in(data: bytes) -> list[str]:
    """The forms of the secret found in `data` or in anything wrapped inside it."""
    found = []
    for layer in _unwrapped(data):
        lowered = layer.lower()
        for name, needle in FORMS.items():
            haystack = lowered if name in _CASE_INSENSITIVE else layer
            if (needle.lower() if name in _CASE_INSENSITIVE else needle) in haystack:
                found.append(name)
    return sorted(set(found))


def _sqlite_rows(path: Path) -> Iterator[bytes]:
    """Every value of every table of a SQLite file (read from a copy, WAL applied)."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.db"
        shutil.copy(path, copy)
        for suffix in ("-wal",):
            if Path(str(path) + suffix).exists():
                shutil.copy(str(path) + suffix, str(copy) + suffix)
        connection = sqlite3.connect(copy)
        try:
            tables = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            ]
            for table in tables:
                for row in connection.execute(f'SELECT * FROM "{table}"'):
                    for value in row:
                        if isinstance(value, bytes):
                            yield value
                        elif value is not None:
                            yield str(value).encode()
        finally:
            connection.close()


def _duckdb_rows(path: Path) -> Iterator[bytes]:
    """Every row of every table of a DuckDB file, as text."""
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = connection.execute(
            "SELECT table_catalog, table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE'"
        ).fetchall()
        for catalog, schema, table in tables:
            rows = connection.execute(f'SELECT * FROM "{catalog}"."{schema}"."{table}"').fetchall()
            yield "\n".join(repr(row) for row in rows).encode()


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"


def _parquet_rows(path: Path) -> Iterator[bytes]:
    """Every row of a Parquet file (dlt's load files), decoded: its pages are compressed."""
    import pyarrow.parquet as pq

    for row in pq.read_table(path).to_pylist():
        yield json.dumps(row, default=str).encode()


def _is_duckdb(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(12)[8:12] == b"DUCK"


def scan_tree(root: Path, *, changed_since: float | None = None, skip: tuple[str, ...] = ()):
    """Search every regular file below `root`; (leaks by file, files read by kind)."""
    leaks: dict[str, list[str]] = {}
    read: dict[str, list[Path]] = {"file": [], "sqlite": [], "duckdb": [], "parquet": []}
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in skip]
        for name in files:
            path = Path(folder) / name
            if not path.is_file() or path.is_symlink():
                continue
            if changed_since is not None and path.stat().st_mtime < changed_since:
                continue
            found = set(leaks_in(path.read_bytes()))
            read["file"].append(path)
            if _is_sqlite(path):
                read["sqlite"].append(path)
                for value in _sqlite_rows(path):
                    found.update(leaks_in(value))
            elif path.suffix == ".parquet":
                read["parquet"].append(path)
                for row in _parquet_rows(path):
                    found.update(leaks_in(row))
            elif _is_duckdb(path):
                read["duckdb"].append(path)
                for text in _duckdb_rows(path):
                    found.update(leaks_in(text))
            if found:
                leaks[str(path)] = sorted(found)
    return leaks, read


def test_the_search_finds_the_key_in_every_form_and_wrapping(tmp_path: Path) -> None:
    """A positive control: the key planted in each way a file could hold it is found."""
    for prefix in ("", "x", "xy"):
        wrapped = (prefix + SECRET + "tail").encode()
        plants = {
            "plain.txt": b"header " + wrapped,
            "b64.txt": b"k=" + base64.b64encode(wrapped) + b";",
            "b64url.txt": base64.urlsafe_b64encode(wrapped),
            "gzip.gz": gzip.compress(b"{" + wrapped + b"}"),
            "zlib-in-binary.bin": b"\x00\x01junk" + zlib.compress(b"[" + wrapped + b"]") + b"\xff",
            "state.txt": b'"state":"' + base64.b64encode(zlib.compress(wrapped)) + b'"',
            "url.txt": b"?key=" + quote(prefix + SECRET + "/").encode(),
            "hex.txt": wrapped.hex().upper().encode(),
        }
        for name, content in plants.items():
            assert leaks_in(content), (prefix, name)
    sqlite_path = tmp_path / "planted.db"
    with sqlite3.connect(sqlite_path) as connection:
        connection.execute("CREATE TABLE t (body BLOB)")
        connection.execute("INSERT INTO t VALUES (?)", (zlib.compress(SECRET.encode() * 3),))
    duckdb_path = tmp_path / "planted.duckdb"
    with duckdb.connect(str(duckdb_path)) as connection:
        connection.execute("CREATE SCHEMA s")
        connection.execute(
            "CREATE TABLE s.t AS SELECT 'row ' || i || ' ' || ? AS v FROM range(50000) r(i)",
            [SECRET],
        )
    parquet_path = tmp_path / "planted.parquet"
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table({"v": [f"row {i} {SECRET}" for i in range(5000)]}), parquet_path,
        compression="zstd",
    )  # fmt: skip
    leaks, read = scan_tree(tmp_path)
    assert set(leaks) == {str(sqlite_path), str(duckdb_path), str(parquet_path)}
    assert read["sqlite"] == [sqlite_path] and read["duckdb"] == [duckdb_path]
    assert read["parquet"] == [parquet_path]
    assert leaks_in(SECRET[:-1].encode()) == []  # a near miss is no hit


# ----------------------------------------------------------------------------- the runs


class _Records(logging.Handler):
    """Every log record emitted in this process while installed (pytest runs -p no:logging)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception as error:  # a record that cannot be formatted is still evidence
            self.lines.append(f"{record.name} {record.msg!r} {record.args!r} ({error})")


@pytest.fixture
def log_records() -> Iterator[_Records]:
    handler = _Records()
    loggers = [logging.getLogger(), logging.getLogger("dagster"), logging.getLogger("dlt")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def _tick(base_url: str, instance: DagsterInstance, cursor: str | None, monkeypatch) -> object:
    """One evaluation of the registered sensor, its resource read from the environment."""
    monkeypatch.setenv(settings.ENV_API_BASE_URL, base_url)
    monkeypatch.setenv(settings.ENV_API_KEY, SECRET)
    sensor = defs.resolve_sensor_def("new_responses_sensor")
    with build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={"analytics_api": defs.resources["analytics_api"]},
        definitions=defs,
    ) as context:
        return sensor.evaluate_tick(context)


def test_the_api_key_appears_in_no_output_and_no_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    log_records: _Records,
) -> None:
    started = time.time() - 1
    dataset = SampleDataset.generate(seed=3, responses=345, now=FIXED_NOW)
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(DAGSTER_YAML)
    duckdb_path = tmp_path / "warehouse.duckdb"
    dlt_dir = dagster_home / "dlt_pipelines"
    outputs: dict[str, str] = {}
    scans: list[tuple[dict[str, list[str]], dict[str, list[Path]]]] = []

    with (
        SampleApiServer(dataset=dataset, api_key=SECRET) as api,
        SampleApiServer(dataset=dataset, api_key=OTHER_KEY) as api_expecting_another_key,
    ):
        env = scrubbed_env(
            ANALYTICS_API_BASE_URL=api.base_url,
            ANALYTICS_API_KEY=SECRET,
            ANALYTICS_DUCKDB_PATH=str(duckdb_path),
            DAGSTER_HOME=str(dagster_home),
            HOME=str(tmp_path),
            RUNTIME__LOG_LEVEL="DEBUG",  # dlt's own logger, at its most talkative
        )
        run_config = tmp_path / "full_refresh.yaml"
        run_config.write_text(
            json.dumps(
                {
                    "resources": {
                        "analytics_api": {
                            "config": {
                                "base_url": {"env": settings.ENV_API_BASE_URL},
                                "api_key": {"env": settings.ENV_API_KEY},
                            }
                        }
                    }
                }
            )
        )
        commands = {
            "asset materialize": (
                [*DAGSTER, "asset", "materialize", *MODULE, "--select", "*"],
                True,
            ),
            "job execute sync": (
                [*DAGSTER, "job", "execute", *MODULE, "-j", "analytics_api_sync"],
                True,
            ),
            "job execute full refresh": (
                [
                    *DAGSTER,
                    "job",
                    "execute",
                    *MODULE,
                    "-j",
                    "analytics_api_full_refresh",
                    "-c",
                    str(run_config),
                ],
                True,
            ),
            "sync, HTTP 500 on people": (
                [*DAGSTER, "job", "execute", *MODULE, "-j", "analytics_api_sync"],
                False,
            ),
            "sync, key refused": (
                [*DAGSTER, "job", "execute", *MODULE, "-j", "analytics_api_sync"],
                False,
            ),
        }
        for name, (command, succeeds) in commands.items():
            run_env = env
            if name == "job execute sync":
                dataset.add_responses(30, at=FIXED_NOW + timedelta(minutes=5))
            if name == "sync, HTTP 500 on people":
                api.queue_fault(PEOPLE_PATH, 500, times=-1, retry_after="0")
            if name == "sync, key refused":
                api.clear_faults()
                run_env = {**env, "ANALYTICS_API_BASE_URL": api_expecting_another_key.base_url}
            completed = _run(command, run_env)
            outputs[f"{name}: stdout"] = completed.stdout
            outputs[f"{name}: stderr"] = completed.stderr
            assert (completed.returncode == 0) == succeeds, (
                f"{name}: exit code {completed.returncode}\n{completed.stderr[-4000:]}"
            )
            if name == "job execute full refresh":
                # dlt may clear its working folder on a later run; search it while it holds
                # the load packages of the successful runs.
                scans.append(scan_tree(tmp_path))
        # The key was really sent, by every run.
        assert {r.headers.get("x-api-key") for r in api.requests} == {SECRET}
        # The failures are the ones meant: the 500s and the refused key, explained.
        assert "HTTP 500" in outputs["sync, HTTP 500 on people: stderr"]
        assert "rejected the key (HTTP 401)" in outputs["sync, key refused: stderr"]
        assert settings.ENV_API_KEY in outputs["sync, key refused: stderr"]
        assert any(r.headers.get("x-api-key") == SECRET for r in api_expecting_another_key.requests)

        # The sensor, in this process, on the same instance: success and error ticks.
        with DagsterInstance.from_config(str(dagster_home)) as instance:
            first = _tick(api.base_url, instance, None, monkeypatch)
            assert first.cursor is not None and first.run_requests == []
            dataset.add_responses(1)
            second = _tick(api.base_url, instance, first.cursor, monkeypatch)
            assert len(second.run_requests) == 1
            refused = _tick(api_expecting_another_key.base_url, instance, first.cursor, monkeypatch)
            assert "HTTP 401" in (refused.skip_message or "")
            api.queue_fault(settings.RESPONSES_PATH, 500)
            failed = _tick(api.base_url, instance, first.cursor, monkeypatch)
            assert "HTTP 500" in (failed.skip_message or "")
            ticks = {"first": first, "new": second, "refused": refused, "failed": failed}
            for name, result in ticks.items():
                outputs[f"sensor tick {name}"] = repr(result) + repr(
                    [serialize_value(request) for request in result.run_requests or []]
                )

            runs = instance.get_runs()
            statuses = sorted(run.status.value for run in runs)
            stored = {run.run_id: serialize_value(run) for run in runs}
            run_configs = {run.run_id: run.run_config for run in runs}
            snapshots = {
                run.run_id: serialize_value(instance.get_job_snapshot(run.job_snapshot_id))
                for run in runs
                if run.job_snapshot_id
            }

    captured = capsys.readouterr()
    outputs["pytest stdout"] = captured.out
    outputs["pytest stderr"] = captured.err
    outputs["log records"] = "\n".join(log_records.lines)

    # The runs are the ones launched above, and each stored its config without the key.
    assert statuses == sorted(
        [DagsterRunStatus.SUCCESS.value] * 3 + [DagsterRunStatus.FAILURE.value] * 2
    )
    for run_id, config in run_configs.items():
        api_config = config.get("resources", {}).get("analytics_api", {}).get("config", {})
        if "api_key" in api_config:
            assert api_config["api_key"] == {"env": settings.ENV_API_KEY}, run_id
    assert any("api_key" in json.dumps(config) for config in run_configs.values())
    stored_text = {f"stored run {k}": v for k, v in stored.items()}
    stored_text.update({f"job snapshot of run {k}": v for k, v in snapshots.items()})

    output_leaks = {
        name: found
        for name, text in {**outputs, **stored_text}.items()
        if (found := leaks_in(text.encode()))
    }
    assert output_leaks == {}

    # Every file under tmp_path: the DuckDB file, dlt's folder, DAGSTER_HOME, HOME.
    scans.append(scan_tree(tmp_path))
    assert [leaks for leaks, _ in scans] == [{}, {}]
    read = {kind: [path for _, found in scans for path in found[kind]] for kind in scans[0][1]}
    assert duckdb_path in read["duckdb"] and duckdb_path.stat().st_size > 0
    dlt_files = [path for path in read["file"] if dlt_dir in path.parents]
    pipeline = dlt_dir / settings.PIPELINE_NAME
    for expected in ("state.json", "trace.pickle", f"schemas/{settings.SOURCE_NAME}.schema.json"):
        assert pipeline / expected in dlt_files, expected
    # Load packages: dlt's extract files (gzipped JSON lines) and its Parquet load files.
    assert any(path.suffix in (".gz", ".parquet") for path in dlt_files), "no load package was read"
    assert read["parquet"], "no Parquet load file was read"
    # Dagster's own files; dlt's folder inside the instance changes from run to run.
    home_files = [
        path
        for path in read["file"]
        if dagster_home in path.parents and dlt_dir not in path.parents
    ]
    assert dagster_home / "history" / "runs.db" in read["sqlite"]
    assert len([p for p in read["sqlite"] if dagster_home / "history" / "runs" in p.parents]) >= 5
    assert dagster_home / settings.REQUEST_BUDGET_FILE in read["sqlite"]
    compute_logs = [p for p in home_files if "compute_logs" in p.parts]
    assert compute_logs and any(p.stat().st_size > 0 for p in compute_logs)
    assert sum(path.stat().st_size for path in home_files) > 100_000

    # Files the runs wrote elsewhere: the project folder and dlt's global folder.
    from dlt.common.runtime.run_context import global_dir

    for root, skip in ((PROJECT_DIR, (".venv", ".git")), (Path(global_dir()), ())):
        if root.exists():
            elsewhere, _ = scan_tree(root, changed_since=started, skip=skip)
            assert elsewhere == {}, root


def test_the_key_does_not_follow_a_redirect_to_another_host(tmp_path: Path) -> None:
    """requests keeps custom headers on a redirect; the session drops the key when the host
    (or port) changes, so a redirect cannot hand the key to another server."""
    dataset = SampleDataset.generate(seed=3, responses=20)
    with (
        SampleApiServer(dataset=dataset, api_key=SECRET) as api,
        SampleApiServer(dataset=dataset, api_key=SECRET) as elsewhere,
    ):
        api.queue_fault(
            settings.SURVEYS_PATH,
            302,
            times=-1,
            body=b"",
            headers={"Location": elsewhere.base_url + settings.SURVEYS_PATH},
        )
        result = materialize(
            [analytics_api_assets],
            resources={
                "dlt": DagsterDltResource(),
                "analytics_api": AnalyticsApiResource(
                    base_url=api.base_url, api_key=SECRET, api_generation="current"
                ),
                "warehouse": WarehouseResource(
                    duckdb_path=str(tmp_path / "w.duckdb"), pipelines_dir=str(tmp_path / "dlt")
                ),
            },
            selection=[AssetKey(["analytics_api", "surveys"])],
            raise_on_error=False,
        )
        redirected = elsewhere.requests
    assert [request.path for request in redirected] == ["/api" + settings.SURVEYS_PATH]
    assert "x-api-key" not in redirected[0].headers
    # Without the key the other server refuses, and the run fails saying so.
    assert not result.success
