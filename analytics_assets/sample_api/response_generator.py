"""Generates the sample's responses: answers, timings, contacts, metadata, tags and notes.

Responses are drawn from the same generator as the setup records, after them, in a fixed order
(a draw moved from one helper to another changes every byte that follows). `SampleDataset`
draws the initial history with `creation_times` and `ResponseFactory.make`, and uses the
factory again for responses that tests add later.
"""

from __future__ import annotations

import random
from typing import Any

from analytics_assets.sample_api import content
from analytics_assets.sample_api.primitives import DAY_MS, Ids, Picker, iso_ms

__all__ = ["ResponseFactory", "creation_times"]

_PICK_NPS = Picker(zip(range(11), content.NPS_WEIGHTS, strict=True))
# Ratings lean towards the top of the scale, like real ones.
_PICK_RATING = {
    top: Picker((value, value) for value in range(1, top + 1)) for top in (3, 4, 5, 7, 10)
}
_PICK_BROWSER = Picker(content.BROWSERS)
_PICK_OS = Picker(content.OSES)
_PICK_COUNTRY = Picker(content.COUNTRIES)
_PICK_LINK_SOURCE = Picker([("link", 80), ("", 12), ("api", 8)])
_PICK_TAG_COUNT = Picker([(0, 60), (1, 30), (2, 10)])
_PICK_LANGUAGE = Picker([("default", 85), ("de", 10), ("fr", 5)])


