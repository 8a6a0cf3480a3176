"""Dagster + dlt assets that load a survey-analytics management API into a warehouse."""
