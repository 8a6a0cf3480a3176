"""Benchmarks: `python -m benchmarks.load` compares the project with plain dlt and the floor."""
