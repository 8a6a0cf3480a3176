"""Each name `formbricks/dlt_compat.py` takes from dlt's internals, pinned: where it lives and the
shape the project relies on. A failure names the dlt name and what to do after an upgrade.

Fast: no HTTP, no Dagster run, no pipeline run.
"""

import importlib
import inspect
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from analytics_assets.formbricks import dlt_compat

UPGRADE_HELP = (
    "A dlt upgrade moved or changed `{name}` (imported from `{module}`). Find where this dlt "
    "version keeps it (or its public replacement), import it from there in "
    "analytics_assets/formbricks/dlt_compat.py, update the docstring there, and check its "
    "callers still get {relied}."
)


def _internal(module: str, name: str, relied: str) -> Any:
    """`module.name` as dlt defines it, failing with `UPGRADE_HELP` if it is not there."""
    help_text = UPGRADE_HELP.format(name=name, module=module, relied=relied)
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"{help_text} ({error})")
    assert getattr(dlt_compat, name) is found, help_text
    return found


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_item_transform_is_a_placeable_pipe_step() -> None:
    relied = "a base class taking `transform_f`, called as `(item, meta)`, with a float class "
    relied += "attribute `placement_affinity` that dlt orders pipe steps by"
    cls = _internal("dlt.extract.items_transform", "ItemTransform", relied)
    help_text = UPGRADE_HELP.format(name="ItemTransform", module=cls.__module__, relied=relied)
    assert _parameters(cls.__init__)[:2] == ["self", "transform_f"], help_text
    assert _parameters(cls.__call__)[:3] == ["self", "item", "meta"], help_text
    assert isinstance(cls.placement_affinity, float | int), help_text

    class Doubles(cls):  # type: ignore[misc, valid-type]
        placement_affinity = 0.95

        def __init__(self) -> None:
            super().__init__(self._double)

        def __call__(self, item: Any, meta: Any = None) -> Iterator[Any]:
            yield from self._double(item)

        def _double(self, item: Any) -> Iterator[Any]:
            yield item * 2

    assert list(Doubles()(2)) == [4], help_text


def test_coerce_value_coerces_as_the_row_normalizer_does() -> None:
    relied = "`coerce_value(to_type, from_type, value)`, raising on a value it cannot coerce"
    coerce_value = _internal("dlt.common.data_types.type_helpers", "coerce_value", relied)
    help_text = UPGRADE_HELP.format(
        name="coerce_value", module="dlt.common.data_types.type_helpers", relied=relied
    )
    assert _parameters(coerce_value) == ["to_type", "from_type", "value"], help_text
    assert coerce_value("bigint", "text", "7") == 7, help_text
    assert coerce_value("text", "bigint", 7) == "7", help_text
    with pytest.raises((ValueError, TypeError)):
        coerce_value("bigint", "text", "seven")


def test_py_type_to_sc_type_names_dlt_types() -> None:
    relied = "`py_type_to_sc_type(python_type)` returning dlt's type names"
    py_type_to_sc_type = _internal(
        "dlt.common.data_types.type_helpers", "py_type_to_sc_type", relied
    )
    help_text = UPGRADE_HELP.format(
        name="py_type_to_sc_type", module="dlt.common.data_types.type_helpers", relied=relied
    )
    found = {t: py_type_to_sc_type(t) for t in (str, int, float, bool, datetime, dict, list)}
    assert found == {
        str: "text",
        int: "bigint",
        float: "double",
        bool: "bool",
        datetime: "timestamp",
        dict: "json",
        list: "json",
    }, help_text


def test_is_iso_timestamp_detects_iso_texts_only() -> None:
    relied = "`is_iso_timestamp(python_type, value)` returning 'timestamp' or None"
    is_iso_timestamp = _internal("dlt.common.schema.detections", "is_iso_timestamp", relied)
    help_text = UPGRADE_HELP.format(
        name="is_iso_timestamp", module="dlt.common.schema.detections", relied=relied
    )
    assert is_iso_timestamp(str, "2026-11-20T11:00:00.000Z") == "timestamp", help_text
    assert is_iso_timestamp(str, "seven") is None, help_text


def test_resolve_best_writer_spec_names_the_arrow_file_format() -> None:
    relied = "`resolve_best_writer_spec(item_format, possible_formats, preferred)` returning a "
    relied += (
        "spec whose `file_format` is CSV for Arrow on PostgreSQL's formats, Parquet on DuckDB's"
    )
    resolve = _internal("dlt.common.data_writers.writers", "resolve_best_writer_spec", relied)
    help_text = UPGRADE_HELP.format(
        name="resolve_best_writer_spec", module="dlt.common.data_writers.writers", relied=relied
    )
    assert _parameters(resolve) == [
        "item_format",
        "possible_file_formats",
        "preferred_format",
    ], help_text
    postgres = resolve("arrow", ["insert_values", "csv", "model"], "insert_values")
    assert postgres.file_format == "csv", help_text
    duckdb = resolve("arrow", ["insert_values", "parquet", "jsonl", "model"], "parquet")
    assert duckdb.file_format == "parquet", help_text


def test_pipeline_drop_drops_resources_and_reports_tables() -> None:
    relied = "`pipeline_drop(pipeline, resources=[...])` returning a callable whose `info` "
    relied += "has `tables`"
    pipeline_drop = _internal("dlt.pipeline.helpers", "pipeline_drop", relied)
    help_text = UPGRADE_HELP.format(
        name="pipeline_drop", module="dlt.pipeline.helpers", relied=relied
    )
    assert inspect.isclass(pipeline_drop), help_text
    assert _parameters(pipeline_drop.__init__)[1:3] == ["pipeline", "resources"], help_text
    assert _parameters(pipeline_drop.__call__) == ["self"], help_text
    # `info` is set in `__init__` from what it would drop: its `tables` key is read after.
    assert 'self.info["tables"]' in inspect.getsource(pipeline_drop), help_text


def test_destination_from_reference_resolves_names() -> None:
    relied = "`Destination.from_reference(name)` returning a factory, raising on an unknown name"
    destination = _internal("dlt.common.destination", "Destination", relied)
    help_text = UPGRADE_HELP.format(
        name="Destination", module="dlt.common.destination", relied=relied
    )
    assert destination.from_reference("duckdb").destination_name == "duckdb", help_text
    with pytest.raises(Exception):  # noqa: B017 (dlt raises one of several unknown-name errors)
        destination.from_reference("no_such_destination_at_all")


def test_get_dlt_pipelines_dir_names_dlts_default_working_folder(tmp_path, monkeypatch) -> None:
    relied = "`get_dlt_pipelines_dir()` returning the folder dlt.pipeline() uses by default"
    get_dir = _internal("dlt.common.pipeline", "get_dlt_pipelines_dir", relied)
    help_text = UPGRADE_HELP.format(
        name="get_dlt_pipelines_dir", module="dlt.common.pipeline", relied=relied
    )
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path))
    assert _parameters(get_dir) == [], help_text
    assert str(get_dir()).startswith(str(tmp_path)), help_text


def test_every_compat_name_has_a_test_here() -> None:
    tested = {
        "ItemTransform",
        "coerce_value",
        "py_type_to_sc_type",
        "is_iso_timestamp",
        "resolve_best_writer_spec",
        "pipeline_drop",
        "Destination",
        "get_dlt_pipelines_dir",
    }
    assert set(dlt_compat.__all__) == tested, (
        "dlt_compat.py imports a name this file does not pin (or no longer imports one it "
        "pins): add a test for each new name, remove the test of a name gone."
    )
