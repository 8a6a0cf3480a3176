"""`SampleDataset`: every record the sample survey-analytics API serves, and the edits tests
make to it.

The records mirror the Formbricks management API v1: surveys, action classes, attribute classes,
people, webhooks and responses, all in one environment. They are kept in one canonical shape and
served as the chosen release would (`releases.py`): release 2 with people and attribute classes,
releases 4 and 5 with contacts, contact attributes and attribute keys in their place. Everything is
drawn from `random.Random(seed)` (`generator.py`, `response_generator.py`), so the same
seed, sizes, release and `now` give byte-identical bodies.

The dataset holds the lock and the rules; the records themselves live in a `SetupStore` and a
`ResponseStore`. This module builds a dataset and answers v1's reads; `edits.py` and
`change_feed.py` change it, `v2_view.py` answers v2's reads. On release 5 a few surveys are
archived (`archive.py`).
"""

from __future__ import annotations

import json
import random
import threading
from datetime import datetime
from typing import Any

from analytics_assets.sample_api.archive import archive_surveys
from analytics_assets.sample_api.change_feed import ChangeFeedEdits
from analytics_assets.sample_api.edits import DatasetEdits
from analytics_assets.sample_api.generator import GeneratedSetup, generate_setup
from analytics_assets.sample_api.primitives import Ids, Picker, dumps, to_ms
from analytics_assets.sample_api.releases import (
    DEFAULT_RELEASE,
    check_release,
    routes_of,
)
from analytics_assets.sample_api.response_generator import ResponseFactory, creation_times
from analytics_assets.sample_api.response_store import ResponseStore
from analytics_assets.sample_api.setup_store import SetupStore
from analytics_assets.sample_api.v2_view import DatasetV2Reads, V2View

__all__ = ["ENDPOINTS", "SampleDataset"]

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


class SampleDataset(DatasetEdits, ChangeFeedEdits, DatasetV2Reads):
    """Every record the sample API serves, plus the edits tests make to it.

    Build one with `SampleDataset.generate(...)`. All methods are thread-safe: the HTTP server
    reads pages while tests (or the control endpoints) add and edit responses.
    """

    def __init__(self, setup: GeneratedSetup, *, release: int, seed: int) -> None:
        """Use `SampleDataset.generate`; this only wires already generated parts together."""
        self._lock = threading.RLock()
        self.release = release
        # The 5.x workspace id comes from a generator of its own, so the rest of the data is the
        # same on every release.
        self._workspace_id = Ids(random.Random(f"{seed}:workspace")).cuid()
        self._rng = setup.rng
        self._now_ms = setup.now_ms
        # With an explicit `now` the dataset is frozen in time, so edits advance a logical clock
        # (deterministic); without one, edits are stamped with the wall clock.
        self._live_clock = setup.live_clock
        self._clock_ms = setup.now_ms
        self._environment_id = setup.environment_id
        self._setup = SetupStore(
            setup.tables,
            release=release,
            environment_id=setup.environment_id,
            workspace_id=self._workspace_id,
            seed=seed,
        )
        self._factory = ResponseFactory(setup.rng, setup.ids, setup.tags, setup.team)
        self._index_surveys(setup.tables["surveys"])
        self._pick_survey = Picker(
            (survey, setup.rng.uniform(0.3, 3.0)) for survey in self._answerable
        )
        # What `delete` removed, for `restore`: endpoint -> id -> record (stored form).
        self._trash = {}
        # Schema drift applied so far, replayed on responses added later.
        self._response_drift = []
        # The responses as v2 serves them, rebuilt as the store changes.
        self._v2 = V2View()

    def _index_surveys(self, surveys: list[dict[str, Any]]) -> None:
        """Look-ups over the surveys, and an empty response store for them."""
        self._surveys_by_id = {survey["id"]: survey for survey in surveys}
        self._answerable = [s for s in surveys if s.get("status") != "draft"]
        self._responses = ResponseStore(survey["id"] for survey in surveys)

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
        setup = generate_setup(
            seed=seed,
            responses=responses,
            surveys=surveys,
            people=people,
            action_classes=action_classes,
            attribute_classes=attribute_classes,
            webhooks=webhooks,
            days=days,
            now=now,
        )
        dataset = cls(setup, release=release, seed=seed)
        dataset._generate_responses(responses, setup.period_start, setup.now_ms)
        if release >= 5:
            dataset._archive_some(seed)
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
            dataset._setup.replace(
                {
                    "surveys": list(surveys),
                    "action_classes": list(action_classes or []),
                    "attribute_classes": list(attribute_classes or []),
                    "people": list(people or []),
                    "webhooks": list(webhooks or []),
                }
            )
            dataset._index_surveys(surveys)
            # New responses go to the given surveys (the generated one is gone).
            dataset._pick_survey = Picker((survey, 1.0) for survey in dataset._answerable)
            for record in sorted(responses, key=lambda r: (r["createdAt"], r["id"])):
                created = to_ms(datetime.fromisoformat(record["createdAt"]))
                shaped = dumps(dataset._shaped(json.loads(dumps(record))))
                dataset._responses.append(created, record["id"], record["surveyId"], shaped)
                dataset._clock_ms = max(dataset._clock_ms, created)
        return dataset

    def _archive_some(self, seed: int) -> None:
        """Archive a few surveys, as 5.3+ users do; they take no responses from then on."""
        archived = archive_surveys(
            self._setup.tables["surveys"],
            self._responses.newest_of_survey,
            now_ms=self._now_ms,
            rng=random.Random(f"{seed}:archive"),
        )
        if not archived:
            return
        self._setup.changed()
        self._answerable = [s for s in self._answerable if s["id"] not in archived]
        self._pick_survey = self._pick_survey.without(lambda survey: survey["id"] in archived)

    def _generate_responses(self, count: int, period_start: int, now_ms: int) -> None:
        if count == 0 or not self._answerable:
            return
        people = self._setup.tables["people"]
        # Serialize each record at once: keeping 100k nested dicts alive until the sort would
        # make the garbage collector rescan them over and over.
        rows = []
        for moment in creation_times(self._rng, count, period_start, now_ms):
            survey = self._pick_survey(self._rng)
            record = self._factory.make(survey, people, moment, cap_ms=now_ms, fresh=False)
            record = self._shaped(record)
            rows.append((moment, record["id"], record["surveyId"], dumps(record)))
        rows.sort(key=lambda row: (row[0], row[1]))
        for row in rows:
            self._responses.append(*row)

    # ----------------------------------------------------------------------------- reading

    @property
    def environment_id(self) -> str:
        """The one environment every record belongs to."""
        return self._environment_id

    @property
    def response_count(self) -> int:
        """Number of responses."""
        with self._lock:
            return len(self._responses)

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
            return json.loads(json.dumps(self._setup.tables["people"]))

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
                bodies = self._responses.newest_first()
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
            return self._setup.body(endpoint)

    def response(self, response_id: str) -> dict[str, Any] | None:
        """One response as the API serves it, or None if there is no such response."""
        with self._lock:
            body = self._responses.body(response_id)
            return None if body is None else json.loads(body)

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
            chunk = self._responses.page(skip, limit, survey_id, shuffle_ties)
        return b'{"data":[' + b",".join(chunk) + b"]}"
