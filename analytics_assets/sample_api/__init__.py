"""Sample survey-analytics API (Formbricks management API v1 look-alike) for the demo and tests."""

from analytics_assets.sample_api.data import ENDPOINTS, SampleDataset
from analytics_assets.sample_api.server import FaultSpec, RequestRecord, SampleApiServer, serve

__all__ = ["ENDPOINTS", "FaultSpec", "RequestRecord", "SampleApiServer", "SampleDataset", "serve"]