def creation_times(rng: random.Random, count: int, period_start: int, now_ms: int) -> list[int]:
    """`createdAt` (ms) of `count` responses spread over the period, in no particular order."""
    span = now_ms - period_start
    created = [now_ms - 1 - offset for offset in rng.sample(range(span), count)]
    # A few pairs share a millisecond, as real traffic does, so clients must not assume
    # createdAt is unique (the order then falls back to id).
    for _ in range(max(1, count // 400) if count > 1 else 0):
        first, second = rng.sample(range(count), 2)
        created[second] = created[first]
    return created


def _answer(rng: random.Random, question: dict[str, Any]) -> Any:
    # Hand-made surveys (`SampleDataset.from_records`) may leave out what generated ones have:
    # a question without choices is answered as open text.
    kind = question.get("type")
    choices = question.get("choices") or []
    if kind == "nps":
        return _PICK_NPS(rng)
    if kind == "rating":
        return _PICK_RATING.get(question.get("range"), _PICK_RATING[5])(rng)
    if kind == "multipleChoiceSingle" and choices:
        return choices[int(rng.random() * len(choices))]["label"]["default"]
    if kind == "multipleChoiceMulti" and choices:
        labels = [choice["label"]["default"] for choice in choices]
        return rng.sample(labels, 1 + int(rng.random() * min(3, len(labels))))
    answers = content.OPEN_ANSWERS
    return answers[int(rng.random() * len(answers))]


def _ending(rng: random.Random, survey: dict[str, Any]) -> str | None:
    """The ending a finished response reached (None for a survey without endings)."""
    endings = survey.get("endings") or []
    return rng.choice(endings)["id"] if endings else None


class ResponseFactory:
    """Draws single responses from the dataset's generator and ids."""

    def __init__(
        self,
        rng: random.Random,
        ids: Ids,
        tags: list[dict[str, Any]],
        team: list[dict[str, str]],
    ) -> None:
        self._rng = rng
        self._ids = ids
        self._tags = tags
        self._team = team

    def make(
        self,
        survey: dict[str, Any],
        people: list[dict[str, Any]],
        created: int,
        *,
        cap_ms: int | None,
        fresh: bool,
    ) -> dict[str, Any]:
        """One canonical response to `survey` at `created`.

        Args:
            survey: The survey answered.
            people: Who may have answered (a response is anonymous otherwise).
            created: Its createdAt (ms).
            cap_ms: The latest an edit of it may be dated; None for no limit.
            fresh: Just submitted: no tags, notes or later edits.
        """
        rng = self._rng
        finished, data, ttc = self._answers(survey)
        spent = sum(value for key, value in ttc.items() if key != "_total")
        updated = created + spent + int(rng.random() * 3000)
        contact, contact_attributes = self._contact(people)
        meta = self._meta(survey)
        tags: list[dict[str, Any]] = []
        notes: list[dict[str, Any]] = []
        floor = created  # updatedAt can not be before this
        if not fresh:
            tags, notes, updated, floor = self._triage(created, updated, cap_ms)
        if cap_ms is not None and updated > cap_ms:
            # Spread late edits over what is left of the period instead of piling them on `now`.
            updated = floor + int(rng.random() * (cap_ms - floor))
        # The draws in this literal happen in its order: keep it so.
        return {
            "id": self._ids.cuid(),
            "createdAt": iso_ms(created),
            "updatedAt": iso_ms(updated),
            "surveyId": survey["id"],
            "finished": finished,
            "endingId": _ending(rng, survey) if finished else None,
            "data": data,
            "meta": meta,
            "ttc": ttc,
            "variables": {},
            "contactAttributes": contact_attributes,
            "singleUseId": None,
            "language": _PICK_LANGUAGE(rng),
            "displayId": self._ids.cuid() if rng.random() < 0.7 else None,
            "contact": contact,
            "tags": tags,
            "notes": notes,
        }

    def _answers(self, survey: dict[str, Any]) -> tuple[bool, dict[str, Any], dict[str, int]]:
        """Whether it was finished, its answers (hidden fields included) and time to complete."""
        rng = self._rng
        random_ = rng.random
        questions = survey["questions"]
        finished = random_() < 0.75
        if finished:
            shown = questions
        else:
            # Abandoned part-way: only a prefix of the questions was answered.
            shown = questions[: 1 + int(random_() * (len(questions) - 1))]
        data: dict[str, Any] = {}
        ttc: dict[str, int] = {}
        for question in shown:
            ttc[question["id"]] = 1200 + int(random_() * 43_800)
            if not question.get("required") and random_() < 0.12:
                continue
            data[question["id"]] = _answer(rng, question)
        hidden = survey.get("hiddenFields") or {}
        if hidden.get("enabled"):
            for field_id in hidden.get("fieldIds") or []:
                if rng.random() < 0.8:
                    data[field_id] = rng.choice(content.HIDDEN_SOURCES)
        if finished:
            # The real API stores a `_total` only once a response is finished.
            ttc["_total"] = sum(ttc.values())
        return finished, data, ttc

    def _contact(self, people: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, dict]:
        """Who answered (None: anonymous), and the attributes the response recorded of them."""
        rng = self._rng
        if not (people and rng.random() < 0.6):
            return None, {}
        person = people[int(rng.random() * len(people))]
        attributes = {"userId": person.get("userId")}
        if "email" in (person.get("attributes") or {}):
            attributes["email"] = person["attributes"]["email"]
        return {"id": person["id"], "userId": person.get("userId")}, attributes

    def _meta(self, survey: dict[str, Any]) -> dict[str, Any]:
        rng = self._rng
        source = "app" if survey.get("type") == "app" else _PICK_LINK_SOURCE(rng)
        if source == "api":
            # Responses posted through the API carry only what the caller sent.
            return {"source": "api"}
        if source == "app":
            url = rng.choice(content.APP_URLS)
        else:
            url = f"https://app.formbricks.com/s/{survey['id']}"
            if rng.random() < 0.3:
                url += "?source=" + rng.choice(content.LINK_REFERRERS)
        os = _PICK_OS(rng)
        if os in ("iOS", "Android"):
            device = "tablet" if rng.random() < 0.15 else "mobile"
        else:
            device = "desktop"
        return {
            "source": source,
            "url": url,
            "userAgent": {"browser": _PICK_BROWSER(rng), "os": os, "device": device},
            "country": _PICK_COUNTRY(rng),
        }

    def _triage(
        self, created: int, updated: int, cap_ms: int | None
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int, int]:
        """Tags and notes added later by someone reading the responses.

        Returns:
            The tags, the notes, the new updatedAt, and the earliest an edit may still be.
        """
        rng = self._rng
        tag_count = _PICK_TAG_COUNT(rng)
        tags = [dict(tag) for tag in rng.sample(self._tags, tag_count)] if tag_count else []
        if tags or rng.random() < 0.1:
            updated = max(updated, created + rng.randrange(60_000, 5 * DAY_MS))
        if rng.random() >= 0.05:
            return tags, [], updated, created
        note, note_updated = self._note(created, cap_ms)
        return tags, [note], max(updated, note_updated), note_updated

    def _note(self, created: int, cap_ms: int | None) -> tuple[dict[str, Any], int]:
        """A note on the response, and when it was last edited (ms)."""
        rng = self._rng
        note_created = created + rng.randrange(60_000, 3 * DAY_MS)
        if cap_ms is not None:
            note_created = min(note_created, cap_ms)
        note_created = max(note_created, created)
        edited = rng.random() < 0.2
        note_updated = note_created + (rng.randrange(1000, 600_000) if edited else 0)
        if cap_ms is not None:
            note_updated = min(note_updated, cap_ms)
        author = rng.choice(self._team)
        note = {
            "id": self._ids.cuid(),
            "createdAt": iso_ms(note_created),
            "updatedAt": iso_ms(note_updated),
            "text": rng.choice(content.NOTES),
            "isResolved": rng.random() < 0.4,
            "isEdited": edited,
            "user": {"id": author["id"], "name": author["name"]},
        }
        return note, note_updated
