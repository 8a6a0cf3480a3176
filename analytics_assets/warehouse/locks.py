"""File locks that keep two loads of one pipeline, or two writers of one DuckDB file, apart.

The Dagster pool is what queues overlapping runs, but on SQLite instance storage two runs
started in the same instant can both get its one slot; these locks make the second wait for
the first on the same machine whatever the instance storage.
"""

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from filelock import FileLock
from filelock import Timeout as LockTimeout

from analytics_assets.formbricks.errors import AnalyticsConfigurationError


def _acquire(lock: FileLock, lock_path: Path, timeout_seconds: float, log: logging.Logger) -> None:
    try:
        lock.acquire(timeout=0)
        return
    except LockTimeout:
        log.info(f"Another process holds {lock_path}; waiting for it to finish.")
    try:
        lock.acquire(timeout=timeout_seconds)
    except LockTimeout:
        raise AnalyticsConfigurationError(
            f"Another process held {lock_path} for more than {timeout_seconds:.0f} s; is a run "
            "stuck? (warehouse.lock_timeout_seconds)"
        ) from None


@contextmanager
def hold_locks(
    lock_paths: list[Path], timeout_seconds: float, log: logging.Logger
) -> Iterator[None]:
    """Take file locks in a fixed order, waiting up to `timeout_seconds` for each.

    Args:
        lock_paths: The lock files, taken in this order and released in reverse.
        timeout_seconds: Longest wait for one lock.
        log: Where to say that the load is waiting.
    """
    with ExitStack() as held:
        for lock_path in lock_paths:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(lock_path)
            _acquire(lock, lock_path, timeout_seconds, log)
            held.callback(lock.release)
        yield
