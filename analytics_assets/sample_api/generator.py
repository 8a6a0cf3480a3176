"""Draws a sample's setup from a seed: the one generator, the environment, the setup records in
a fixed order, and the period the responses will fill.

`SampleDataset.generate` (`store.py`) calls `generate_setup`, then draws the responses from the
same generator (`response_generator.py`). The order of the calls below is part of the output:
the same seed gives the same bytes only as long as it stays.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from analytics_assets.sample_api import content
from analytics_assets.sample_api.primitives import DAY_MS, Ids, to_ms, wall_clock_ms
from analytics_assets.sample_api.setup_generator import (
    SetupDraw,
    make_action_classes,
    make_attribute_classes,
    make_people,
    make_tag,
    make_webhooks,
)
from analytics_assets.sample_api.survey_generator import make_surveys

__all__ = ["GeneratedSetup", "generate_setup"]


@dataclass
class GeneratedSetup:
    """Everything drawn before the responses, and the generator to draw them from."""

    rng: random.Random
    ids: Ids
    now_ms: int
    # With no explicit `now`, edits are stamped with the wall clock (see `SampleDataset`).
    live_clock: bool
    period_start: int
    environment_id: str
    tables: dict[str, list[dict[str, Any]]]
    tags: list[dict[str, Any]]
    team: list[dict[str, str]]


def generate_setup(
    *,
    seed: int,
    responses: int,
    surveys: int,
    people: int,
    action_classes: int,
    attribute_classes: int,
    webhooks: int,
    days: int,
    now: datetime | None,
) -> GeneratedSetup:
    """The setup records of `SampleDataset.generate` (which documents the arguments).

    Raises:
        ValueError: If a size is out of range.
    """
    if surveys < 1 or responses < 0 or people < 0 or days < 1:
        raise ValueError("need surveys >= 1, days >= 1 and non-negative counts")
    if attribute_classes < 3:
        raise ValueError("attribute_classes must be at least 3 (userId, email, language)")
    if responses > days * DAY_MS:
        raise ValueError("more responses than milliseconds in the period")
    now_ms = wall_clock_ms() if now is None else to_ms(now)
    rng = random.Random(seed)
    ids = Ids(rng)
    # Everything but responses predates the response period, so responses only reference
    # surveys and people that already existed.
    draw = SetupDraw(rng, ids, ids.cuid(), period_start=now_ms - days * DAY_MS, now_ms=now_ms)
    tags = [make_tag(draw, name) for name in content.TAG_NAMES]
    team = [{"id": ids.cuid(), "name": name} for (name,) in content.TEAM]
    tables = {
        "surveys": make_surveys(draw, surveys, team),
        "action_classes": make_action_classes(draw, action_classes),
        "attribute_classes": make_attribute_classes(draw, attribute_classes),
    }
    tables["people"] = make_people(draw, people, tables["attribute_classes"])
    tables["webhooks"] = make_webhooks(draw, webhooks, tables["surveys"])
    return GeneratedSetup(
        rng=rng,
        ids=ids,
        now_ms=now_ms,
        live_clock=now is None,
        period_start=draw.period_start,
        environment_id=draw.environment_id,
        tables=tables,
        tags=tags,
        team=team,
    )
