"""The Dagster resources of one loader instance: the API connection and the warehouse."""

from analytics_assets.component.resources.api import AnalyticsApiResource
from analytics_assets.component.resources.warehouse import WarehouseResource

__all__ = ["AnalyticsApiResource", "WarehouseResource"]
