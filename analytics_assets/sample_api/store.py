"""Deterministic sample data for the sample survey-analytics API, and the edits tests make to it.

The records mirror the Formbricks management API v1: surveys, action classes, attribute classes,
people, webhooks and responses, all in one environment. They are kept in one canonical shape and
served as the chosen release would (`releases.py`): release 2 with people and attribute classes,
releases 4 and 5 with contacts, contact attributes and attribute keys in their place. Everything is
drawn from `random.Random(seed)`, so the same seed, sizes, release and `now` give byte-identical
bodies.

Responses are the big table (a benchmark serves a few hundred thousand), so each one is kept as
pre-serialized JSON bytes in oldest-first order: a page is a slice joined into a body, and a
record is decoded and re-encoded only when it is edited.
"""

from __future__ import annotations

import json
import random
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from analytics_assets.sample_api.releases import (
    CONTACT_ENDPOINTS,
    DEFAULT_RELEASE,
    attribute_keys,
    check_release,
    contact_tables,
    owner_fields,
    routes_of,
    shape_response,
    shape_table,
)

__all__ = ["ENDPOINTS", "RESPONSES_PER_PAGE_WITH_SURVEY", "SampleDataset", "iso_ms"]

# Every endpoint of any release; `SampleDataset.endpoints` names those of its release.
ENDPOINTS: tuple[str, ...] = (
    "surveys",
    "action_classes",
    "attribute_classes",
    "people",
    "contacts",
    "contact_attributes",
    "contact_attribute_keys",
    "responses",
    "webhooks",
)
# The real API pages a survey's responses 25 at a time when `surveyId` is given without `limit`.
RESPONSES_PER_PAGE_WITH_SURVEY = 25

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
# Maps each random byte to an id character; the slight bias (256 is not a multiple of 36)
# does not matter for sample ids, and translating bytes is far faster than drawing characters.
_ID_TABLE = bytes(ord(_ALNUM[value % 36]) for value in range(256))
_EPOCH = datetime(1970, 1, 1)
_DAY_MS = 86_400_000
# Fields whose change would move a response in the order or between surveys; the real API
# never changes them after creation.
_IMMUTABLE_RESPONSE_FIELDS = frozenset({"id", "createdAt", "surveyId"})

