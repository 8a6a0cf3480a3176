"""The project's errors, and the translation of a failed dlt run into one a person can act on.

dlt reports a failed request as a chain (`PipelineStepFailed` -> `ResourceExtractionError` ->
`HTTPError`) whose top message is about dlt, not about the API. `explain_load_failure` finds the
cause and says which endpoint failed, how, and what to do; the original chain stays attached.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from analytics_assets.formbricks import settings


class AnalyticsConfigurationError(ValueError):
    """A setting of the project is missing or malformed; raised before any request is made."""


class AnalyticsApiError(RuntimeError):
    """The API answered with an error status or a body that breaks its contract."""


class AnalyticsLoadError(RuntimeError):
    """A load failed; the message names the endpoint, the cause and what to do."""


class EndpointUnavailableError(AnalyticsApiError):
    """An endpoint the run cannot do without (surveys, responses) was refused (403 or 404)."""


class ApiGenerationError(AnalyticsApiError):
    """The server is not of the API generation the run expected (`ANALYTICS_API_GENERATION`)."""


class WrongBaseUrlError(AnalyticsApiError):
    """Every endpoint the run asked answered 404: the base URL is not the API's root."""


# What to check when the API rejects the key. Since Formbricks 3.8 a key belongs to the
# organization and lists the workspaces it may read; one with no workspace is rejected (401) by
# every endpoint but surveys, which 5.x answers with an empty list.
@dataclass(frozen=True)
class SettingNames:
    """The settings a message tells the user to check: one loader instance's.

    Attributes:
        base_url: The environment variable of the base URL.
        api_key: The environment variable of the key.
        api_resource: The resource that holds both.
    """

    base_url: str = settings.ENV_API_BASE_URL
    api_key: str = settings.ENV_API_KEY
    api_resource: str = "analytics_api"


def key_help(names: SettingNames = SettingNames()) -> str:
    """What to check when the API rejects the key."""
    return (
        f"Check {names.api_key} (resource {names.api_resource}, field api_key): it must be a "
        "management API key of this server. Since Formbricks 3.8 a key belongs to the "
        "organization and is refused unless it has read access to at least one workspace: in "
        "Formbricks, open Organization settings > API Keys and give the key read access under "
        "Workspace Access (Project Access, with an environment, before 4.9)."
    )


def wrong_base_url_message(paths: list[str], names: SettingNames = SettingNames()) -> str:
    """Why every endpoint answering 404 means the base URL, naming the paths asked."""
    asked = ", ".join(f"GET {path}" for path in paths)
    return (
        f"every endpoint this run asked answered HTTP 404 ({asked}). Every Formbricks version "
        f"serves GET {settings.SURVEYS_PATH}, so {names.base_url} is not the API's "
        "root: it is the URL the paths hang off, ending in /api, e.g. "
        "https://app.formbricks.com/api or https://<your-host>/api."
    )


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and everything it wraps, outermost first (dlt keeps some in `.exception`)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend(
            [getattr(current, "exception", None), current.__cause__, current.__context__]
        )


def _endpoint_of(error: BaseException, paths: Mapping[str, str]) -> str:
    for cause in _causes(error):
        resource = getattr(cause, "pipe_name", None)
        if isinstance(resource, str) and resource in paths:
            return f"{resource} (GET {paths[resource]})"
    for cause in _causes(error):
        response = getattr(cause, "response", None)
        if isinstance(response, requests.Response):
            path = urlsplit(response.url).path
            # As the docs write it: from /v1/ on, without the base URL's own path (/api).
            return f"GET {path[path.find('/v1/') :] if '/v1/' in path else path}"
    return "the analytics API"


def explain_load_failure(
    error: BaseException,
    *,
    attempts: int,
    paths: Mapping[str, str],
    names: SettingNames = SettingNames(),
) -> BaseException:
    """An `AnalyticsLoadError` describing why a load failed, or `error` itself if not API-related.

    Args:
        error: What `pipeline.run` (or the generation probe before it) raised.
        attempts: Attempts each request was given (retries + 1), quoted in the message.
        paths: Resource name -> the path it reads in this run, to name the endpoint.
        names: The settings to name in the message.
    """
    endpoint = _endpoint_of(error, paths)
    nothing_lost = (
        "No table was changed by this run; the next successful run loads everything it missed."
    )
    for cause in _causes(error):
        if isinstance(cause, (AnalyticsApiError, AnalyticsConfigurationError)):
            return AnalyticsLoadError(f"{endpoint}: {cause} {nothing_lost}")
        if isinstance(cause, requests.HTTPError) and cause.response is not None:
            status = cause.response.status_code
            if status in (401, 403):
                return AnalyticsLoadError(
                    f"{endpoint}: the API rejected the key (HTTP {status}). {key_help(names)} "
                    f"{nothing_lost}"
                )
            if status == 429:
                return AnalyticsLoadError(
                    f"{endpoint}: the API kept answering HTTP 429 (rate limited) after {attempts} "
                    f"attempts. Lower {settings.ENV_API_REQUESTS_PER_MINUTE} "
                    "(analytics_api.requests_per_minute), or run again later. "
                    f"{nothing_lost}"
                )
            if status >= 500:
                return AnalyticsLoadError(
                    f"{endpoint}: the API failed with HTTP {status} on all {attempts} attempts. "
                    f"It is having trouble; run again later. {nothing_lost}"
                )
            if status == 404:
                return AnalyticsLoadError(
                    f"{endpoint}: HTTP 404. Check {names.base_url}: it is the root "
                    "the paths hang off, e.g. https://app.formbricks.com/api. " + nothing_lost
                )
            return AnalyticsLoadError(f"{endpoint}: HTTP {status}. {nothing_lost}")
        if isinstance(cause, (requests.ConnectionError, requests.Timeout)):
            kind = "timed out" if isinstance(cause, requests.Timeout) else "could not connect"
            return AnalyticsLoadError(
                f"{endpoint}: {kind} on all {attempts} attempts ({type(cause).__name__}). Check "
                f"{names.base_url} and the network, or run again later. {nothing_lost}"
            )
    return error
