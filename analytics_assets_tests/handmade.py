"""A small hand-built dataset whose analytics are worked out by hand, for any API release.

Three surveys (one draft without responses), three people (one without responses), seven
responses over two UTC days plus one from the last hour. `test_marts.py` holds the figures
computed on paper from these records; `test_generations.py` checks they come out the same
whichever Formbricks release serves them.
"""

from datetime import UTC, datetime, timedelta

from analytics_assets.sample_api import DEFAULT_RELEASE, SampleDataset

RECENT = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)


def iso(moment: str | datetime) -> str:
    if isinstance(moment, datetime):
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return moment


def question(question_id: str, kind: str, **extra: object) -> dict:
    return {"id": question_id, "type": kind, "headline": {"default": f"{question_id}?"}, **extra}


def choices(*labels: str) -> list[dict]:
    return [{"id": f"c-{label}", "label": {"default": label}} for label in labels]


def survey(survey_id: str, name: str, status: str, questions: list[dict]) -> dict:
    return {
        "id": survey_id,
        "createdAt": "2026-10-01T00:00:00.000Z",
        "updatedAt": "2026-10-02T00:00:00.000Z",
        "name": name,
        "status": status,
        "type": "link",
        "questions": questions,
    }


def person(person_id: str, user_id: str, email: str) -> dict:
    return {
        "id": person_id,
        "createdAt": "2026-10-01T00:00:00.000Z",
        "updatedAt": "2026-10-01T00:00:00.000Z",
        "userId": user_id,
        "attributes": {"email": email},
    }


def attribute_class(class_id: str, name: str) -> dict:
    """A 2.x attribute class; from 3.0 on the sample serves it as a contact attribute key."""
    return {
        "id": class_id,
        "createdAt": "2026-09-01T00:00:00.000Z",
        "updatedAt": "2026-09-01T00:00:00.000Z",
        "name": name,
        "description": None,
        "type": "automatic",
        "environmentId": "E1",
        "archived": False,
    }


def response(
    response_id: str,
    survey_id: str,
    created: str | datetime,
    finished: bool,
    data: dict,
    person: str | None,
) -> dict:
    return {
        "id": response_id,
        "createdAt": iso(created),
        "updatedAt": iso(created),
        "surveyId": survey_id,
        "finished": finished,
        "data": data,
        "ttc": {question_id: 1000 for question_id in data},
        "contact": {"id": person, "userId": person} if person else None,
        "tags": [],
        "notes": [],
    }


def handmade_dataset(release: int = DEFAULT_RELEASE) -> SampleDataset:
    onboarding = [
        question("s1_nps", "nps"),
        question("s1_rate", "rating", range=5),
        question("s1_pick", "multipleChoiceSingle", choices=choices("A", "B")),
        question("s1_multi", "multipleChoiceMulti", choices=choices("X", "Y", "Z")),
        question("s1_open", "openText"),
    ]
    churn = [question("s2_nps", "nps"), question("s2_rate", "rating", range=10)]
    draft = [question("s3_nps", "nps")]
    surveys = [
        survey("S1", "Onboarding", "inProgress", onboarding),
        survey("S2", "Churn", "paused", churn),
        survey("S3", "Draft", "draft", draft),
    ]
    people = [person("P1", "u1", "p1@x.io"), person("P2", "u2", "p2@x.io")]
    people.append(person("P3", "u3", "p3@x.io"))
    all_s1 = {
        "s1_nps": 10,
        "s1_rate": 5,
        "s1_pick": "A",
        "s1_multi": ["X", "Y"],
        "s1_open": "great",
    }
    responses = [
        response("r1", "S1", "2026-11-19T10:00:00.000Z", True, all_s1, "P1"),
        response(
            "r2", "S1", "2026-11-19T11:00:00.000Z", True,
            {"s1_nps": 9, "s1_rate": 3, "s1_pick": "B", "s1_multi": ["X"]}, "P2",
        ),
        response("r3", "S1", "2026-11-20T09:00:00.000Z", False, {"s1_nps": 3}, "P1"),
        response(
            "r4", "S1", "2026-11-20T10:00:00.000Z", True,
            {"s1_nps": 7, "s1_rate": 4, "s1_pick": "A", "s1_multi": ["Z", "X"]}, None,
        ),
        response("r5", "S2", "2026-11-19T12:00:00.000Z", True, {"s2_nps": 0, "s2_rate": 8}, "P2"),
        response("r6", "S2", "2026-11-20T11:30:00.000Z", False, {"s2_rate": 10}, "P2"),
        response("r7", "S2", RECENT, False, {}, None),
    ]  # fmt: skip
    attribute_classes = [
        attribute_class("AC-userId", "userId"),
        attribute_class("AC-email", "email"),
    ]
    return SampleDataset.from_records(
        surveys=surveys,
        responses=responses,
        people=people,
        attribute_classes=attribute_classes,
        release=release,
    )


def delete_some(dataset: SampleDataset) -> None:
    """The deletions of the hand-made dataset that `AFTER_DELETIONS` was worked out for.

    Response r2 (tagged, with a multi-select answer), survey S2 (and so, as in Formbricks, its
    responses r5, r6 and r7) and person P3 go.
    """
    dataset.delete("responses", ["r2"])
    dataset.delete("surveys", ["S2"])
    dataset.delete("people", ["P3"])


# What is left after `delete_some`: S1's responses r1, r3 and r4, people P1 and P2.
AFTER_DELETIONS = {
    # S1: 3 responses, 2 finished. NPS 10, 3, 7: one promoter, one detractor -> 0. Ratings of
    # range 5: 5 and 4 -> 1.0 and 0.8 -> mean 0.9. S3: a draft without responses.
    "survey_summary": [
        ("S1", 3, 2, 0.0, 2, 0.9),
        ("S3", 0, 0, None, 0, None),
    ],
    # P1: r1 and r3, the latest NPS r3's 3. P2: every response of theirs is gone.
    "person_engagement": [("P1", "u1", 2, 3), ("P2", "u2", 0, None)],
    # s1_multi: r1 [X, Y] and r4 [Z, X]; s1_pick: r1 A, r4 A.
    "choice_answer_distribution": [
        ("s1_multi", "X", 2, 2, 1.0),
        ("s1_multi", "Y", 1, 2, 0.5),
        ("s1_multi", "Z", 1, 2, 0.5),
        ("s1_pick", "A", 2, 2, 1.0),
    ],
}
AFTER_DELETIONS_SQL = {
    "survey_summary": (
        "SELECT survey_id, responses, finished_responses, nps, rating_answers, "
        "mean_rating_normalized FROM analytics_marts.survey_summary ORDER BY survey_id"
    ),
    "person_engagement": (
        "SELECT person_id, user_id, responses, latest_nps FROM analytics_marts.person_engagement "
        "ORDER BY person_id"
    ),
    "choice_answer_distribution": (
        "SELECT question_id, choice, selections, question_answers, share "
        "FROM analytics_marts.choice_answer_distribution ORDER BY question_id, choice"
    ),
}
