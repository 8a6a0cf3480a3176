"""Settings parsing: every variable read once, its default when unset, its name when malformed."""

import pytest

from analytics_assets import config
from analytics_assets.config import ProjectSettings, destination_kind, read_settings
from analytics_assets.formbricks import settings
from analytics_assets.formbricks.errors import AnalyticsConfigurationError


def test_an_empty_environment_gives_every_default() -> None:
    assert read_settings({}) == ProjectSettings()
    assert read_settings({}) == ProjectSettings(
        sync_cron="0 * * * *",
        full_refresh_cron="0 3 * * 0",
        sensor_interval_seconds=300,
        freshness_hours=2.0,
        destination="duckdb",
        duckdb_path="data/warehouse.duckdb",
        api_generation="auto",
        deletions="delete",
        page_size=100,
        requests_per_minute=100,
        dagster_home=None,
    )


def test_every_variable_is_read_into_its_field() -> None:
    environ = {
        config.ENV_SYNC_CRON: "*/15 * * * *",
        config.ENV_FULL_REFRESH_CRON: "0 4 * * 1",
        config.ENV_SENSOR_INTERVAL_SECONDS: "45",
        config.ENV_FRESHNESS_HOURS: "0.5",
        settings.ENV_DESTINATION: " Postgres ",
        settings.ENV_DUCKDB_PATH: "/tmp/w.duckdb",
        settings.ENV_API_GENERATION: "LEGACY",
        settings.ENV_DELETIONS: "Flag",
        settings.ENV_API_PAGE_SIZE: "250",
        settings.ENV_API_REQUESTS_PER_MINUTE: "0",
        config.ENV_DAGSTER_HOME: "/srv/dagster",
    }

    assert read_settings(environ) == ProjectSettings(
        sync_cron="*/15 * * * *",
        full_refresh_cron="0 4 * * 1",
        sensor_interval_seconds=45,
        freshness_hours=0.5,
        destination="postgres",
        duckdb_path="/tmp/w.duckdb",
        api_generation="legacy",
        deletions="flag",
        page_size=250,
        requests_per_minute=0,
        dagster_home="/srv/dagster",
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            settings.ENV_API_PAGE_SIZE,
            "0",
            "ANALYTICS_API_PAGE_SIZE='0' must be a whole number of at least 1.",
        ),
        (
            settings.ENV_API_PAGE_SIZE,
            "ten",
            "ANALYTICS_API_PAGE_SIZE='ten' must be a whole number of at least 1.",
        ),
        (
            settings.ENV_API_REQUESTS_PER_MINUTE,
            "-1",
            "ANALYTICS_API_REQUESTS_PER_MINUTE='-1' must be a whole number of at least 0.",
        ),
        (
            config.ENV_SENSOR_INTERVAL_SECONDS,
            "soon",
            "ANALYTICS_SENSOR_INTERVAL_SECONDS='soon' must be a whole number of seconds.",
        ),
        (
            config.ENV_SENSOR_INTERVAL_SECONDS,
            "0",
            "ANALYTICS_SENSOR_INTERVAL_SECONDS='0' must be a whole number of seconds.",
        ),
        (
            config.ENV_FRESHNESS_HOURS,
            "nan",
            "ANALYTICS_FRESHNESS_HOURS='nan' must be a number of hours above 0.",
        ),
        (
            config.ENV_FRESHNESS_HOURS,
            "-2",
            "ANALYTICS_FRESHNESS_HOURS='-2' must be a number of hours above 0.",
        ),
        (
            settings.ENV_DELETIONS,
            "purge",
            "ANALYTICS_DELETIONS='purge' must be `delete` (the warehouse shows what the API shows) "
            "or `flag` (rows the API no longer returns stay, with `deleted_at`).",
        ),
    ],
)
def test_a_malformed_value_fails_naming_the_variable(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(AnalyticsConfigurationError) as raised:
        read_settings({variable: value})

    assert str(raised.value) == message


def test_blank_numbers_mean_the_default_and_a_blank_generation_means_auto() -> None:
    parsed = read_settings(
        {
            settings.ENV_API_PAGE_SIZE: " ",
            settings.ENV_API_REQUESTS_PER_MINUTE: "",
            settings.ENV_API_GENERATION: "",
        }
    )

    assert (parsed.page_size, parsed.requests_per_minute, parsed.api_generation) == (
        100,
        100,
        "auto",
    )


def test_a_blank_destination_is_kept_for_the_warehouse_to_refuse() -> None:
    parsed = read_settings({settings.ENV_DESTINATION: "  "})

    assert parsed.destination == ""


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "duckdb"),
        ("", "duckdb"),
        ("Snowflake", "snowflake"),
        ("dlt.destinations.duckdb", "dlt.destinations.duckdb"),
        ("postgresql://analytics:s3cret-pw@db/analytics", "warehouse"),
    ],
)
def test_the_destination_kind_never_shows_a_connection_string(value: str | None, kind: str) -> None:
    assert destination_kind(value) == kind


def test_the_code_location_reads_only_what_it_needs_so_a_bad_run_setting_cannot_stop_it() -> None:
    environ = {
        settings.ENV_API_PAGE_SIZE: "ten",
        settings.ENV_DELETIONS: "purge",
        config.ENV_SYNC_CRON: "*/5 * * * *",
    }

    parsed = read_settings(environ, fields=config.LOCATION_FIELDS)

    assert parsed == ProjectSettings(sync_cron="*/5 * * * *")
