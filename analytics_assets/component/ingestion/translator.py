"""Keys, group, descriptions, kinds and freshness of one instance's ingestion assets."""

from dagster import AssetSpec, FreshnessPolicy
from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData

from analytics_assets.component.metadata import table_metadata
from analytics_assets.component.names import LoaderNames
from analytics_assets.formbricks import settings

OWNERS = ["team:data-platform"]


class AnalyticsApiTranslator(DagsterDltTranslator):
    """The ingestion assets' specs, chosen in one place.

    Unlike the default translator, this one adds no upstream assets: the API itself is not
    something Dagster materializes, so a `<source>_<resource>` dependency would be a phantom.
    Responses carry the freshness policy: the one table a sync keeps moving.
    """

    def __init__(
        self, names: LoaderNames, kind: str, responses_freshness: FreshnessPolicy | None
    ) -> None:
        self.names = names
        self.kind = kind
        self.responses_freshness = responses_freshness

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        name = data.resource.name
        spec = (
            super()
            .get_asset_spec(data)
            .replace_attributes(
                key=self.names.asset_key(name),
                deps=[],
                group_name=self.names.group,
                description=settings.RESOURCE_DESCRIPTIONS[name],
                kinds={"dlt", self.kind},
                owners=OWNERS,
                metadata={
                    **table_metadata(table_name=f"{self.names.dataset}.{name}"),
                    "endpoint": settings.endpoint_label(name),
                },
            )
        )
        if name == settings.PAGED_RESOURCE and self.responses_freshness is not None:
            spec = spec.replace_attributes(freshness_policy=self.responses_freshness)
        return spec
