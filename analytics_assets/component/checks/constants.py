"""The names and severities of the raw tables' checks, in one place for the code and the README."""

from typing import Final

from dagster import AssetCheckSeverity

from analytics_assets.formbricks import settings

RAW_TABLES: Final = settings.RESOURCES
RESPONSES: Final = settings.PAGED_RESOURCE
SURVEYS: Final = "surveys"

ID_CHECK: Final = "id_not_null_and_unique"
SURVEY_ID_CHECK: Final = "survey_id_in_surveys"
DELETIONS_CHECK: Final = "deletions_applied"
# The name Dagster's `build_column_schema_change_checks` gives its checks; Dagster chooses it,
# this constant only quotes it (the tests fail if Dagster renames it).
SCHEMA_CHECK: Final = "column_schema_change"

SEVERITIES: Final = {
    # dlt merges on `id`: a null or repeated id means the merge key is broken.
    ID_CHECK: AssetCheckSeverity.ERROR,
    # An orphaned response only drops out of joins on surveys: worth knowing, not blocking.
    SURVEY_ID_CHECK: AssetCheckSeverity.WARN,
    DELETIONS_CHECK: AssetCheckSeverity.WARN,
    SCHEMA_CHECK: AssetCheckSeverity.WARN,
}

# How far back `deletions_applied` looks for the latest complete read (a week of hourly syncs).
COMPLETE_READ_LOOKBACK: Final = 200
