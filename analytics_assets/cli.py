"""The `analytics-assets` command: serve the sample API, or run the whole demo.

    analytics-assets sample-api [--port 8787] [--responses 2500] [--seed 7] [--key sample-key]
                                [--release 2|4|5] [--edition enterprise|community]
                                [--edit-rate 3] [--no-v2-date-filter]
    analytics-assets demo [--ui-port 3000] [--api-port 8787] [--responses 2500]
                          [--release 2|4|5] [--edition enterprise|community] [--edit-rate 3]
    analytics-assets drop-responses

`drop-responses` drops the responses tables and their cursor from the warehouse the environment
names (ANALYTICS_DESTINATION, ANALYTICS_DUCKDB_PATH): once, to move a warehouse whose responses
tables dlt's row normalizer made onto the Arrow path (README, Performance). The next run reads
every response again.

The sample API behaves like Formbricks 5.x, enterprise edition, unless told otherwise: release 2
serves the original (1.x-2.7) paths, 4 rewrites the old paths to contacts as 3.x and 4.x do, 5
answers them with a 404 page; the community edition refuses the contacts endpoints (403).
Releases 4 and 5 also serve v2's `GET /api/v2/management/responses`. Every few seconds the sample
edits an old response or a few (`--edit-rate`, a minute's worth; 0 turns it off): the next sync
shows an old response finished, or its NPS answer changed, as real respondents who come back do.

`demo` starts the sample API in this process and `dg dev` as a child process,
wired to it through `ANALYTICS_API_BASE_URL`, `ANALYTICS_API_KEY` and
`ANALYTICS_DUCKDB_PATH`, so a newcomer sees and materializes the assets with no
account anywhere. The sample API's key is not a secret; a real key belongs in `.env`.
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from dotenv import dotenv_values

from analytics_assets.formbricks import settings
from analytics_assets.sample_api.edit_feed import DEFAULT_EDITS_PER_MINUTE
from analytics_assets.sample_api.releases import (
    DEFAULT_EDITION,
    DEFAULT_RELEASE,
    EDITIONS,
    RELEASES,
)

DEMO_API_KEY = "sample-key"
DEMO_API_PORT = 8787
DEMO_DUCKDB_PATH = "data/demo.duckdb"
SAMPLE_API_DESCRIPTION = f"""\
Serve the sample Formbricks API. By default it listens at http://127.0.0.1:{DEMO_API_PORT}/api
and accepts the key {DEMO_API_KEY}. To point the project at it, put these lines in .env:
  {settings.ENV_API_BASE_URL}=http://127.0.0.1:{DEMO_API_PORT}/api
  {settings.ENV_API_KEY}={DEMO_API_KEY}
"""


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown after each option; the description's lines kept as written."""


def _add_sample_arguments(parser: argparse.ArgumentParser, port_flag: str) -> None:
    parser.add_argument(
        port_flag, dest="api_port", type=int, default=DEMO_API_PORT, help="sample API port"
    )
    parser.add_argument("--responses", type=int, default=2500, help="responses to generate")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated data")
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=100,
        help="requests per minute per key before the sample API answers 429 (0: no limit)",
    )
    parser.add_argument(
        "--release",
        type=int,
        choices=RELEASES,
        default=DEFAULT_RELEASE,
        help="Formbricks release to behave like: 2 (1.x-2.7 paths), 4 (3.x-4.x: old paths "
        "rewritten to contacts) or 5 (5.x: old paths gone)",
    )
    parser.add_argument(
        "--stable-ties",
        action="store_true",
        help="serve responses that share a createdAt in one fixed order (the real API, and this "
        "sample by default, shuffle them on every request)",
    )
    parser.add_argument(
        "--edition",
        choices=EDITIONS,
        default=DEFAULT_EDITION,
        help="community refuses the contacts endpoints (403), as without an Enterprise license",
    )
    parser.add_argument(
        "--edit-rate",
        type=float,
        default=DEFAULT_EDITS_PER_MINUTE,
        help="edits of old responses a minute (each finishes one to three responses created "
        "days before the newest, or changes their NPS answer, all with one new updatedAt), so "
        "the next sync shows old responses changing; 0: no edits",
    )


