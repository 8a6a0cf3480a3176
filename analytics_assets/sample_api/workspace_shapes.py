"""How release 5 (read as 5.4.0-rc.1) shapes surveys and webhooks on v1.

- Records belong to a workspace: `workspaceId` takes the place `environmentId` had in 4.x.
  5.0 to 5.3.4 sent no `environmentId` at all; 5.4 adds it back, last, for integrations built
  on v1 (`addLegacyEnvironmentIdToList`, `app/lib/api/legacy-environment-id.ts`): the
  workspace's legacy environment id (the 4.x environment it was migrated from), else its own id.
- Surveys keep their questions in `blocks` (one element per block after the migration, named
  "Block 1", "Block 2", ...); v1 serves `blocks` and the `questions` derived from them
  (`withDerivedQuestions`), and `archivedAt` (5.3+; null unless archived).
"""

from __future__ import annotations

from typing import Any

from analytics_assets.sample_api.primitives import hashed_cuid

__all__ = ["workspace_survey", "workspace_webhook"]


def _insert_after(record: dict[str, Any], after: str, key: str, value: Any) -> dict[str, Any]:
    """`record` with `key` set to `value` right after `after` (at the end if it is absent)."""
    if key in record:
        return record
    if after not in record:
        return {**record, key: value}
    shaped: dict[str, Any] = {}
    for name, current in record.items():
        shaped[name] = current
        if name == after:
            shaped[key] = value
    return shaped


def _owned_by_workspace(record: dict[str, Any], workspace_id: str) -> dict[str, Any]:
    """`environmentId` replaced by `workspaceId` in place, and the legacy id appended."""
    legacy = record.get("environmentId") or workspace_id
    shaped = {
        ("workspaceId" if name == "environmentId" else name): value
        for name, value in record.items()
    }
    shaped["workspaceId"] = workspace_id
    shaped.pop("environmentId", None)
    shaped["environmentId"] = legacy
    return shaped


def _blocks(survey: dict[str, Any]) -> list[dict[str, Any]]:
    """The blocks 5.x migrated a survey's questions into: one question per block."""
    return [
        {
            # Derived from the ids alone, so the bytes do not depend on the order of reads.
            "id": hashed_cuid("block", survey["id"], str(question.get("id"))),
            "name": f"Block {index + 1}",
            "elements": [question],
        }
        for index, question in enumerate(survey.get("questions") or [])
    ]


def workspace_survey(survey: dict[str, Any], workspace_id: str) -> dict[str, Any]:
    """A canonical survey as 5.4's v1 serves it."""
    shaped = _insert_after(survey, "questions", "blocks", _blocks(survey))
    shaped = _insert_after(shaped, "closeOnDate", "archivedAt", None)
    return _owned_by_workspace(shaped, workspace_id)


def workspace_webhook(webhook: dict[str, Any], workspace_id: str) -> dict[str, Any]:
    """A canonical webhook as 5.4's v1 serves it."""
    return _owned_by_workspace(webhook, workspace_id)
