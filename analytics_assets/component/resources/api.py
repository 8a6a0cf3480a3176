"""The API connection: a Dagster resource holding the base URL and the key.

It does nothing when it is created: the HTTP session and the dlt source are built inside a run
(or a sensor tick) from its fields. The component feeds the base URL and key from environment
variables through `EnvVar`, so the key shows up in the UI as the variable's name, never as its
value; fields left unset fall back to the project's settings (`config.read_settings`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dagster import ConfigurableResource
from dlt.sources import DltSource
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import APIKeyAuth
from pydantic import Field
from requests import Session

from analytics_assets.config import read_settings
from analytics_assets.formbricks import build_source, settings
from analytics_assets.formbricks.budget import RequestBudget
from analytics_assets.formbricks.client import build_retrying_session, close_session
from analytics_assets.formbricks.contacts import AttributeKeys
from analytics_assets.formbricks.errors import AnalyticsConfigurationError
from analytics_assets.formbricks.generations import parse_generation_setting
from analytics_assets.formbricks.ledger import RunLedger
from analytics_assets.formbricks.newest import fetch_newest_response


def _at_least(value: int, field: str, minimum: int) -> int:
    if value < minimum:
        raise AnalyticsConfigurationError(f"{field} must be at least {minimum}; got {value}.")
    return value


class AnalyticsApiResource(ConfigurableResource):
    """Connection to the analytics (Formbricks-style) management API.

    Holds the API key; `open_session` and `build_source` turn it into an HTTP session and the
    dlt source at run time.
    """

    base_url: str = Field(
        description=(
            "Root the API paths hang off, e.g. `https://app.formbricks.com/api` "
            "(from the variable `base_url_env` names)."
        )
    )
    api_key: str = Field(
        description=(
            "Management API key, sent as `x-api-key` (from the variable `api_key_env` names)."
        )
    )
    base_url_env: str = Field(
        default=settings.ENV_API_BASE_URL,
        description="The environment variable the base URL comes from, named in errors.",
    )
    api_key_env: str = Field(
        default=settings.ENV_API_KEY,
        description="The environment variable the key comes from, named in errors.",
    )
    page_size: int | None = Field(
        default=None,
        description=(
            "Responses requested per page (`limit`). Unset means "
            f"`${settings.ENV_API_PAGE_SIZE}`, else {settings.DEFAULT_PAGE_SIZE}."
        ),
    )
    max_retries: int = Field(
        default=settings.DEFAULT_MAX_RETRIES,
        description="Retries of a 429, 5xx, timeout or dropped connection after the first attempt.",
    )
    backoff_factor: float = Field(
        default=settings.DEFAULT_BACKOFF_FACTOR,
        description="Exponential backoff multiplier in seconds (waits factor * 2**n).",
    )
    max_retry_delay_seconds: float = Field(
        default=settings.DEFAULT_MAX_RETRY_DELAY_SECONDS,
        description=(
            "Longest single wait between attempts, `Retry-After` included; never less than the "
            "API's window (`request_budget_period_seconds`) plus its margin, the longest wait "
            "of a 429 without Retry-After for the next window."
        ),
    )
    request_timeout_seconds: float = Field(
        default=settings.DEFAULT_REQUEST_TIMEOUT_SECONDS,
        description="Connect and read timeout of each request.",
    )
    responses_lookback_hours: float = Field(
        default=settings.DEFAULT_RESPONSES_LOOKBACK_HOURS,
        description=(
            "How far behind the newest loaded `createdAt` each incremental sync re-reads "
            "responses, so recent edits (finished later, tagged) are merged."
        ),
    )
    requests_per_minute: int | None = Field(
        default=None,
        description=(
            "Client-side request budget, shared by every run and sensor using the same budget "
            "file (the hosted API allows 100 a minute per key). 0 turns the budget off. Unset "
            f"means `${settings.ENV_API_REQUESTS_PER_MINUTE}`, else "
            f"{settings.DEFAULT_REQUESTS_PER_MINUTE}."
        ),
    )
    request_budget_period_seconds: float = Field(
        default=settings.DEFAULT_RATE_LIMIT_WINDOW_SECONDS,
        description=(
            "The API's rate-limit window, in seconds; the budget holds each token 2% (at least "
            "0.25 s) longer, for requests delayed on their way; a 429 without Retry-After is "
            "retried when the next window of the clock begins (plus 1 to 2 s)."
        ),
    )
    api_generation: str | None = Field(
        default=None,
        description=(
            "Which generation of the Formbricks API the server speaks: `auto` (detected on "
            "every run with one request), `legacy` (Formbricks 1.x-2.7: people and attribute "
            "classes) or `current` (3.0 and later: contacts). Unset means "
            f"`${settings.ENV_API_GENERATION}`, else `auto`."
        ),
    )
    change_feed: str | None = Field(
        default=None,
        description=(
            "`auto`: each sync also applies edits to responses older than its window, from the "
            "v2 API's `updatedAt` filter (Formbricks 4.2.0 and later), where the server has it. "
            f"`off`: it does not. Unset means `${settings.ENV_API_CHANGE_FEED}`, else `auto`."
        ),
    )
    changes_per_sync: int | None = Field(
        default=None,
        description=(
            "Edited old responses one sync reads by id (a request each); the rest wait for the "
            f"next sync. Unset means `${settings.ENV_API_CHANGES_PER_SYNC}`, else "
            f"{settings.DEFAULT_CHANGES_PER_SYNC}."
        ),
    )
    change_feed_margin_minutes: float = Field(
        default=settings.DEFAULT_CHANGE_FEED_MARGIN_MINUTES,
        ge=0,
        description=(
            "How far before its mark the change feed is read again, for edits committed late."
        ),
    )
    request_budget_path: str | None = Field(
        default=None,
        description=(
            "SQLite file holding the shared request budget. Unset means "
            f"`{settings.REQUEST_BUDGET_FILE}` in the Dagster instance's folder."
        ),
    )

    def validated_base_url(self) -> str:
        """The base URL without a trailing slash, or a configuration error naming the setting."""
        base_url = self.base_url.strip().rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AnalyticsConfigurationError(
                f"{self.base_url_env} must be an http(s) URL such as "
                f"https://app.formbricks.com/api; got {base_url!r}."
            )
        return base_url

    def resolved_page_size(self) -> int:
        """Responses per page: the field, else `ANALYTICS_API_PAGE_SIZE`, else 100."""
        if self.page_size is None:
            return read_settings().page_size
        return _at_least(self.page_size, "analytics_api.page_size", 1)

    def resolved_requests_per_minute(self) -> int:
        """The request budget: the field, else `ANALYTICS_API_REQUESTS_PER_MINUTE`, else 100."""
        if self.requests_per_minute is None:
            return read_settings().requests_per_minute
        return _at_least(self.requests_per_minute, "analytics_api.requests_per_minute", 0)

    def resolved_generation(self) -> str:
        """`auto`, `legacy` or `current`: the field, else `ANALYTICS_API_GENERATION`, else auto."""
        if self.api_generation is None:
            return read_settings().api_generation
        return parse_generation_setting(self.api_generation)

    def resolved_change_feed(self) -> str:
        """`auto` or `off`: the field, else `ANALYTICS_API_CHANGE_FEED`, else auto."""
        if self.change_feed is None:
            return read_settings().change_feed
        setting = self.change_feed.strip().lower()
        if setting not in settings.CHANGE_FEED_SETTINGS:
            raise AnalyticsConfigurationError(
                f"analytics_api.change_feed={self.change_feed!r} must be `auto` or `off`."
            )
        return setting

    def resolved_changes_per_sync(self) -> int:
        """Edited old responses per sync: the field, else the variable, else the default."""
        if self.changes_per_sync is None:
            return read_settings().changes_per_sync
        return _at_least(self.changes_per_sync, "analytics_api.changes_per_sync", 1)

    def validated_api_key(self) -> str:
        """The API key, or a configuration error naming the setting (never the value)."""
        if not self.api_key.strip():
            raise AnalyticsConfigurationError(
                f"{self.api_key_env} is empty: set it to a management API key."
            )
        return self.api_key.strip()

    def request_budget(
        self, instance_dir: str | None, max_wait_seconds: float | None = None
    ) -> RequestBudget | None:
        """The shared request budget, or None when `requests_per_minute` is 0.

        Args:
            instance_dir: The Dagster instance's folder, where the budget file lives by default.
            max_wait_seconds: Longest wait for the budget; None waits as long as it takes.
        """
        requests_per_minute = self.resolved_requests_per_minute()
        if self.request_budget_period_seconds <= 0:
            raise AnalyticsConfigurationError(
                "analytics_api.request_budget_period_seconds must be more than 0."
            )
        if requests_per_minute == 0:
            return None
        if self.request_budget_path:
            path = Path(self.request_budget_path).expanduser()
        else:
            folder = instance_dir or read_settings().dagster_home or Path.cwd() / "data"
            path = Path(folder) / settings.REQUEST_BUDGET_FILE
        return RequestBudget(
            requests=requests_per_minute,
            period_seconds=self.request_budget_period_seconds,
            state_path=path.resolve(),
            max_wait_seconds=max_wait_seconds,
        )

    @contextmanager
    def open_session(
        self,
        instance_dir: str | None = None,
        *,
        retries: bool = True,
        max_wait_seconds: float | None = None,
    ) -> Iterator[Session]:
        """An HTTP session with this resource's retry policy and request budget, closed after.

        Args:
            instance_dir: The Dagster instance's folder (where the budget file lives).
            retries: False sends each request once (sensors: the next tick is the retry).
            max_wait_seconds: Longest wait for the request budget; None waits.
        """
        self.validated_base_url()
        session = build_retrying_session(
            max_retries=self.max_retries if retries else 0,
            backoff_factor=self.backoff_factor,
            max_retry_delay_seconds=self.max_retry_delay_seconds,
            request_timeout_seconds=self.request_timeout_seconds,
            budget=self.request_budget(instance_dir, max_wait_seconds),
            rate_limit_window_seconds=self.request_budget_period_seconds,
        )
        try:
            yield session
        finally:
            close_session(session)

    def rest_client(self, session: Session) -> RESTClient:
        """dlt's REST client on this API with the key, over `session` (for the generation probe)."""
        return RESTClient(
            base_url=self.validated_base_url(),
            auth=APIKeyAuth(
                name=settings.API_KEY_HEADER,
                api_key=self.validated_api_key(),
                location="header",
            ),
            session=session,
        )

    def build_source(
        self,
        session: Session,
        *,
        full_refresh: bool = False,
        ledger: RunLedger | None = None,
        attribute_keys: AttributeKeys | None = None,
    ) -> DltSource:
        """The dlt source of the six endpoints, with this resource's key and knobs. No request.

        Args:
            session: From `open_session`.
            full_refresh: Read every response instead of the incremental window.
            ledger: The run's ledger; its `generation` picks the endpoints (default: the
                current generation).
            attribute_keys: The attribute keys the generation probe fetched, if it did.
        """
        if self.responses_lookback_hours < 0:
            raise AnalyticsConfigurationError(
                "analytics_api.responses_lookback_hours must be 0 or more; "
                f"got {self.responses_lookback_hours}."
            )
        page_size = self.resolved_page_size()
        return build_source(
            self.validated_base_url(),
            self.validated_api_key(),
            session=session,
            page_size=page_size,
            responses_lookback_seconds=(
                None if full_refresh else self.responses_lookback_hours * 3600
            ),
            ledger=ledger,
            attribute_keys=attribute_keys,
        )

    def fetch_newest_response(
        self, instance_dir: str | None = None, timeout_seconds: float = 10.0
    ) -> dict[str, Any] | None:
        """The newest response, from exactly one request (`limit=1`) and no retries.

        Made for sensors: a tick must stay cheap and short, and the next tick is the retry. The
        request takes its token from the same budget as the runs.
        """
        with self.open_session(
            instance_dir, retries=False, max_wait_seconds=timeout_seconds
        ) as session:
            return fetch_newest_response(
                session, self.validated_base_url(), self.validated_api_key(), timeout_seconds
            )
