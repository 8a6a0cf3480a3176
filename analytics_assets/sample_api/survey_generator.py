"""Generates the sample's surveys: their questions, cards and settings, drawn from the seed's
generator when `generator.py` calls for them.
"""

from __future__ import annotations

import random
from typing import Any

from analytics_assets.sample_api import content
from analytics_assets.sample_api.primitives import Ids, weighted
from analytics_assets.sample_api.setup_generator import SetupDraw, setup_record

__all__ = ["make_surveys"]


def _make_question(rng: random.Random, ids: Ids, kind: str) -> dict[str, Any]:
    question: dict[str, Any] = {"id": ids.short(), "type": kind}
    if kind == "nps":
        question["headline"] = {
            "default": "How likely are you to recommend Acme to a friend or colleague?"
        }
        question["required"] = rng.random() < 0.8
        question["lowerLabel"] = {"default": "Not at all likely"}
        question["upperLabel"] = {"default": "Extremely likely"}
        question["isColorCodingEnabled"] = rng.random() < 0.5
    elif kind == "rating":
        question["headline"] = {"default": rng.choice(content.RATING_HEADLINES)}
        question["required"] = rng.random() < 0.6
        question["scale"] = rng.choice(["number", "star", "smiley"])
        question["range"] = rng.choice([3, 4, 5, 7, 10])
        question["lowerLabel"] = {"default": "Not good"}
        question["upperLabel"] = {"default": "Very good"}
        question["isColorCodingEnabled"] = False
    elif kind in ("multipleChoiceSingle", "multipleChoiceMulti"):
        single = kind == "multipleChoiceSingle"
        pool = content.CHOICE_QUESTIONS if single else content.MULTI_QUESTIONS
        headline, labels = rng.choice(pool)
        question["headline"] = {"default": headline}
        question["required"] = rng.random() < 0.5
        question["choices"] = [{"id": ids.short(), "label": {"default": label}} for label in labels]
        question["shuffleOption"] = rng.choice(["none", "all", "exceptLast"])
    else:
        question["headline"] = {"default": rng.choice(content.OPEN_HEADLINES)}
        question["required"] = False
        question["placeholder"] = {"default": "Type your answer here..."}
        question["inputType"] = "text"
    return question


def _make_questions(rng: random.Random, ids: Ids, index: int) -> list[dict[str, Any]]:
    others = ["rating", "multipleChoiceSingle", "multipleChoiceMulti", "openText"]
    if index == 0:
        # The first survey has every question type, so each type is always exercised.
        kinds = others[:]
        rng.shuffle(kinds)
    else:
        kinds = rng.choices(others, weights=[3, 3, 2, 3], k=rng.randint(2, 6))
    kinds.insert(rng.randrange(0, 2), "nps")
    return [_make_question(rng, ids, kind) for kind in kinds]


def _survey_status(rng: random.Random, index: int, count: int) -> str:
    if index == count - 1 and count >= 4:
        return "draft"  # never published, so it has no responses
    if index == 0:
        return "inProgress"
    return weighted(rng, [("inProgress", 6), ("paused", 1), ("completed", 1)])


def _survey_name(index: int) -> str:
    names = content.SURVEY_NAMES
    name = names[index % len(names)]
    if index >= len(names):
        name += f" #{index // len(names) + 1}"
    return name


def _welcome_card(rng: random.Random) -> dict[str, Any]:
    enabled = rng.random() < 0.4
    welcome: dict[str, Any] = {
        "enabled": enabled,
        "headline": {"default": "Welcome!"},
        "timeToFinish": rng.random() < 0.7,
        "showResponseCount": rng.random() < 0.2,
    }
    if enabled:
        welcome["html"] = {"default": "<p>Thanks for taking a minute to help us improve.</p>"}
    return welcome


def _endings(rng: random.Random, ids: Ids) -> list[dict[str, Any]]:
    return [
        {
            "id": ids.cuid(),
            "type": "endScreen",
            "headline": {"default": "Thank you!"},
            "subheader": {"default": "We appreciate your feedback."},
        }
        for _ in range(rng.randint(1, 2))
    ]


def _make_survey(
    draw: SetupDraw, index: int, count: int, team: list[dict[str, str]]
) -> dict[str, Any]:
    rng, ids = draw.rng, draw.ids
    questions = _make_questions(rng, ids, index)
    status = _survey_status(rng, index, count)
    name = _survey_name(index)
    created = draw.created()
    welcome = _welcome_card(rng)
    hidden_ids = ["source"] if rng.random() < 0.25 else []
    endings = _endings(rng, ids)
    single_use = rng.choice(
        [None, {"enabled": False, "isEncrypted": True}, {"enabled": True, "isEncrypted": False}]
    )
    # The draws in the arguments below happen after the stamps, in argument order.
    return setup_record(
        *draw.stamps(created),
        name=name,
        type=rng.choice(["link", "app"]),
        environmentId=draw.environment_id,
        createdBy=rng.choice(team)["id"],
        status=status,
        welcomeCard=welcome,
        questions=questions,
        endings=endings,
        hiddenFields={"enabled": bool(hidden_ids), "fieldIds": hidden_ids},
        variables=[],
        displayOption=rng.choice(
            ["displayOnce", "displayMultiple", "respondMultiple", "displaySome"]
        ),
        recontactDays=rng.choice([None, 7, 14, 30]),
        displayLimit=rng.choice([None, 3, 5]),
        autoClose=rng.choice([None, 10, 30]),
        runOnDate=None,
        closeOnDate=None,
        delay=rng.choice([0, 0, 5, 10]),
        displayPercentage=rng.choice([None, None, 25.5, 50.0]),
        autoComplete=rng.choice([None, 100, 500, 1000]),
        isVerifyEmailEnabled=rng.random() < 0.1,
        isSingleResponsePerEmailEnabled=rng.random() < 0.1,
        singleUse=single_use,
        pin=None,
        resultShareKey=None,
        showLanguageSwitch=None,
        languages=[],
        triggers=[],
        segment=None,
        styling=None,
        projectOverwrites=None,
        surveyClosedMessage=None,
    )


def make_surveys(draw: SetupDraw, count: int, team: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Surveys, most recently updated first (as the endpoint lists them); the last of four or
    more is a draft."""
    surveys = [_make_survey(draw, index, count, team) for index in range(count)]
    # The real endpoint lists the most recently updated surveys first.
    surveys.sort(key=lambda survey: (survey["updatedAt"], survey["id"]), reverse=True)
    return surveys
