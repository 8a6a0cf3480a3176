"""Which generation of the Formbricks management API a server speaks.

Formbricks 1.x to 2.7 (`legacy`) serve people and attribute classes at `/people` and
`/attribute-classes`. Formbricks 3.0 and later (`current`) replaced them with contacts: 3.x and
4.x rewrite the old paths to the contacts endpoints, 5.x answers them with a 404 page. So an old
path that answers proves nothing, and detection asks a path only the current generation has:

- `GET /v1/management/contact-attribute-keys` answers 200 (Enterprise) or the API's own 403
  (community edition): current. Its records are the attribute keys the run loads anyway, so
  they are kept and no second request is made for them.
- It answers 404 (no such route), or a 403 that is not the API's JSON (a proxy): legacy. A
  wrong base URL answers 404 too; the first request of the load (surveys, which every version
  serves) tells the two apart.

One request per run in `auto` mode; none when `ANALYTICS_API_GENERATION` pins `legacy` or
`current`, in which case answers that contradict the pin fail the run (`ledger.py`).
"""

from dlt.sources.helpers.rest_client import RESTClient

from analytics_assets.formbricks import settings
from analytics_assets.formbricks.contacts import AttributeKeys
from analytics_assets.formbricks.errors import AnalyticsConfigurationError
from analytics_assets.formbricks.ledger import EndpointGuard, Refusal, RunLedger, fetch_records


def parse_generation_setting(value: str | None) -> str:
    """`auto`, `legacy` or `current` from the setting's text (empty means `auto`)."""
    setting = (value or "").strip().lower() or settings.GENERATION_AUTO
    if setting not in settings.GENERATION_SETTINGS:
        raise AnalyticsConfigurationError(
            f"{settings.ENV_API_GENERATION}={value!r} must be one of "
            f"{', '.join(settings.GENERATION_SETTINGS)} (auto detects it on every run)."
        )
    return setting


def detect_generation(client: RESTClient, ledger: RunLedger, attribute_keys: AttributeKeys) -> str:
    """Ask the probe path once and return `legacy` or `current`.

    The probe's answer (the attribute keys, or the community edition's refusal) is handed to
    `attribute_keys`, so the load does not ask again.

    Raises:
        requests.HTTPError: The probe failed for another reason (401, or 5xx after retries).
    """
    guard = EndpointGuard(resource=None, ledger=ledger)  # type: ignore[arg-type]
    answer = fetch_records(client, settings.GENERATION_PROBE_PATH, guard)
    if isinstance(answer, Refusal) and (answer.status == 404 or not answer.from_api):
        # No such route; or a 403 that is not the API's own (a proxy refusing a path it does
        # not know), which says nothing about contacts: the old paths will tell.
        return settings.GENERATION_LEGACY
    attribute_keys.remember(answer)
    return settings.GENERATION_CURRENT
