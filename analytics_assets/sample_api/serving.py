"""`serve()`: the sample API of `analytics-assets sample-api`, until Ctrl+C or SIGTERM."""

from __future__ import annotations

import signal
import threading

from analytics_assets.sample_api.releases import DEFAULT_EDITION, DEFAULT_RELEASE
from analytics_assets.sample_api.server import SampleApiServer
from analytics_assets.sample_api.store import SampleDataset

__all__ = ["serve"]


def serve(
    port: int = 8787,
    responses: int = 2500,
    seed: int = 7,
    api_key: str = "sample-key",
    host: str = "127.0.0.1",
    rate_limit_per_minute: int | None = 100,
    release: int = DEFAULT_RELEASE,
    edition: str = DEFAULT_EDITION,
    shuffle_ties: bool = True,
    edits_per_minute: float = 0.0,
    v2_date_filter: bool = True,
) -> None:
    """Generate a dataset and serve it until interrupted (Ctrl+C or SIGTERM).

    Args:
        port: Port to listen on.
        responses: Number of responses to generate.
        seed: Seed of the generated data.
        api_key: Key the server accepts; the banner shows it, since it is the sample's own.
        host: Interface to bind.
        rate_limit_per_minute: Requests per key per minute on v1 (Envoy's); None for no limit.
        release: Formbricks release to behave like (2, 4 or 5).
        edition: "enterprise" or "community" (which refuses the contacts endpoints).
        shuffle_ties: Serve responses sharing a `createdAt` in a new order on every request, as
            the real API does.
        edits_per_minute: Edit old responses this often (finish them, change an NPS answer);
            0 never does.
        v2_date_filter: False makes v2 behave like Formbricks 4.0-4.1 (release 4 only).
    """
    dataset = SampleDataset.generate(seed=seed, responses=responses, release=release)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with SampleApiServer(
        dataset=dataset,
        api_key=api_key,
        host=host,
        port=port,
        rate_limit_per_minute=rate_limit_per_minute,
        edition=edition,
        shuffle_ties=shuffle_ties,
        seed=seed,
        edits_per_minute=edits_per_minute,
        v2_date_filter=v2_date_filter,
    ) as server:
        edits = f"{edits_per_minute:g} edits of old responses a minute" if edits_per_minute else ""
        print(
            f"Sample analytics API (Formbricks release {release}, {edition} edition) with "
            f"{dataset.response_count} responses at {server.base_url}"
            + (f" ({edits})" if edits else "")
            + "\nTo point the project at it, put these lines in .env:\n"
            f"  ANALYTICS_API_BASE_URL={server.base_url}\n"
            f"  ANALYTICS_API_KEY={api_key}\n"
            "Ctrl+C stops it.",
            flush=True,
        )
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
