"""Keys, group, descriptions, kinds and freshness of one instance's ingestion assets, and the
descriptions of their columns."""

from collections.abc import Mapping
from typing import Any

from dagster import (
    AssetSpec,
    FreshnessPolicy,
    TableColumn,
    TableColumnConstraints,
    TableSchema,
    TableSchemaMetadataValue,
)
from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData

from analytics_assets.component.metadata import COLUMN_SCHEMA, table_metadata
from analytics_assets.component.names import LoaderNames
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.columns import table_columns, warehouse_name
from analytics_assets.formbricks.descriptions import RAW_COLUMN_DESCRIPTIONS

OWNERS = ["team:data-platform"]

# The column hint dagster-dlt lists by name only, among a column's "other" constraints.
_DESCRIPTION_HINT = "description"


def declared_column_schema(table: str) -> TableSchema:
    """The columns `columns.py` declares for a raw table, with dlt's types and their descriptions:
    the table's column schema before its first materialization (fields dlt meets later, dlt's own
    columns and the nested tables appear once it is loaded)."""
    described = RAW_COLUMN_DESCRIPTIONS.get(table, {})
    columns = []
    for field, hint in table_columns(table).items():
        name = warehouse_name(field)
        columns.append(
            TableColumn(name=name, type=hint["data_type"], description=described.get(name))
        )
    return TableSchema(columns=columns)


def _describe(schema: TableSchema, descriptions: Mapping[str, str]) -> TableSchema:
    """`schema` with each column's description; `description` no longer among its constraints."""
    columns = []
    for column in schema.columns:
        constraints = column.constraints
        if constraints is not None and _DESCRIPTION_HINT in constraints.other:
            constraints = TableColumnConstraints(
                nullable=constraints.nullable,
                unique=constraints.unique,
                other=[hint for hint in constraints.other if hint != _DESCRIPTION_HINT],
            )
        columns.append(
            TableColumn(
                name=column.name,
                type=column.type,
                description=descriptions.get(column.name, column.description),
                constraints=constraints,
                tags=column.tags,
            )
        )
    return TableSchema(columns=columns, constraints=schema.constraints)


def with_column_descriptions(table: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """dagster-dlt's metadata of one raw table, its column schemas given their descriptions.

    dagster-dlt builds `dagster/column_schema` (and one schema per nested table, under the
    nested table's name) from dlt's schema, but keeps only the name of a column's `description`
    hint, not its text (`dagster_dlt/resource.py _extract_table_schema_metadata`). The texts are
    `descriptions.py`'s, the same dlt was given.
    """
    described = dict(metadata)
    for key, value in metadata.items():
        if key == COLUMN_SCHEMA:
            name = table
        elif key.startswith(f"{table}__"):
            name = key
        else:
            continue
        wrapped = isinstance(value, TableSchemaMetadataValue)
        schema = value.schema if wrapped else value
        if not isinstance(schema, TableSchema):
            continue
        schema = _describe(schema, RAW_COLUMN_DESCRIPTIONS.get(name, {}))
        described[key] = TableSchemaMetadataValue(schema) if wrapped else schema
    return described


class AnalyticsApiTranslator(DagsterDltTranslator):
    """The ingestion assets' specs, chosen in one place.

    Unlike the default translator, this one adds no upstream assets: the API itself is not
    something Dagster materializes, so a `<source>_<resource>` dependency would be a phantom.
    Responses carry the freshness policy: the one table a sync keeps moving. Each spec carries
    its declared columns with their descriptions (`declared_column_schema`).
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
                    **table_metadata(
                        table_name=f"{self.names.dataset}.{name}",
                        column_schema=declared_column_schema(name),
                    ),
                    "endpoint": settings.endpoint_label(name),
                },
            )
        )
        if name == settings.PAGED_RESOURCE and self.responses_freshness is not None:
            spec = spec.replace_attributes(freshness_policy=self.responses_freshness)
        return spec
