"""Sample survey-analytics API (Formbricks management API v1 and v2 look-alike) for the demo and
tests."""

from analytics_assets.sample_api.edit_feed import DEFAULT_EDITS_PER_MINUTE, EditFeed
from analytics_assets.sample_api.envelopes import CONTACTS_REFUSED_MESSAGE
from analytics_assets.sample_api.releases import (
    DEFAULT_EDITION,
    DEFAULT_RELEASE,
    EDITIONS,
    LEGACY_PEOPLE_LIMIT,
    RELEASES,
)
from analytics_assets.sample_api.server import FaultSpec, RequestRecord, SampleApiServer
from analytics_assets.sample_api.serving import serve
from analytics_assets.sample_api.store import ENDPOINTS, SampleDataset

__all__ = [
    "CONTACTS_REFUSED_MESSAGE",
    "DEFAULT_EDITION",
    "DEFAULT_EDITS_PER_MINUTE",
    "DEFAULT_RELEASE",
    "EDITIONS",
    "ENDPOINTS",
    "LEGACY_PEOPLE_LIMIT",
    "RELEASES",
    "EditFeed",
    "FaultSpec",
    "RequestRecord",
    "SampleApiServer",
    "SampleDataset",
    "serve",
]
