"""The component's names: this project's defs.yaml keeps every name the location has had."""

from pathlib import Path

import pytest
import yaml

from analytics_assets.component import FormbricksLoader
from analytics_assets.component.names import LoaderNames

DEFS_YAML = (
    Path(__file__).resolve().parents[2] / "analytics_assets" / "defs" / "formbricks" / "defs.yaml"
)


def _instance(attributes: str) -> FormbricksLoader:
    return FormbricksLoader.resolve_from_yaml(attributes)


def test_this_projects_instance_has_the_names_the_location_always_had() -> None:
    document = yaml.safe_load(DEFS_YAML.read_text())

    assert document["type"] == "analytics_assets.component.FormbricksLoader"
    assert _instance(yaml.safe_dump(document["attributes"])).names() == LoaderNames()


def test_a_second_instance_derives_every_name_from_its_key_prefix() -> None:
    names = _instance("key_prefix: eu_formbricks\n").names()

    assert names == LoaderNames(
        key_prefix="eu_formbricks",
        dataset="eu_formbricks",
        pipeline="eu_formbricks",
        analytics_key_prefix="eu_formbricks_analytics",
        analytics_dataset="eu_formbricks_marts",
        pool="eu_formbricks_warehouse",
        base_url_env="EU_FORMBRICKS_BASE_URL",
        api_key_env="EU_FORMBRICKS_KEY",
        api_resource="eu_formbricks",
        warehouse_resource="eu_formbricks_warehouse",
        new_responses_sensor="eu_formbricks_new_responses_sensor",
        automation_sensor="eu_formbricks_analytics_automation_sensor",
        checks_op="eu_formbricks_raw_table_checks",
    )
    assert names.sync_job == "eu_formbricks_sync"
    assert names.full_refresh_schedule == "eu_formbricks_full_refresh_schedule"


def test_a_name_set_in_yaml_wins_and_the_analytics_schema_follows_the_dataset() -> None:
    names = _instance("key_prefix: eu\ndataset: europe\napi_key_env: EU_TOKEN\n").names()

    assert (names.dataset, names.analytics_dataset, names.api_key_env) == (
        "europe",
        "europe_marts",
        "EU_TOKEN",
    )


def test_an_unknown_attribute_is_refused() -> None:
    with pytest.raises(Exception, match="dataset_name"):
        _instance("key_prefix: eu\ndataset_name: europe\n")