def _check_sample_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.edit_rate < 0:
        parser.error("--edit-rate must be 0 or more")
    if not getattr(args, "v2_date_filter", True) and args.release != 4:
        parser.error("--no-v2-date-filter models Formbricks 4.0-4.1: it needs --release 4")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="analytics-assets", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser(
        "sample-api",
        help="serve the sample analytics API",
        description=SAMPLE_API_DESCRIPTION,
        formatter_class=_HelpFormatter,
    )
    _add_sample_arguments(sample, "--port")
    sample.add_argument("--host", default="127.0.0.1")
    sample.add_argument("--key", default=DEMO_API_KEY, help="API key the server accepts")
    sample.add_argument(
        "--no-v2-date-filter",
        dest="v2_date_filter",
        action="store_false",
        # Not shown as "(default: True)", which reads as if the flag were on by default.
        default=argparse.SUPPRESS,
        help="behave like Formbricks 4.0-4.1 (with --release 4): v2 responses know no "
        "filterDateField, so it is ignored and startDate/endDate filter createdAt",
    )

    demo = commands.add_parser(
        "demo",
        help="sample API plus Dagster's UI, wired together",
        formatter_class=_HelpFormatter,
    )
    _add_sample_arguments(demo, "--api-port")
    demo.add_argument("--ui-port", type=int, default=3000, help="Dagster UI port")
    demo.add_argument(
        "--duckdb-path", default=DEMO_DUCKDB_PATH, help="DuckDB file the demo loads into"
    )
    commands.add_parser(
        "drop-responses",
        help="drop the responses tables and cursor, so the next run rebuilds them (as Arrow)",
    )
    return parser


def _drop_responses() -> int:
    from analytics_assets.component.resources import WarehouseResource
    from analytics_assets.warehouse.nested_rows import drop_responses_tables

    dropped = WarehouseResource().with_pipeline(drop_responses_tables)
    if not dropped:
        print("No responses tables to drop.")
        return 0
    print(
        f"Dropped {', '.join(dropped)} and the responses cursor; the next run reads every "
        "response again.",
        flush=True,
    )
    return 0


def _run_sample_api(args: argparse.Namespace) -> int:
    from analytics_assets.sample_api.serving import serve

    serve(
        port=args.api_port,
        responses=args.responses,
        seed=args.seed,
        api_key=args.key,
        host=args.host,
        rate_limit_per_minute=args.rate_limit or None,
        release=args.release,
        edition=args.edition,
        shuffle_ties=not args.stable_ties,
        edits_per_minute=args.edit_rate,
        v2_date_filter=getattr(args, "v2_date_filter", True),
    )
    return 0


# The settings the demo gives Dagster's UI: the sample API's, and its own DuckDB file.
DEMO_SETTINGS = (
    settings.ENV_API_BASE_URL,
    settings.ENV_API_KEY,
    settings.ENV_DUCKDB_PATH,
    settings.ENV_DESTINATION,
    settings.ENV_API_GENERATION,
)


def _settings_env_file_overrides(project_dir: Path) -> list[str]:
    """The demo's settings that `.env` in `project_dir` sets.

    Dagster's CLI applies `.env` over the environment it was started with, so each of these
    would point the demo's UI at the user's own API or warehouse instead of the sample.
    """
    env_file = project_dir / ".env"
    if not env_file.is_file():
        return []
    values = dotenv_values(env_file)
    return [name for name in DEMO_SETTINGS if values.get(name) is not None]


