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
