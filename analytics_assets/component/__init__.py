"""The loader as a Dagster Component, and what it builds: ingestion, analytics, checks, automation.

`FormbricksLoader` is the component; `dg list components` finds it here (`registry_modules` in
`pyproject.toml`).
"""

from analytics_assets.component.component import FormbricksLoader

__all__ = ["FormbricksLoader"]
