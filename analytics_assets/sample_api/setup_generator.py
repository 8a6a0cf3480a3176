"""Generates the sample's setup records: action classes, attribute classes, people, webhooks
and tags (surveys are in `survey_generator.py`), in the canonical shape `store.py` keeps.

`generator.py` calls these in a fixed order with one `SetupDraw`; every value is drawn from the
seed's generator, so drawing anything here in another order changes every byte that follows.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from analytics_assets.sample_api import content
from analytics_assets.sample_api.primitives import DAY_MS, Ids, iso_ms, weighted

__all__ = [
    "SetupDraw",
    "make_action_classes",
    "make_attribute_classes",
    "make_people",
    "make_tag",
    "make_webhooks",
    "setup_record",
]


@dataclass
class SetupDraw:
    """What every setup record is drawn from: the seed's generator and ids, the environment,
    and the times around the responses' period."""

    rng: random.Random
    ids: Ids
    environment_id: str
    # Start of the responses' period: every setup record predates it.
    period_start: int
    now_ms: int

    def created(self) -> int:
        """When a setup record was created (ms)."""
        return self.period_start - self.rng.randrange(DAY_MS // 24, 120 * DAY_MS)

    def stamps(self, created: int) -> tuple[str, int, int]:
        """A new record's id, creation and last edit (ms), drawn in that order.

        Pass them first to `setup_record` (`setup_record(*draw.stamps(created), ...)`), so they
        are drawn before anything its other arguments draw.
        """
        record_id = self.ids.cuid()
        # Setup records keep being edited; the edit may fall anywhere up to `now`.
        if self.rng.random() < 0.5:
            return record_id, created, created
        return record_id, created, self.rng.randrange(created, self.now_ms)


def setup_record(record_id: str, created: int, updated: int, **fields: Any) -> dict[str, Any]:
    """A record of a setup endpoint: its id and timestamps, then its own fields, in that order."""
    return {"id": record_id, "createdAt": iso_ms(created), "updatedAt": iso_ms(updated), **fields}


def make_tag(draw: SetupDraw, name: str) -> dict[str, Any]:
    """A response tag (tags are never edited after creation)."""
    created = draw.created()
    return setup_record(
        draw.ids.cuid(), created, created, name=name, environmentId=draw.environment_id
    )


def _by_creation(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` oldest first, as the other setup endpoints list them."""
    rows.sort(key=lambda row: (row["createdAt"], row["id"]))
    return rows


def make_action_classes(draw: SetupDraw, count: int) -> list[dict[str, Any]]:
    """Action classes, oldest first: the catalogue's, then numbered copies of it."""
    catalogue = content.ACTION_CLASSES
    rows = []
    for index in range(count):
        name, kind, spec = catalogue[index % len(catalogue)]
        if index >= len(catalogue):
            name += f" {index // len(catalogue) + 1}"
            if kind == "automatic":
                kind, spec = "code", "custom-event"
            if kind == "code":
                spec = f"{spec}-{index // len(catalogue) + 1}"
        created = draw.created()
        rows.append(
            setup_record(
                *draw.stamps(created),
                name=name,
                description=None if draw.rng.random() < 0.4 else f"Tracks: {name.lower()}",
                type=kind,
                key=spec if kind == "code" else None,
                # A copy, so no two records share the catalogue's nested dicts.
                noCodeConfig=json.loads(json.dumps(spec)) if kind == "noCode" else None,
                environmentId=draw.environment_id,
            )
        )
    return _by_creation(rows)


def make_attribute_classes(draw: SetupDraw, count: int) -> list[dict[str, Any]]:
    """Attribute classes, oldest first: the catalogue's, then custom ones."""
    rows = []
    for index in range(count):
        if index < len(content.ATTRIBUTE_CLASSES):
            name, kind, description = content.ATTRIBUTE_CLASSES[index]
        else:
            name, kind, description = f"customAttribute{index}", "code", None
        created = draw.created()
        rows.append(
            setup_record(
                *draw.stamps(created),
                name=name,
                description=description,
                type=kind,
                environmentId=draw.environment_id,
                # One retired attribute, still on old people records.
                archived=index == 5,
            )
        )
    return _by_creation(rows)


def _person_attribute(
    rng: random.Random, name: str, first: str, last: str, number: int, created: int
) -> str:
    if name == "email":
        return f"{first}.{last}{number}@{rng.choice(content.EMAIL_DOMAINS)}"
    if name == "plan":
        return weighted(rng, [("free", 60), ("pro", 30), ("enterprise", 10)])
    if name == "company":
        return rng.choice(content.COMPANIES)
    if name == "language":
        return weighted(rng, [("en", 70), ("de", 20), ("fr", 10)])
    if name == "signupDate":
        return iso_ms(created)[:10]
    if name == "role":
        return rng.choice(["admin", "member", "viewer"])
    if name == "country":
        return weighted(rng, content.COUNTRIES)
    if name == "seats":
        # Attribute values are strings in the API, even the numeric ones.
        return str(rng.choice([1, 3, 5, 10, 25]))
    return rng.choice(["a", "b", "c"]) + str(rng.randrange(100))


def make_people(
    draw: SetupDraw, count: int, attribute_classes: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """People (2.x shape), oldest first, with values of some of the attribute classes."""
    rng = draw.rng
    names = [row["name"] for row in attribute_classes if row["name"] != "userId"]
    # Keep the attribute order stable (by catalogue position), not by creation time.
    catalogue = [name for name, _, _ in content.ATTRIBUTE_CLASSES]
    names.sort(key=lambda name: catalogue.index(name) if name in catalogue else len(catalogue))
    rows = []
    for number in range(count):
        created = draw.created()
        first, last = rng.choice(content.FIRST_NAMES), rng.choice(content.LAST_NAMES)
        attributes = {}
        sparse = rng.random() < 0.25  # some people only ever sent a few attributes
        for name in names:
            if sparse and rng.random() < 0.5:
                continue
            attributes[name] = _person_attribute(rng, name, first, last, number, created)
        rows.append(
            setup_record(
                *draw.stamps(created),
                environmentId=draw.environment_id,
                userId=rng.choice(
                    [f"user_{number:05d}", f"{first}-{number}", f"u{rng.randrange(10**9)}"]
                ),
                attributes=attributes,
            )
        )
    return _by_creation(rows)


def make_webhooks(
    draw: SetupDraw, count: int, surveys: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Webhooks, oldest first, one of each source in turn."""
    rng = draw.rng
    triggers = content.WEBHOOK_TRIGGERS
    rows = []
    for index in range(count):
        source = content.WEBHOOK_SOURCES[index % len(content.WEBHOOK_SOURCES)]
        created = draw.created()
        survey_count = rng.randint(0, min(2, len(surveys)))
        rows.append(
            setup_record(
                *draw.stamps(created),
                name=None if source != "user" else f"Internal hook {index + 1}",
                url=content.WEBHOOK_URLS[source],
                source=source,
                environmentId=draw.environment_id,
                triggers=sorted(rng.sample(triggers, rng.randint(1, 3)), key=triggers.index),
                surveyIds=[survey["id"] for survey in rng.sample(surveys, survey_count)],
            )
        )
    return _by_creation(rows)
