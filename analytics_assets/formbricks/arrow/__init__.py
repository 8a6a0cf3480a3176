"""Responses as Arrow: the responses table and its nested tables, built a batch at a time.

PLACEHOLDER
"""

from analytics_assets.formbricks.arrow.batches import ResponseBatches
from analytics_assets.formbricks.arrow.hints import (
    arrow_file_format,
    declare_nested_table,
    declare_nested_tables,
    responses_file_format,
)
from analytics_assets.formbricks.arrow.tables import ResponseTables

__all__ = [
    "ResponseBatches",
    "ResponseTables",
    "arrow_file_format",
    "declare_nested_table",
    "declare_nested_tables",
    "responses_file_format",
]