_SURVEY_NAMES = [
    "Product-Market Fit",
    "Onboarding Experience",
    "Churn Survey",
    "Feature Prioritisation",
    "Quarterly NPS",
    "Pricing Feedback",
    "Support Satisfaction",
    "Website Exit Intent",
    "Beta Program Check-in",
    "Customer Effort Score",
    "Trial Conversion",
    "Mobile App Rating",
]
_RATING_HEADLINES = [
    "How easy was it to get started?",
    "How satisfied are you with our support?",
    "How would you rate the new dashboard?",
    "How well does the product meet your needs?",
    "How would you rate the documentation?",
]
_CHOICE_QUESTIONS = [
    ("What is your role?", ["Engineering", "Product", "Design", "Marketing", "Founder", "Other"]),
    (
        "How did you hear about us?",
        ["Search", "Friend or colleague", "Social media", "Blog", "Event"],
    ),
    ("Which plan are you on?", ["Free", "Pro", "Enterprise"]),
    ("How often do you use the product?", ["Daily", "Weekly", "Monthly", "Rarely"]),
    ("What would you miss most?", ["Dashboards", "Integrations", "Exports", "Alerts", "API"]),
]
_MULTI_QUESTIONS = [
    ("Which features do you use?", ["Surveys", "Insights", "Integrations", "Webhooks", "Exports"]),
    (
        "Which tools do you connect?",
        ["Slack", "Notion", "Zapier", "Airtable", "HubSpot", "Segment"],
    ),
    ("What should we improve?", ["Speed", "Design", "Pricing", "Docs", "Mobile app"]),
]
_OPEN_HEADLINES = [
    "What is the main reason for your score?",
    "What could we do better?",
    "Anything else you'd like to tell us?",
    "What almost stopped you from signing up?",
]
_OPEN_ANSWERS = [
    "Great product, the setup took five minutes.",
    "Too expensive for a small team.",
    "The API docs could use more examples.",
    "Love the integrations with Slack!",
    "Exports are slow when we have many responses.",
    "Sehr gute Software, aber die Übersetzung ist unvollständig.",
    "Support answered within an hour, très bien.",
    "I miss a dark mode.",
    "Works fine",
    "The new editor is confusing; I couldn't find the logic settings.",
    "We switched from Typeform and don't regret it 👍",
    "Reports should be schedulable by email.",
    "n/a",
]
# Skewed like real NPS answers: most people pick 7 to 10.
_NPS_WEIGHTS = [3, 1, 1, 2, 2, 5, 6, 12, 18, 20, 22]
_BROWSERS = [("Chrome", 60), ("Safari", 20), ("Firefox", 10), ("Edge", 8), ("Opera", 2)]
_OSES = [("Mac OS", 35), ("Windows", 35), ("iOS", 12), ("Android", 12), ("Linux", 6)]
_COUNTRIES = [
    ("US", 30), ("DE", 18), ("GB", 10), ("FR", 8), ("NL", 5), ("IN", 6), ("BR", 5),
    ("CA", 5), ("ES", 4), ("AU", 3), ("JP", 3), ("CH", 3),
]  # fmt: skip
_TAG_NAMES = ["important", "follow-up", "bug", "feature-request", "churn-risk", "positive"]
_TEAM = [("Maria Lopez",), ("Jonas Becker",), ("Priya Shah",)]
_NOTES = [
    "Reached out by email.",
    "Shared with the product team.",
    "Duplicate of an earlier complaint.",
    "Customer is on the enterprise trial.",
]
_FIRST_NAMES = ["anna", "ben", "chen", "dana", "eli", "fatima", "george", "hana", "ivan", "julia"]
_LAST_NAMES = ["smith", "mueller", "garcia", "kim", "rossi", "novak", "okafor", "dubois", "sato"]
_COMPANIES = ["Acme Inc", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Ent"]
_ATTRIBUTE_CLASSES = [
    # (name, type, description)
    ("userId", "automatic", "The internal ID of the person"),
    ("email", "automatic", "The email of the person"),
    ("language", "automatic", "The language used by the person"),
    ("plan", "code", "Billing plan of the account"),
    ("company", "code", "Company the person works for"),
    ("signupDate", "code", "Day the account was created"),
    ("role", "code", "Job role given at signup"),
    ("country", "code", "Billing country"),
    ("seats", "code", "Number of paid seats"),
    ("referrer", "code", "Where the signup came from"),
]
_PRICING_VIEW = {"type": "pageView", "urlFilters": [{"value": "/pricing", "rule": "contains"}]}
_SIGNUP_CLICK = {
    "type": "click",
    "elementSelector": {"cssSelector": ".btn-signup"},
    "urlFilters": [],
}
_BLOG_SCROLL = {
    "type": "fiftyPercentScroll",
    "urlFilters": [{"value": "/blog", "rule": "startsWith"}],
}
_HELP_CLICK = {
    "type": "click",
    "elementSelector": {"cssSelector": ".btn", "innerHtml": "Help"},
    "urlFilters": [],
}
_ACTION_CLASSES = [
    # (name, type, key or noCodeConfig)
    ("New Session", "automatic", None),
    ("Upgrade Clicked", "code", "upgrade-clicked"),
    ("Pricing Page Viewed", "noCode", _PRICING_VIEW),
    ("Export Finished", "code", "export-finished"),
    ("Signup Button Clicked", "noCode", _SIGNUP_CLICK),
    ("Invite Sent", "code", "invite-sent"),
    ("Exit Intent", "noCode", {"type": "exitIntent", "urlFilters": []}),
    ("Scrolled Half Way", "noCode", _BLOG_SCROLL),
    ("Report Shared", "code", "report-shared"),
    ("Help Clicked", "noCode", _HELP_CLICK),
    ("Integration Connected", "code", "integration-connected"),
    ("Trial Expired", "code", "trial-expired"),
]
_WEBHOOK_SOURCES = ["user", "zapier", "make", "n8n"]
_WEBHOOK_TRIGGERS = ["responseCreated", "responseUpdated", "responseFinished"]


def iso_ms(ms: int) -> str:
    """Format milliseconds since the Unix epoch the way the API does: `2026-11-20T08:15:02.123Z`.

    Args:
        ms: Milliseconds since 1970-01-01T00:00:00Z.

    Returns:
        The ISO 8601 UTC timestamp with milliseconds and a `Z` suffix.
    """
    return (_EPOCH + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds") + "Z"


def _to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (naive ones are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def _dumps(record: dict[str, Any]) -> bytes:
    # Compact and UTF-8 like JSON.stringify, so byte counts match what the real API sends.
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class _Ids:
    """Distinct random ids drawn from the dataset's generator."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def _fresh(self, prefix: str, length: int) -> str:
        while True:
            value = prefix + self._rng.randbytes(length).translate(_ID_TABLE).decode("ascii")
            if value not in self._seen:
                self._seen.add(value)
                return value

    def cuid(self) -> str:
        """A 25-character, lowercase alphanumeric id starting with "c", like Prisma's cuid()."""
        return self._fresh("c", 24)

    def short(self) -> str:
        """A 24-character lowercase alphanumeric id, like the editor's question and choice ids."""
        return self._fresh("", 24)


class _Picker:
    """Weighted choice with precomputed cumulative weights: one `random()` call per pick."""

    __slots__ = ("_cumulative", "_total", "_values")

    def __init__(self, pairs: Iterable[tuple[Any, float]]) -> None:
        self._values: list[Any] = []
        self._cumulative: list[float] = []
        total = 0.0
        for value, weight in pairs:
            total += weight
            self._values.append(value)
            self._cumulative.append(total)
        self._total = total

    def __call__(self, rng: random.Random) -> Any:
        return self._values[bisect_right(self._cumulative, rng.random() * self._total)]


def _weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _ in pairs], weights=[w for _, w in pairs])[0]


_PICK_NPS = _Picker(zip(range(11), _NPS_WEIGHTS, strict=True))
# Ratings lean towards the top of the scale, like real ones.
_PICK_RATING = {
    top: _Picker((value, value) for value in range(1, top + 1)) for top in (3, 4, 5, 7, 10)
}
_PICK_BROWSER = _Picker(_BROWSERS)
_PICK_OS = _Picker(_OSES)
_PICK_COUNTRY = _Picker(_COUNTRIES)
_PICK_LINK_SOURCE = _Picker([("link", 80), ("", 12), ("api", 8)])
_PICK_TAG_COUNT = _Picker([(0, 60), (1, 30), (2, 10)])
_PICK_LANGUAGE = _Picker([("default", 85), ("de", 10), ("fr", 5)])


class SampleDataset:
    """Every record the sample API serves, plus the edits tests make to it.

    Build one with `SampleDataset.generate(...)`. All methods are thread-safe: the HTTP server
    reads pages while tests (or the control endpoints) add and edit responses.
    """

    def __init__(
        self,
        *,
        rng: random.Random,
        ids: _Ids,
        now_ms: int,
        live_clock: bool,
        environment_id: str,
        tables: dict[str, list[dict[str, Any]]],
        tags: list[dict[str, Any]],
        team: list[dict[str, str]],
        release: int,
        seed: int,
    ) -> None:
        """Use `SampleDataset.generate`; this only wires already generated parts together."""
        self._lock = threading.RLock()
        self.release = release
        # Ids the canonical data does not hold (the 5.x workspace, contact attribute rows) come
        # from generators of their own, so the rest of the data is the same on every release.
        self._workspace_id = _Ids(random.Random(f"{seed}:workspace")).cuid()
        self._derived_ids = _Ids(random.Random(f"{seed}:contacts"))
        self._derived: dict[tuple[str, ...], str] = {}
        self._rng = rng
        self._ids = ids
        self._now_ms = now_ms
        # With an explicit `now` the dataset is frozen in time, so edits advance a logical clock
        # (deterministic); without one, edits are stamped with the wall clock.
        self._live_clock = live_clock
        self._clock_ms = now_ms
        self._environment_id = environment_id
        self._tables = tables
        self._table_bodies: dict[str, bytes] = {}
        self._tags = tags
        self._team = team
        self._surveys_by_id = {survey["id"]: survey for survey in tables["surveys"]}
        self._answerable = [s for s in tables["surveys"] if s["status"] != "draft"]
        self._pick_survey = _Picker((survey, rng.uniform(0.3, 3.0)) for survey in self._answerable)
        # Responses, oldest first (ascending createdAt, then id): the served order reversed.
        self._response_bodies: list[bytes] = []
        self._response_created: list[int] = []
        self._response_ids: list[str] = []
        # What `delete` removed, for `restore`: endpoint -> id -> record (stored form).
        self._trash: dict[str, dict[str, Any]] = {}
        self._response_position: dict[str, int] = {}
        self._positions_by_survey: dict[str, list[int]] = {s["id"]: [] for s in tables["surveys"]}
        # Schema drift applied so far, replayed on responses added later.
        self._response_drift: list[Callable[[dict[str, Any]], dict[str, Any]]] = []

    # ----------------------------------------------------------------------------- generation

    @classmethod
    def generate(
        cls,
        seed: int = 7,
        responses: int = 2500,
        surveys: int = 8,
        people: int = 200,
        action_classes: int = 12,
        attribute_classes: int = 8,
        webhooks: int = 4,
        days: int = 90,
        now: datetime | None = None,
        release: int = DEFAULT_RELEASE,
    ) -> SampleDataset:
        """Generate a deterministic dataset.

        Args:
            seed: Seed of the one `random.Random` every value is drawn from.
            responses: Number of responses.
            surveys: Number of surveys (at least 1).
            people: Number of people (contacts).
            action_classes: Number of action classes.
            attribute_classes: Number of attribute classes (at least 3: userId, email, language).
            webhooks: Number of webhooks.
            days: Responses are spread over this many days before `now`.
            now: The moment the data is "as of"; default the current UTC time. Pass a fixed value
                for byte-identical output across runs.
            release: The Formbricks release whose record shapes are served (`RELEASES`).

        Returns:
            The dataset.

        Raises:
            ValueError: If a size is out of range.
        """
        check_release(release)
        if surveys < 1 or responses < 0 or people < 0 or days < 1:
            raise ValueError("need surveys >= 1, days >= 1 and non-negative counts")
        if attribute_classes < 3:
            raise ValueError("attribute_classes must be at least 3 (userId, email, language)")
        if responses > days * _DAY_MS:
            raise ValueError("more responses than milliseconds in the period")
        live_clock = now is None
        now_ms = _wall_clock_ms() if now is None else _to_ms(now)
        rng = random.Random(seed)
        ids = _Ids(rng)
        environment_id = ids.cuid()
        # Everything but responses predates the response period, so responses only reference
        # surveys and people that already existed.
        period_start = now_ms - days * _DAY_MS

        def setup_time() -> int:
            return period_start - rng.randrange(_DAY_MS // 24, 120 * _DAY_MS)

        def later(created: int) -> int:
            # Setup records keep being edited; the edit may fall anywhere up to `now`.
            if rng.random() < 0.5:
                return created
            return rng.randrange(created, now_ms)

        tags = []
        for name in _TAG_NAMES:
            created = setup_time()
            tags.append(
                _setup_record(
                    ids.cuid(),
                    created,
                    created,
                    name=name,
                    environmentId=environment_id,
                )
            )
        team = [{"id": ids.cuid(), "name": name} for (name,) in _TEAM]
        tables = {
            "surveys": _make_surveys(rng, ids, surveys, environment_id, team, setup_time, later),
            "action_classes": _make_action_classes(
                rng, ids, action_classes, environment_id, setup_time, later
            ),
            "attribute_classes": _make_attribute_classes(
                ids, attribute_classes, environment_id, setup_time, later
            ),
        }
        tables["people"] = _make_people(
            rng, ids, people, environment_id, tables["attribute_classes"], setup_time, later
        )
        tables["webhooks"] = _make_webhooks(
            rng, ids, webhooks, environment_id, tables["surveys"], setup_time, later
        )
        dataset = cls(
            rng=rng,
            ids=ids,
            now_ms=now_ms,
            live_clock=live_clock,
            environment_id=environment_id,
            tables=tables,
            tags=tags,
            team=team,
            release=release,
            seed=seed,
        )
        dataset._generate_responses(responses, period_start, now_ms)
        return dataset

    @classmethod
    def from_records(
        cls,
        *,
        surveys: list[dict[str, Any]],
        responses: list[dict[str, Any]],
        people: list[dict[str, Any]] | None = None,
        action_classes: list[dict[str, Any]] | None = None,
        attribute_classes: list[dict[str, Any]] | None = None,
        webhooks: list[dict[str, Any]] | None = None,
        now: datetime | None = None,
        release: int = DEFAULT_RELEASE,
    ) -> SampleDataset:
        """A dataset of exactly the given records, for tests whose expected values are hand-made.

        Responses may come in any order; they are served newest first like generated ones, in
        the shape of `release` (a `contact` becomes `person` on release 2, notes go from 4 on).
        People are given in the 2.x shape (`userId`, `attributes`); on releases 4 and 5 they are
        served as contacts with their attributes.

        Args:
            surveys: Survey records, each with at least `id`, `status` and `questions`.
            responses: Response records, each with at least `id`, `createdAt`, `surveyId`.
            people: Person records.
            action_classes: Action class records.
            attribute_classes: Attribute class records.
            webhooks: Webhook records.
            now: The dataset's "now" for later edits; default the newest createdAt.
            release: The Formbricks release whose shapes are served.
        """
        newest = max((r["createdAt"] for r in responses), default="2026-01-01T00:00:00.000Z")
        anchor = now or datetime.fromisoformat(newest)
        dataset = cls.generate(
            seed=0,
            responses=0,
            surveys=1,
            people=0,
            action_classes=0,
            webhooks=0,
            now=anchor,
            release=release,
        )
        with dataset._lock:
            dataset._tables = {
                "surveys": list(surveys),
                "action_classes": list(action_classes or []),
                "attribute_classes": list(attribute_classes or []),
                "people": list(people or []),
                "webhooks": list(webhooks or []),
            }
            dataset._table_bodies.clear()
            dataset._surveys_by_id = {survey["id"]: survey for survey in surveys}
            dataset._answerable = [s for s in surveys if s.get("status") != "draft"]
            dataset._positions_by_survey = {survey["id"]: [] for survey in surveys}
            for record in sorted(responses, key=lambda r: (r["createdAt"], r["id"])):
                created = _to_ms(datetime.fromisoformat(record["createdAt"]))
                shaped = dataset._shaped(json.loads(_dumps(record)))
                dataset._store_response(created, record["id"], record["surveyId"], _dumps(shaped))
                dataset._clock_ms = max(dataset._clock_ms, created)
        return dataset

    def _generate_responses(self, count: int, period_start: int, now_ms: int) -> None:
        if count == 0 or not self._answerable:
            return
        rng = self._rng
        span = now_ms - period_start
        created = [now_ms - 1 - offset for offset in rng.sample(range(span), count)]
        # A few pairs share a millisecond, as real traffic does, so clients must not assume
        # createdAt is unique (the order then falls back to id).
        for _ in range(max(1, count // 400) if count > 1 else 0):
            first, second = rng.sample(range(count), 2)
            created[second] = created[first]
        # Serialize each record at once: keeping 100k nested dicts alive until the sort would
        # make the garbage collector rescan them over and over.
        rows = []
        for moment in created:
            _, record = self._make_response(moment, cap_ms=now_ms, fresh=False)
            record = self._shaped(record)
            rows.append((moment, record["id"], record["surveyId"], _dumps(record)))
        rows.sort(key=lambda row: (row[0], row[1]))
        for moment, response_id, survey_id, body in rows:
            self._store_response(moment, response_id, survey_id, body)

    def _make_response(self, created: int, *, cap_ms: int | None, fresh: bool) -> tuple[int, dict]:
        """One response at `created`; `fresh` ones were just submitted (no tags, notes, edits)."""
        rng = self._rng
        random_ = rng.random
        survey = self._pick_survey(rng)
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
            if not question["required"] and random_() < 0.12:
                continue
            data[question["id"]] = _answer(rng, question)
        hidden = survey["hiddenFields"]
        if hidden["enabled"]:
            for field_id in hidden["fieldIds"]:
                if rng.random() < 0.8:
                    data[field_id] = rng.choice(["newsletter", "in-app", "linkedin", "partner"])
        if finished:
            # The real API stores a `_total` only once a response is finished.
            ttc["_total"] = sum(ttc.values())
        spent = sum(value for key, value in ttc.items() if key != "_total")
        updated = created + spent + int(random_() * 3000)

        contact = None
        contact_attributes: dict[str, Any] = {}
        people = self._tables["people"]
        if people and random_() < 0.6:
            person = people[int(random_() * len(people))]
            contact = {"id": person["id"], "userId": person["userId"]}
            contact_attributes = {"userId": person["userId"]}
            if "email" in person["attributes"]:
                contact_attributes["email"] = person["attributes"]["email"]

        source = "app" if survey["type"] == "app" else _PICK_LINK_SOURCE(rng)
        if source == "api":
            # Responses posted through the API carry only what the caller sent.
            meta: dict[str, Any] = {"source": "api"}
        else:
            if source == "app":
                url = rng.choice(
                    ["https://app.acme.io/dashboard", "https://app.acme.io/settings/billing",
                     "https://app.acme.io/reports?range=30d"]
                )  # fmt: skip
            else:
                url = f"https://app.formbricks.com/s/{survey['id']}"
                if rng.random() < 0.3:
                    url += "?source=" + rng.choice(["newsletter", "twitter", "email"])
            os = _PICK_OS(rng)
            if os in ("iOS", "Android"):
                device = "tablet" if random_() < 0.15 else "mobile"
            else:
                device = "desktop"
            meta = {
                "source": source,
                "url": url,
                "userAgent": {"browser": _PICK_BROWSER(rng), "os": os, "device": device},
                "country": _PICK_COUNTRY(rng),
            }

        tags: list[dict[str, Any]] = []
        notes: list[dict[str, Any]] = []
        floor = created  # updatedAt can not be before this
        if not fresh:
            tag_count = _PICK_TAG_COUNT(rng)
            tags = [dict(tag) for tag in rng.sample(self._tags, tag_count)] if tag_count else []
            if tags or random_() < 0.1:
                # Tagging happens later, by someone reading the responses.
                updated = max(updated, created + rng.randrange(60_000, 5 * _DAY_MS))
            if random_() < 0.05:
                note_created = created + rng.randrange(60_000, 3 * _DAY_MS)
                if cap_ms is not None:
                    note_created = min(note_created, cap_ms)
                note_created = max(note_created, created)
                edited = rng.random() < 0.2
                note_updated = note_created + (rng.randrange(1000, 600_000) if edited else 0)
                if cap_ms is not None:
                    note_updated = min(note_updated, cap_ms)
                author = rng.choice(self._team)
                notes.append(
                    {
                        "id": self._ids.cuid(),
                        "createdAt": iso_ms(note_created),
                        "updatedAt": iso_ms(note_updated),
                        "text": rng.choice(_NOTES),
                        "isResolved": rng.random() < 0.4,
                        "isEdited": edited,
                        "user": {"id": author["id"], "name": author["name"]},
                    }
                )
                updated = max(updated, note_updated)
                floor = note_updated
        if cap_ms is not None and updated > cap_ms:
            # Spread late edits over what is left of the period instead of piling them on `now`.
            updated = floor + int(random_() * (cap_ms - floor))

        record = {
            "id": self._ids.cuid(),
            "createdAt": iso_ms(created),
            "updatedAt": iso_ms(updated),
            "surveyId": survey["id"],
            "finished": finished,
            "endingId": rng.choice(survey["endings"])["id"] if finished else None,
            "data": data,
            "meta": meta,
            "ttc": ttc,
            "variables": {},
            "contactAttributes": contact_attributes,
            "singleUseId": None,
            "language": _PICK_LANGUAGE(rng),
            "displayId": self._ids.cuid() if random_() < 0.7 else None,
            "contact": contact,
            "tags": tags,
            "notes": notes,
        }
        return created, record

    def _shaped(self, record: dict[str, Any]) -> dict[str, Any]:
        """A canonical response as this dataset's release serves it."""
        return shape_response(record, self.release, self._workspace_id)

    def _append_response(self, created: int, record: dict[str, Any]) -> None:
        record = self._shaped(record)
        for drift in self._response_drift:
            record = drift(record)
        # An edit made after this response arrived must carry a later updatedAt.
        self._clock_ms = max(self._clock_ms, _to_ms(datetime.fromisoformat(record["updatedAt"])))
        self._store_response(created, record["id"], record["surveyId"], _dumps(record))

    def _store_response(self, created: int, response_id: str, survey_id: str, body: bytes) -> None:
        position = len(self._response_bodies)
        self._response_bodies.append(body)
        self._response_created.append(created)
        self._response_ids.append(response_id)
        self._response_position[response_id] = position
        self._positions_by_survey[survey_id].append(position)

    # ----------------------------------------------------------------------------- reading

    @property
    def environment_id(self) -> str:
        """The one environment every record belongs to."""
        return self._environment_id

    @property
    def response_count(self) -> int:
        """Number of responses."""
        with self._lock:
            return len(self._response_bodies)

    @property
    def workspace_id(self) -> str:
        """The workspace every record belongs to on release 5 (its `workspaceId`)."""
        return self._workspace_id

    @property
    def endpoints(self) -> tuple[str, ...]:
        """The endpoints this dataset's release serves (names of `ENDPOINTS`)."""
        served = set(routes_of(self.release).values())
        return tuple(endpoint for endpoint in ENDPOINTS if endpoint in served)

    def people(self) -> list[dict[str, Any]]:
        """Every person, in the 2.x shape (`userId`, `attributes`), whatever the release serves.

        Release 2 serves at most 30 of them on `/people`; releases 4 and 5 serve them all as
        contacts.
        """
        with self._lock:
            return json.loads(json.dumps(self._tables["people"]))

    def rows(self, endpoint: str) -> list[dict[str, Any]]:
        """Decoded copies of every record of an endpoint, in the order the API serves them.

        Args:
            endpoint: One of `endpoints`.

        Returns:
            The records; responses newest first.

        Raises:
            KeyError: If this release has no such endpoint.
        """
        if endpoint == "responses":
            with self._lock:
                bodies = self._response_bodies[::-1]
            return [json.loads(body) for body in bodies]
        return json.loads(self.table_body(endpoint))["data"]

    def table_body(self, endpoint: str) -> bytes:
        """The whole `{"data": [...]}` body of one of the unpaged endpoints of this release.

        Args:
            endpoint: One of `endpoints` except "responses".

        Returns:
            The serialized body.

        Raises:
            KeyError: If this release has no such endpoint.
        """
        if endpoint not in self.endpoints or endpoint == "responses":
            raise KeyError(f"release {self.release} has no endpoint {endpoint!r}")
        with self._lock:
            body = self._table_bodies.get(endpoint)
            if body is None:
                body = b'{"data":[' + b",".join(map(_dumps, self._served(endpoint))) + b"]}"
                self._table_bodies[endpoint] = body
            return body

    def _served(self, endpoint: str) -> list[dict[str, Any]]:
        """The records of an unpaged endpoint, shaped for this release."""
        if endpoint not in CONTACT_ENDPOINTS:
            return shape_table(
                endpoint,
                self._tables[endpoint],
                self.release,
                self._environment_id,
                self._workspace_id,
            )
        owner = owner_fields(self.release, self._environment_id, self._workspace_id)
        people = self._tables["people"]
        keys = attribute_keys(
            self._tables["attribute_classes"], people, owner, lambda name: self._derived_id(name)
        )
        if endpoint == "contact_attribute_keys":
            return keys
        tables = contact_tables(
            people, keys, owner, lambda contact, name: self._derived_id(contact, name)
        )
        return tables[endpoint]

    def _derived_id(self, *parts: str) -> str:
        """A stable id for a record the canonical data does not hold (an attribute row, say)."""
        if parts not in self._derived:
            self._derived[parts] = self._derived_ids.cuid()
        return self._derived[parts]

    def response(self, response_id: str) -> dict[str, Any] | None:
        """One response as the API serves it, or None if there is no such response."""
        with self._lock:
            position = self._response_position.get(response_id)
            return None if position is None else json.loads(self._response_bodies[position])

    def has_survey(self, survey_id: str) -> bool:
        """Whether a survey with this id exists."""
        return survey_id in self._surveys_by_id

    def responses_body(
        self,
        *,
        skip: int = 0,
        limit: int | None = None,
        survey_id: str | None = None,
        shuffle_ties: random.Random | None = None,
    ) -> bytes:
        """A page of responses, newest first, as the API's `{"data": [...]}` body.

        Args:
            skip: Number of responses to skip from the newest.
            limit: Page size; None for everything after `skip`.
            survey_id: Only responses of this survey.
            shuffle_ties: Without a survey the real API orders by `createdAt` alone, so
                responses that share one come back in any order, a new one on every request:
                given a generator, this page is cut from such an order.

        Returns:
            The serialized body.
        """
        with self._lock:
            if survey_id is None:
                end = len(self._response_bodies) - skip
                start = 0 if limit is None else end - limit
                start, end = max(start, 0), max(end, 0)
                if shuffle_ties is None:
                    chunk = self._response_bodies[start:end]
                else:
                    chunk = self._cut_with_shuffled_ties(start, end, shuffle_ties)
            else:
                positions = self._positions_by_survey.get(survey_id, [])
                end = len(positions) - skip
                start = 0 if limit is None else end - limit
                bodies = self._response_bodies
                chunk = [bodies[p] for p in positions[max(start, 0) : max(end, 0)]]
        chunk.reverse()
        return b'{"data":[' + b",".join(chunk) + b"]}"

    def _cut_with_shuffled_ties(self, start: int, end: int, rng: random.Random) -> list[bytes]:
        """Stored positions [start, end) of an order whose tie groups are shuffled anew.

        Tie groups are contiguous in the stored order, so only the groups cut by the page's
        edges matter: they are widened to whole groups, shuffled, and the page cut again.
        """
        if start >= end:
            return []
        created = self._response_created
        low = bisect_left(created, created[start])
        high = bisect_right(created, created[end - 1])
        window = self._response_bodies[low:high]
        group_start = 0
        for index in range(1, len(window) + 1):
            if index == len(window) or created[low + index] != created[low + group_start]:
                if index - group_start > 1:
                    group = window[group_start:index]
                    rng.shuffle(group)
                    window[group_start:index] = group
                group_start = index
        return window[start - low : end - low]

    # ----------------------------------------------------------------------------- mutation

    def delete(self, endpoint: str, ids: Iterable[str]) -> list[str]:
        """Delete records, as a user of the API does (spam, test answers, a deletion request).

        Deleting a survey deletes its responses too (`onDelete: Cascade` in Formbricks' schema);
        deleting a person deletes its contact and attributes; deleting an attribute class (an
        attribute key from 3.0 on) deletes every person's value of it (not brought back by
        `restore`).

        Args:
            endpoint: "responses" or one of the stored setup endpoints ("surveys", "people",
                "webhooks", ...).
            ids: Ids of the records to delete.

        Returns:
            The ids of every response deleted, cascades included.

        Raises:
            KeyError: If an id does not exist.
        """
        doomed = set(ids)
        with self._lock:
            if endpoint == "responses":
                missing = doomed - set(self._response_position)
                if missing:
                    raise KeyError(f"no responses {sorted(missing)}")
                return self._delete_responses(doomed)
            if endpoint not in self._tables:
                raise KeyError(f"{endpoint!r} is not a stored endpoint ({sorted(self._tables)})")
            known = {record["id"] for record in self._tables[endpoint]}
            if doomed - known:
                raise KeyError(f"no {endpoint} {sorted(doomed - known)}")
            trash = self._trash.setdefault(endpoint, {})
            trash.update({r["id"]: r for r in self._tables[endpoint] if r["id"] in doomed})
            if endpoint == "attribute_classes":
                # A person's attribute values go with their class (key), as in Formbricks.
                names = {r["name"] for r in self._tables[endpoint] if r["id"] in doomed}
                for person in self._tables["people"]:
                    for name in names:
                        person.get("attributes", {}).pop(name, None)
            self._tables[endpoint] = [r for r in self._tables[endpoint] if r["id"] not in doomed]
            self._table_bodies.clear()
            if endpoint != "surveys":
                return []
            self._surveys_by_id = {s["id"]: s for s in self._tables["surveys"]}
            self._answerable = [s for s in self._answerable if s["id"] not in doomed]
            self._pick_survey = _Picker((survey, 1.0) for survey in self._answerable)
            cascaded = {
                self._response_ids[position]
                for survey_id in doomed
                for position in self._positions_by_survey.get(survey_id, [])
            }
            return self._delete_responses(cascaded)

    def restore(self, endpoint: str, ids: Iterable[str]) -> None:
        """Bring deleted records back, unchanged (a proxy that served a partial list recovers).

        Args:
            endpoint: As given to `delete`.
            ids: Ids of records deleted before.

        Raises:
            KeyError: If an id was not deleted.
        """
        wanted = set(ids)
        with self._lock:
            trash = self._trash.setdefault(endpoint, {})
            if wanted - set(trash):
                raise KeyError(f"{endpoint}: {sorted(wanted - set(trash))} were not deleted")
            records = [trash.pop(record_id) for record_id in sorted(wanted)]
            if endpoint != "responses":
                self._tables[endpoint].extend(records)
                self._table_bodies.clear()
                return
            for created, response_id, survey_id, body in records:
                self._store_response(created, response_id, survey_id, body)
            order = sorted(
                range(len(self._response_ids)),
                key=lambda i: (self._response_created[i], self._response_ids[i]),
            )
            survey_of = {
                position: survey_id
                for survey_id, positions in self._positions_by_survey.items()
                for position in positions
            }
            self._response_bodies = [self._response_bodies[i] for i in order]
            self._response_created = [self._response_created[i] for i in order]
            self._response_ids = [self._response_ids[i] for i in order]
            self._response_position = {rid: i for i, rid in enumerate(self._response_ids)}
            self._positions_by_survey = {survey_id: [] for survey_id in self._positions_by_survey}
            for position, old in enumerate(order):
                self._positions_by_survey.setdefault(survey_of[old], []).append(position)

    def _delete_responses(self, doomed: set[str]) -> list[str]:
        """Drop responses and rebuild the position indexes (the lock is held)."""
        trash = self._trash.setdefault("responses", {})
        survey_of = {}
        for survey_id, positions in self._positions_by_survey.items():
            for position in positions:
                survey_of[position] = survey_id
        for index, response_id in enumerate(self._response_ids):
            if response_id in doomed:
                trash[response_id] = (
                    self._response_created[index],
                    response_id,
                    survey_of[index],
                    self._response_bodies[index],
                )
        keep = [i for i, response_id in enumerate(self._response_ids) if response_id not in doomed]
        self._response_bodies = [self._response_bodies[i] for i in keep]
        self._response_created = [self._response_created[i] for i in keep]
        survey_of = {}
        for survey_id, positions in self._positions_by_survey.items():
            for position in positions:
                survey_of[position] = survey_id
        kept_surveys = [survey_of[i] for i in keep]
        self._response_ids = [self._response_ids[i] for i in keep]
        self._response_position = {rid: i for i, rid in enumerate(self._response_ids)}
        self._positions_by_survey = {survey_id: [] for survey_id in self._positions_by_survey}
        for position, survey_id in enumerate(kept_surveys):
            self._positions_by_survey.setdefault(survey_id, []).append(position)
        return sorted(doomed)

    def add_responses(self, count: int, *, at: datetime | None = None) -> list[str]:
        """Add freshly submitted responses, newer than every existing one.

        Args:
            count: How many.
            at: createdAt of the first one; default a few seconds after the current newest.
                The rest follow a few seconds apart.

        Returns:
            Their ids, oldest first.

        Raises:
            ValueError: If `at` is not after the newest existing response.
        """
        with self._lock:
            if not self._answerable:
                raise ValueError("no survey accepts responses")
            newest = self._response_created[-1] if self._response_created else self._now_ms
            if at is None:
                # Submitted now: after the newest response and after anything already edited.
                moment = max(newest, self._clock_ms) + self._rng.randrange(2000, 9000)
            else:
                moment = _to_ms(at)
                if self._response_created and moment <= newest:
                    raise ValueError(f"`at` must be after the newest response ({iso_ms(newest)})")
            added = []
            for _ in range(count):
                created, record = self._make_response(moment, cap_ms=None, fresh=True)
                self._append_response(created, record)
                added.append(record["id"])
                moment += self._rng.randrange(2000, 9000)
            return added

    def edit_response(self, response_id: str, **fields: Any) -> dict[str, Any]:
        """Change a response the way the real API's users do (finish it, tag it, add a note).

        `updatedAt` moves forward (unless given explicitly); `createdAt` and the response's
        place in the order stay.

        Args:
            response_id: Id of the response.
            **fields: Top-level fields to set, e.g. `finished=True, tags=[...]`.

        Returns:
            The edited record.

        Raises:
            KeyError: If there is no such response.
            ValueError: If a field that the API never changes (id, createdAt, surveyId) is given.
        """
        frozen = _IMMUTABLE_RESPONSE_FIELDS.intersection(fields)
        if frozen:
            raise ValueError(f"cannot change {sorted(frozen)} of a response")
        with self._lock:
            position = self._response_position[response_id]
            record = json.loads(self._response_bodies[position])
            previous_updated = _to_ms(datetime.fromisoformat(record["updatedAt"]))
            record.update(fields)
            if "updatedAt" not in fields:
                created = self._response_created[position]
                record["updatedAt"] = iso_ms(max(self._tick(), created + 1, previous_updated + 1))
            self._response_bodies[position] = _dumps(record)
            return record

    def rename_response_field(self, old: str, new: str, *, newest: int) -> None:
        """Schema drift: move top-level key `old` to `new` on the `newest` most recent responses.

        Responses added afterwards get the new name too. The key keeps its place in the record;
        `updatedAt` does not change (the API changed, not the response).

        Args:
            old: Current field name.
            new: New field name.
            newest: How many of the most recent responses to change.
        """

        def rename(record: dict[str, Any]) -> dict[str, Any]:
            if old not in record:
                return record
            return {(new if key == old else key): value for key, value in record.items()}

        with self._lock:
            total = len(self._response_bodies)
            self._rewrite_responses(range(max(total - newest, 0), total), rename)
            self._response_drift.append(rename)

    def add_field(
        self, endpoint: str, field: str, value_fn: Callable[[dict[str, Any]], Any]
    ) -> None:
        """Schema drift: a new field appears on every record of an endpoint, unannounced.

        For responses, those added afterwards get it too.

        Args:
            endpoint: One of `ENDPOINTS`.
            field: Name of the new top-level field.
            value_fn: Called with each record (a dict); returns the field's value.
        """

        def add(record: dict[str, Any]) -> dict[str, Any]:
            record[field] = value_fn(record)
            return record

        with self._lock:
            if endpoint == "responses":
                self._rewrite_responses(range(len(self._response_bodies)), add)
                self._response_drift.append(add)
                return
            if endpoint not in self._tables:
                raise KeyError(f"{endpoint!r} is not a stored endpoint ({sorted(self._tables)})")
            for record in self._tables[endpoint]:
                add(record)
            # Contacts are derived from people and attribute classes: drop every cached body.
            self._table_bodies.clear()

    def _rewrite_responses(
        self, positions: Iterable[int], change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> None:
        bodies = self._response_bodies
        for position in positions:
            bodies[position] = _dumps(change(json.loads(bodies[position])))

    def _tick(self) -> int:
        """The "now" of an edit: the wall clock, or a logical clock when `now` was fixed.

        Either way it is later than every timestamp the dataset already holds, as a real
        edit is later than everything that happened before it.
        """
        if self._live_clock:
            self._clock_ms = max(self._clock_ms + 1, _wall_clock_ms())
        else:
            self._clock_ms += 1000
        return self._clock_ms


# ------------------------------------------------------------------------------- setup tables

# When a setup record was created, and when it was last edited given its creation (ms).
_Clock = Callable[[], int]
_Edit = Callable[[int], int]


def _setup_record(record_id: str, created: int, updated: int, **fields: Any) -> dict[str, Any]:
    """A record of a setup endpoint: its id and timestamps, then its own fields, in that order
    (the generator draws the id before the update time, so callers pass them in that order)."""
    return {"id": record_id, "createdAt": iso_ms(created), "updatedAt": iso_ms(updated), **fields}


def _answer(rng: random.Random, question: dict[str, Any]) -> Any:
    kind = question["type"]
    if kind == "nps":
        return _PICK_NPS(rng)
    if kind == "rating":
        return _PICK_RATING[question["range"]](rng)
    if kind == "multipleChoiceSingle":
        choices = question["choices"]
        return choices[int(rng.random() * len(choices))]["label"]["default"]
    if kind == "multipleChoiceMulti":
        labels = [choice["label"]["default"] for choice in question["choices"]]
        return rng.sample(labels, 1 + int(rng.random() * min(3, len(labels))))
    return _OPEN_ANSWERS[int(rng.random() * len(_OPEN_ANSWERS))]


def _make_question(rng: random.Random, ids: _Ids, kind: str) -> dict[str, Any]:
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
        question["headline"] = {"default": rng.choice(_RATING_HEADLINES)}
        question["required"] = rng.random() < 0.6
        question["scale"] = rng.choice(["number", "star", "smiley"])
        question["range"] = rng.choice([3, 4, 5, 7, 10])
        question["lowerLabel"] = {"default": "Not good"}
        question["upperLabel"] = {"default": "Very good"}
        question["isColorCodingEnabled"] = False
    elif kind in ("multipleChoiceSingle", "multipleChoiceMulti"):
        pool = _CHOICE_QUESTIONS if kind == "multipleChoiceSingle" else _MULTI_QUESTIONS
        headline, labels = rng.choice(pool)
        question["headline"] = {"default": headline}
        question["required"] = rng.random() < 0.5
        question["choices"] = [{"id": ids.short(), "label": {"default": label}} for label in labels]
        question["shuffleOption"] = rng.choice(["none", "all", "exceptLast"])
    else:
        question["headline"] = {"default": rng.choice(_OPEN_HEADLINES)}
        question["required"] = False
        question["placeholder"] = {"default": "Type your answer here..."}
        question["inputType"] = "text"
    return question


def _make_surveys(
    rng: random.Random,
    ids: _Ids,
    count: int,
    environment_id: str,
    team: list[dict[str, str]],
    setup_time: _Clock,
    later: _Edit,
) -> list[dict[str, Any]]:
    others = ["rating", "multipleChoiceSingle", "multipleChoiceMulti", "openText"]
    surveys = []
    for index in range(count):
        if index == 0:
            # The first survey has every question type, so each type is always exercised.
            kinds = others[:]
            rng.shuffle(kinds)
        else:
            kinds = rng.choices(others, weights=[3, 3, 2, 3], k=rng.randint(2, 6))
        kinds.insert(rng.randrange(0, 2), "nps")
        questions = [_make_question(rng, ids, kind) for kind in kinds]
        if index == count - 1 and count >= 4:
            status = "draft"  # never published, so it has no responses
        elif index == 0:
            status = "inProgress"
        else:
            status = _weighted(rng, [("inProgress", 6), ("paused", 1), ("completed", 1)])
        name = _SURVEY_NAMES[index % len(_SURVEY_NAMES)]
        if index >= len(_SURVEY_NAMES):
            name += f" #{index // len(_SURVEY_NAMES) + 1}"
        created = setup_time()
        welcome_enabled = rng.random() < 0.4
        welcome: dict[str, Any] = {
            "enabled": welcome_enabled,
            "headline": {"default": "Welcome!"},
            "timeToFinish": rng.random() < 0.7,
            "showResponseCount": rng.random() < 0.2,
        }
        if welcome_enabled:
            welcome["html"] = {"default": "<p>Thanks for taking a minute to help us improve.</p>"}
        hidden_ids = ["source"] if rng.random() < 0.25 else []
        endings = [
            {
                "id": ids.cuid(),
                "type": "endScreen",
                "headline": {"default": "Thank you!"},
                "subheader": {"default": "We appreciate your feedback."},
            }
            for _ in range(rng.randint(1, 2))
        ]
        single_use = rng.choice(
            [None, {"enabled": False, "isEncrypted": True}, {"enabled": True, "isEncrypted": False}]
        )
        surveys.append(
            _setup_record(
                ids.cuid(),
                created,
                later(created),
                name=name,
                type=rng.choice(["link", "app"]),
                environmentId=environment_id,
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
        )
    # The real endpoint lists the most recently updated surveys first.
    surveys.sort(key=lambda survey: (survey["updatedAt"], survey["id"]), reverse=True)
    return surveys


def _make_action_classes(
    rng: random.Random,
    ids: _Ids,
    count: int,
    environment_id: str,
    setup_time: _Clock,
    later: _Edit,
) -> list[dict[str, Any]]:
    rows = []
    for index in range(count):
        name, kind, spec = _ACTION_CLASSES[index % len(_ACTION_CLASSES)]
        if index >= len(_ACTION_CLASSES):
            name += f" {index // len(_ACTION_CLASSES) + 1}"
            if kind == "automatic":
                kind, spec = "code", "custom-event"
            if kind == "code":
                spec = f"{spec}-{index // len(_ACTION_CLASSES) + 1}"
        created = setup_time()
        rows.append(
            _setup_record(
                ids.cuid(),
                created,
                later(created),
                name=name,
                description=None if rng.random() < 0.4 else f"Tracks: {name.lower()}",
                type=kind,
                key=spec if kind == "code" else None,
                noCodeConfig=json.loads(json.dumps(spec)) if kind == "noCode" else None,
                environmentId=environment_id,
            )
        )
    rows.sort(key=lambda row: (row["createdAt"], row["id"]))
    return rows


def _make_attribute_classes(
    ids: _Ids, count: int, environment_id: str, setup_time: _Clock, later: _Edit
) -> list[dict[str, Any]]:
    rows = []
    for index in range(count):
        if index < len(_ATTRIBUTE_CLASSES):
            name, kind, description = _ATTRIBUTE_CLASSES[index]
        else:
            name, kind, description = f"customAttribute{index}", "code", None
        created = setup_time()
        rows.append(
            _setup_record(
                ids.cuid(),
                created,
                later(created),
                name=name,
                description=description,
                type=kind,
                environmentId=environment_id,
                # One retired attribute, still on old people records.
                archived=index == 5,
            )
        )
    rows.sort(key=lambda row: (row["createdAt"], row["id"]))
    return rows


def _person_attribute(
    rng: random.Random, name: str, first: str, last: str, number: int, created: int
) -> str:
    if name == "email":
        return (
            f"{first}.{last}{number}@{rng.choice(['example.com', 'acme.io', 'mail.de', 'corp.fr'])}"
        )
    if name == "plan":
        return _weighted(rng, [("free", 60), ("pro", 30), ("enterprise", 10)])
    if name == "company":
        return rng.choice(_COMPANIES)
    if name == "language":
        return _weighted(rng, [("en", 70), ("de", 20), ("fr", 10)])
    if name == "signupDate":
        return iso_ms(created)[:10]
    if name == "role":
        return rng.choice(["admin", "member", "viewer"])
    if name == "country":
        return _weighted(rng, _COUNTRIES)
    if name == "seats":
        # Attribute values are strings in the API, even the numeric ones.
        return str(rng.choice([1, 3, 5, 10, 25]))
    return rng.choice(["a", "b", "c"]) + str(rng.randrange(100))


def _make_people(
    rng: random.Random,
    ids: _Ids,
    count: int,
    environment_id: str,
    attribute_classes: list[dict[str, Any]],
    setup_time: _Clock,
    later: _Edit,
) -> list[dict[str, Any]]:
    names = [row["name"] for row in attribute_classes if row["name"] != "userId"]
    # Keep the attribute order stable (by catalogue position), not by creation time.
    catalogue = [name for name, _, _ in _ATTRIBUTE_CLASSES]
    names.sort(key=lambda name: catalogue.index(name) if name in catalogue else len(catalogue))
    rows = []
    for number in range(count):
        created = setup_time()
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        attributes = {}
        sparse = rng.random() < 0.25  # some people only ever sent a few attributes
        for name in names:
            if sparse and rng.random() < 0.5:
                continue
            attributes[name] = _person_attribute(rng, name, first, last, number, created)
        rows.append(
            _setup_record(
                ids.cuid(),
                created,
                later(created),
                environmentId=environment_id,
                userId=rng.choice(
                    [f"user_{number:05d}", f"{first}-{number}", f"u{rng.randrange(10**9)}"]
                ),
                attributes=attributes,
            )
        )
    rows.sort(key=lambda row: (row["createdAt"], row["id"]))
    return rows


def _make_webhooks(
    rng: random.Random,
    ids: _Ids,
    count: int,
    environment_id: str,
    surveys: list[dict[str, Any]],
    setup_time: _Clock,
    later: _Edit,
) -> list[dict[str, Any]]:
    rows = []
    for index in range(count):
        source = _WEBHOOK_SOURCES[index % len(_WEBHOOK_SOURCES)]
        url = {
            "user": "https://hooks.acme.io/formbricks",
            "zapier": "https://hooks.zapier.com/hooks/catch/123456/abcdef/",
            "make": "https://hook.eu1.make.com/abc123def456",
            "n8n": "https://n8n.acme.io/webhook/formbricks",
        }[source]
        created = setup_time()
        survey_count = rng.randint(0, min(2, len(surveys)))
        rows.append(
            _setup_record(
                ids.cuid(),
                created,
                later(created),
                name=None if source != "user" else f"Internal hook {index + 1}",
                url=url,
                source=source,
                environmentId=environment_id,
                triggers=sorted(
                    rng.sample(_WEBHOOK_TRIGGERS, rng.randint(1, 3)), key=_WEBHOOK_TRIGGERS.index
                ),
                surveyIds=[survey["id"] for survey in rng.sample(surveys, survey_count)],
            )
        )
    rows.sort(key=lambda row: (row["createdAt"], row["id"]))
    return rows