def _run_demo(args: argparse.Namespace) -> int:
    from analytics_assets.sample_api import SampleApiServer, SampleDataset

    # Ctrl+C must stop the demo even when a parent started it with SIGINT ignored (a shell
    # script without job control does that to background commands).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    project_dir = Path.cwd()
    overridden = _settings_env_file_overrides(project_dir)
    if overridden:
        print(
            f"The demo did not start: {project_dir / '.env'} sets {', '.join(overridden)}, and "
            "Dagster applies .env over the demo's own settings, so the demo would load your API "
            "or warehouse instead of the sample API. Move .env aside while the demo runs, or run "
            "the demo in another clone of the project.",
            file=sys.stderr,
        )
        return 2
    dataset = SampleDataset.generate(seed=args.seed, responses=args.responses, release=args.release)
    server = SampleApiServer(
        dataset=dataset,
        api_key=DEMO_API_KEY,
        port=args.api_port,
        rate_limit_per_minute=args.rate_limit or None,
        edition=args.edition,
        shuffle_ties=not args.stable_ties,
        seed=args.seed,
        edits_per_minute=args.edit_rate,
    )
    server.start()
    env = {
        **os.environ,
        settings.ENV_API_BASE_URL: server.base_url,
        settings.ENV_API_KEY: DEMO_API_KEY,
        settings.ENV_DUCKDB_PATH: str(Path(args.duckdb_path).resolve()),
        settings.ENV_DESTINATION: "duckdb",  # the demo loads its own file
        settings.ENV_API_GENERATION: settings.GENERATION_AUTO,  # the sample says which it is
    }
    edits = f", editing old ones {args.edit_rate:g} times a minute" if args.edit_rate else ""
    print(
        f"Sample API (Formbricks release {args.release}, {args.edition} edition) with "
        f"{dataset.response_count} responses{edits} at {server.base_url}\n"
        f"Dagster UI at http://127.0.0.1:{args.ui_port} (loading into {args.duckdb_path}); "
        "Ctrl+C stops both.",
        flush=True,
    )
    # `dg dev`, Dagster's project CLI, reads the code location from pyproject.toml; it lives
    # beside this Python.
    dg = str(Path(sys.executable).with_name("dg"))
    command = [dg, "dev", "--host", "127.0.0.1", "--port", str(args.ui_port)]
    return _run_until_stopped(command, env, project_dir, server)


def _forward(stream: IO[str], stopping: threading.Event) -> None:
    """Copy the UI's log to ours; once Ctrl+C stopped it, without click's closing "Aborted!"."""
    for line in stream:
        if stopping.is_set() and line.strip() in ("", "Aborted!"):
            continue
        sys.stderr.write(line)
        sys.stderr.flush()


def _run_until_stopped(command: list[str], env: dict[str, str], cwd: Path, server: Any) -> int:
    """Run Dagster's UI until it exits or Ctrl+C stops the demo; then stop the sample API.

    The UI runs in a session of its own, so Ctrl+C reaches this process only, which then asks
    the UI to shut down: Dagster's own shutdown log is shown, click's bare "Aborted!" is not.
    """
    stopping = threading.Event()
    dagster = subprocess.Popen(
        command,
        env={**env, "PYTHONUNBUFFERED": "1"},
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    forwarder = threading.Thread(target=_forward, args=(dagster.stderr, stopping), daemon=True)
    forwarder.start()
    try:
        return dagster.wait()
    except KeyboardInterrupt:
        stopping.set()
        dagster.send_signal(signal.SIGINT)
        dagster.wait()
        forwarder.join(timeout=10)
        print("The demo stopped: Dagster's UI and the sample API are shut down.", flush=True)
        return 0
    finally:
        if dagster.poll() is None:
            dagster.kill()
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `analytics-assets` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command in ("sample-api", "demo"):
        _check_sample_arguments(parser, args)
    if args.command == "sample-api":
        return _run_sample_api(args)
    if args.command == "drop-responses":
        return _drop_responses()
    return _run_demo(args)


if __name__ == "__main__":
    raise SystemExit(main())
