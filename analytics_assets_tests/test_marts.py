"""The analytics assets, on a small hand-built dataset whose figures are computed by hand below.

The dataset (`handmade.py`): three surveys (one draft without responses), three people (one
without responses), seven responses over two UTC days plus one from the last hour. Every
expected value in this file was worked out on paper from those records, not by running the SQL.
"""

import json
from pathlib import Path

import pytest
from dagster import AssetKey, ExecuteInProcessResult, materialize
from dagster_dlt import DagsterDltResource

from analytics_assets.component.analytics import MARTS_TABLES
from analytics_assets.component.resources import AnalyticsApiResource, WarehouseResource
from analytics_assets.definitions import defs
from analytics_assets.formbricks import columns as declared_columns
from analytics_assets.formbricks import settings
from analytics_assets.sample_api import SampleApiServer, SampleDataset
from analytics_assets.warehouse.analytics import LIVE_VIEWS, SHARED_VIEWS
from analytics_assets_tests.conftest import TEST_API_KEY, query
from analytics_assets_tests.handmade import RECENT, handmade_dataset, question, response, survey
from analytics_assets_tests.loader import (
    NAMES,
    analytics_api_assets,
    analytics_marts,
    asset_key_for,
)

MARTS = NAMES.analytics_dataset


def _load_and_build(
    dataset: SampleDataset, duckdb_path: Path, pipelines_dir: Path
) -> ExecuteInProcessResult:
    """Serve `dataset`, load it into `duckdb_path` and build every analytics table, in one run."""
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        return materialize(
            [analytics_api_assets, analytics_marts],
            resources={
                "dlt": DagsterDltResource(),
                "analytics_api": AnalyticsApiResource(
                    base_url=server.base_url, api_key=TEST_API_KEY
                ),
                "warehouse": WarehouseResource(
                    duckdb_path=str(duckdb_path), pipelines_dir=str(pipelines_dir)
                ),
            },
        )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Raw tables and every analytics table, built once from the hand-made dataset."""
    root = tmp_path_factory.mktemp("marts")
    duckdb_path = root / "warehouse.duckdb"
    result = _load_and_build(handmade_dataset(), duckdb_path, root / "dlt")
    assert result.success
    materializations = {
        event.asset_key: event.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.asset_key.path[0] == NAMES.analytics_key_prefix
    }
    assert set(materializations) == {NAMES.analytics_key(table) for table in MARTS_TABLES}
    (root / "headline.json").write_text(
        json.dumps(
            {
                key: value.value
                for key, value in materializations[NAMES.analytics_key("survey_summary")].items()
                if isinstance(value.value, int | float)
            }
        )
    )
    return duckdb_path


def _rows(path: Path, sql: str) -> list[tuple]:
    return query(path, sql)


def test_survey_summary_matches_the_hand_computation(warehouse: Path) -> None:
    rows = _rows(
        warehouse,
        f"SELECT survey_id, survey_name, status, responses, finished_responses, completion_rate,"
        f" nps_answers, promoters, detractors, nps, rating_answers, mean_rating_normalized"
        f" FROM {MARTS}.survey_summary ORDER BY survey_id",
    )
    # S1: 4 responses, 3 finished. NPS answers 10, 9, 3, 7: 2 promoters, 1 detractor -> +25.
    #     Ratings of range 5: 5, 3, 4 -> 1.0, 0.6, 0.8 -> mean 0.8.
    # S2: 3 responses (r7 has no answers), 1 finished. One NPS answer, 0 -> -100.
    #     Ratings of range 10: 8, 10 -> 0.8, 1.0 -> mean 0.9.
    # S3: a draft, no responses: no rates, no NPS.
    assert rows == [
        ("S1", "Onboarding", "inProgress", 4, 3, 0.75, 4, 2, 1, 25.0, 3, pytest.approx(0.8)),
        ("S2", "Churn", "paused", 3, 1, pytest.approx(1 / 3), 1, 0, 1, -100.0, 2,
         pytest.approx(0.9)),
        ("S3", "Draft", "draft", 0, 0, None, 0, 0, 0, None, 0, None),
    ]  # fmt: skip


def test_daily_survey_responses_matches_the_hand_computation(warehouse: Path) -> None:
    rows = _rows(
        warehouse,
        f"SELECT CAST(day AS VARCHAR), survey_id, responses_created, responses_finished,"
        f" nps_answers, nps FROM {MARTS}.daily_survey_responses ORDER BY day, survey_id",
    )
    assert rows == [
        # r1 (10) and r2 (9): both promoters.
        ("2026-11-19", "S1", 2, 2, 2, 100.0),
        # r5 (0): a detractor.
        ("2026-11-19", "S2", 1, 1, 1, -100.0),
        # r3 (3, unfinished) and r4 (7): one detractor, one passive -> -50.
        ("2026-11-20", "S1", 2, 1, 2, -50.0),
        # r6: unfinished, a rating only.
        ("2026-11-20", "S2", 1, 0, 0, None),
        # r7: an hour ago, no answers.
        (RECENT.date().isoformat(), "S2", 1, 0, 0, None),
    ]


def test_person_engagement_matches_the_hand_computation(warehouse: Path) -> None:
    rows = _rows(
        warehouse,
        f"SELECT person_id, user_id, responses, strftime(first_response_at AT TIME ZONE 'UTC',"
        f" '%Y-%m-%dT%H:%M'), strftime(last_response_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M'),"
        f" latest_nps, CAST(attributes AS VARCHAR) LIKE '%p' || substr(person_id, 2) || '@x.io%'"
        f" FROM {MARTS}.person_engagement ORDER BY person_id",
    )
    assert rows == [
        # r1, r3; the latest NPS answer is r3's 3.
        ("P1", "u1", 2, "2026-11-19T10:00", "2026-11-20T09:00", 3, True),
        # r2, r5, r6; r6 has no NPS answer, so the latest is r5's 0.
        ("P2", "u2", 3, "2026-11-19T11:00", "2026-11-20T11:30", 0, True),
        # No responses.
        ("P3", "u3", 0, None, None, None, True),
    ]


def test_choice_answer_distribution_matches_the_hand_computation(warehouse: Path) -> None:
    rows = _rows(
        warehouse,
        f"SELECT question_id, question_type, choice, selections, question_answers, share"
        f" FROM {MARTS}.choice_answer_distribution ORDER BY question_id, choice",
    )
    assert rows == [
        # s1_multi answered by r1 [X, Y], r2 [X], r4 [Z, X].
        ("s1_multi", "multipleChoiceMulti", "X", 3, 3, 1.0),
        ("s1_multi", "multipleChoiceMulti", "Y", 1, 3, pytest.approx(1 / 3)),
        ("s1_multi", "multipleChoiceMulti", "Z", 1, 3, pytest.approx(1 / 3)),
        # s1_pick answered by r1 A, r2 B, r4 A.
        ("s1_pick", "multipleChoiceSingle", "A", 2, 3, pytest.approx(2 / 3)),
        ("s1_pick", "multipleChoiceSingle", "B", 1, 3, pytest.approx(1 / 3)),
    ]


def test_headline_figures_are_numeric_metadata(warehouse: Path) -> None:
    headline = json.loads((warehouse.parent / "headline.json").read_text())
    # 7 responses, 4 finished; NPS answers 10, 9, 3, 7, 0: 2 promoters, 2 detractors -> 0.
    assert headline["responses_total"] == 7
    assert headline["completion_rate"] == pytest.approx(4 / 7)
    assert headline["overall_nps"] == 0.0
    assert headline["responses_last_day"] == 1
    assert headline["dagster/row_count"] == 3


def test_answers_are_long_one_row_per_answeredquestion(warehouse: Path) -> None:
    rows = _rows(
        warehouse,
        "SELECT response_id, question_id, value_number, value_text"
        " FROM analytics.responses__answers ORDER BY response_id, question_id",
    )
    assert [(r, q) for r, q, _, _ in rows] == [
        ("r1", "s1_multi"), ("r1", "s1_nps"), ("r1", "s1_open"), ("r1", "s1_pick"),
        ("r1", "s1_rate"),
        ("r2", "s1_multi"), ("r2", "s1_nps"), ("r2", "s1_pick"), ("r2", "s1_rate"),
        ("r3", "s1_nps"),
        ("r4", "s1_multi"), ("r4", "s1_nps"), ("r4", "s1_pick"), ("r4", "s1_rate"),
        ("r5", "s2_nps"), ("r5", "s2_rate"),
        ("r6", "s2_rate"),
    ]  # fmt: skip
    assert ("r1", "s1_open", None, "great") in rows
    assert ("r5", "s2_nps", 0.0, None) in rows


def test_each_analytics_asset_depends_on_exactly_the_tables_its_sql_reads() -> None:
    graph = defs.resolve_asset_graph()
    raw = {table: asset_key_for(table) for table in settings.RESOURCES}
    expected = {
        "survey_summary": {raw["surveys"], raw["responses"]},
        "daily_survey_responses": {raw["surveys"], raw["responses"]},
        "person_engagement": {raw["identified_peoples"], raw["surveys"], raw["responses"]},
        "choice_answer_distribution": {raw["surveys"], raw["responses"]},
    }
    for table, parents in expected.items():
        assert graph.get(NAMES.analytics_key(table)).parent_keys == parents, table
    every_key = set(graph.get_all_asset_keys())
    assert every_key == set(raw.values()) | {NAMES.analytics_key(t) for t in MARTS_TABLES}
    for key in every_key:
        node = graph.get(key)
        assert node.description and node.owners and node.kinds, key
        assert node.metadata.get("dagster/table_name"), key


def test_analytics_refresh_on_their_own_after_their_upstream() -> None:
    sensor_names = {sensor.name: sensor for sensor in defs.sensors}
    automation = sensor_names["analytics_automation_sensor"]
    assert automation.default_status.value == "RUNNING"
    graph = defs.resolve_asset_graph()
    for table in MARTS_TABLES:
        condition = graph.get(NAMES.analytics_key(table)).automation_condition
        assert condition is not None and "eager" in condition.get_label().lower(), table


def test_analytics_before_any_load_fail_with_a_clear_error(tmp_path: Path) -> None:
    result = materialize(
        [analytics_marts],
        resources={
            "warehouse": WarehouseResource(
                duckdb_path=str(tmp_path / "w.duckdb"), pipelines_dir=str(tmp_path / "dlt")
            )
        },
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    error = failure.step_failure_data.error
    message = error.cause.message if error.cause else error.message
    assert "never loaded" in message and NAMES.group in message


def test_an_account_without_choice_questions_or_people_still_builds(tmp_path: Path) -> None:
    """dlt creates no table for a child that never had a row; such tables read as empty."""
    dataset = SampleDataset.from_records(
        surveys=[survey("S9", "Only NPS", "inProgress", [question("n", "nps")])],
        responses=[response("x1", "S9", "2026-11-19T10:00:00.000Z", True, {"n": 9}, None)],
    )
    duckdb_path = tmp_path / "w.duckdb"
    result = _load_and_build(dataset, duckdb_path, tmp_path / "dlt")
    assert result.success
    assert query(duckdb_path, f"SELECT survey_id, nps FROM {MARTS}.survey_summary") == [
        ("S9", 100.0)
    ]
    assert query(duckdb_path, f"SELECT count(*) FROM {MARTS}.choice_answer_distribution") == [(0,)]
    assert query(duckdb_path, f"SELECT count(*) FROM {MARTS}.person_engagement") == [(0,)]


def test_materializing_everything_includes_the_analytics(warehouse: Path) -> None:
    kinds = {
        name: kind
        for name, kind in query(
            warehouse,
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = ?",
            MARTS,
        )
    }
    assert {name for name, kind in kinds.items() if kind == "BASE TABLE"} == set(MARTS_TABLES)
    # The views the SQL files read, which users may query too.
    assert {name for name, kind in kinds.items() if kind == "VIEW"} == {*LIVE_VIEWS, *SHARED_VIEWS}
    assert AssetKey([NAMES.analytics_key_prefix, "survey_summary"]) == NAMES.analytics_key(
        "survey_summary"
    )


def test_many_surveys_of_distinct_questions_keep_responses_narrow(tmp_path: Path) -> None:
    """60 surveys x 5 questions of random ids: 300 question ids, and not one column per id."""
    surveys, responses = [], []
    for number in range(60):
        questions = [question(f"q{number}_{k}", "rating", range=5) for k in range(5)]
        surveys.append(survey(f"S{number:02d}", f"Survey {number}", "inProgress", questions))
        for copy in range(3):
            created = f"2026-11-{10 + copy:02d}T{number // 10:02d}:{number % 60:02d}:00.000Z"
            data = {question["id"]: 1 + (copy + k) % 5 for k, question in enumerate(questions)}
            responses.append(response(f"r{number}-{copy}", f"S{number:02d}", created, True,
                                       data, None))  # fmt: skip
    dataset = SampleDataset.from_records(surveys=surveys, responses=responses)
    duckdb_path = tmp_path / "w.duckdb"
    result = _load_and_build(dataset, duckdb_path, tmp_path / "dlt")
    assert result.success
    columns = [
        row[0]
        for row in query(
            duckdb_path,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'analytics' AND table_name = 'responses'",
        )
    ]
    assert not [c for c in columns if c.startswith(("data__", "ttc__"))]
    assert {"data", "ttc"} <= set(columns)
    assert len(columns) < 60
    assert query(
        duckdb_path,
        "SELECT count(*), count(DISTINCT question_id), count(DISTINCT response_id)"
        " FROM analytics.responses__answers",
    ) == [(900, 300, 180)]
    # Each survey's three responses rate its questions 1..5 in turn: the mean normalised
    # rating is the mean of 15 answers that hold each of 1..5 three times, i.e. 3/5.
    means = query(duckdb_path, f"SELECT mean_rating_normalized FROM {MARTS}.survey_summary")
    assert [row[0] for row in means] == [pytest.approx(0.6)] * 60


def test_responses_of_the_old_person_shape_still_count_for_their_person(tmp_path: Path) -> None:
    """Responses loaded as `person` (before the API's rename to `contact`) link to people too."""
    dataset = SampleDataset.generate(seed=5, responses=240, now=RECENT)
    dataset.rename_response_field("contact", "person", newest=60)
    expected: dict[str, int] = {}
    for record in dataset.rows("responses"):
        person = record.get("contact") or record.get("person")
        if person:
            expected[person["id"]] = expected.get(person["id"], 0) + 1
    assert any(r.get("person") for r in dataset.rows("responses"))  # both shapes are served

    duckdb_path = tmp_path / "w.duckdb"
    result = _load_and_build(dataset, duckdb_path, tmp_path / "dlt")
    assert result.success
    engaged = query(
        duckdb_path,
        f"SELECT person_id, responses FROM {MARTS}.person_engagement WHERE responses > 0",
    )
    assert dict(engaged) == expected


# ----------------------------------------------------------------------------- archived surveys

ARCHIVED_SQL = (
    "SELECT survey_id, strftime(archived_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M'), is_archived,"
    " strftime(purge_after AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M'), responses"
    f" FROM {MARTS}.survey_summary ORDER BY survey_id"
)
NOT_ARCHIVED = [
    ("S1", None, False, None, 4),
    ("S2", None, False, None, 3),
    ("S3", None, False, None, 0),
]


def _raw_column_type(path: Path, table: str, column: str) -> list[tuple]:
    return query(
        path,
        "SELECT data_type FROM information_schema.columns "
        "WHERE table_schema = 'analytics' AND table_name = ? AND column_name = ?",
        table,
        column,
    )


def test_survey_summary_shows_which_surveys_are_archived(tmp_path: Path) -> None:
    """Formbricks 5.3+ sends `archivedAt`; it deletes the survey and its responses 30 days on."""
    dataset = handmade_dataset(release=5)
    archived = {"S2": "2026-11-01T08:00:00.000Z"}
    # Written into the records served, whatever the sample does with `archivedAt` itself.
    dataset.add_field("surveys", "archivedAt", lambda record: archived.get(record["id"]))
    duckdb_path = tmp_path / "w.duckdb"
    assert _load_and_build(dataset, duckdb_path, tmp_path / "dlt").success
    assert query(duckdb_path, ARCHIVED_SQL) == [
        ("S1", None, False, None, 4),
        # Archived on 1 November: purged from 1 December; its responses still count until then.
        ("S2", "2026-11-01T08:00", True, "2026-12-01T08:00", 3),
        ("S3", None, False, None, 0),
    ]


@pytest.mark.parametrize("release", [2, 4])
def test_a_server_that_sends_no_archived_at_still_has_the_column(
    tmp_path: Path, release: int
) -> None:
    """Servers before 5.3 send no `archivedAt`: the declared column exists, null throughout."""
    dataset = handmade_dataset(release=release)
    assert not any("archivedAt" in record for record in dataset.rows("surveys"))
    duckdb_path = tmp_path / "w.duckdb"
    assert _load_and_build(dataset, duckdb_path, tmp_path / "dlt").success
    assert _raw_column_type(duckdb_path, "surveys", "archived_at") == [
        ("TIMESTAMP WITH TIME ZONE",)
    ]
    assert query(duckdb_path, ARCHIVED_SQL) == NOT_ARCHIVED


def test_a_warehouse_loaded_before_archived_at_was_declared_gains_it_at_the_next_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A surveys table dlt created without the column: the analytics read it as null, and the
    next load adds it (dlt migrates a table to its declared columns, data or not)."""
    dataset = handmade_dataset(release=4)
    duckdb_path = tmp_path / "w.duckdb"
    monkeypatch.delitem(declared_columns._TABLE_COLUMNS["surveys"], "archivedAt")
    assert _load_and_build(dataset, duckdb_path, tmp_path / "dlt").success
    assert _raw_column_type(duckdb_path, "surveys", "archived_at") == []
    assert query(duckdb_path, ARCHIVED_SQL) == NOT_ARCHIVED

    monkeypatch.undo()
    # Still no survey sends the field: the declaration alone adds the column.
    assert _load_and_build(dataset, duckdb_path, tmp_path / "dlt").success
    assert _raw_column_type(duckdb_path, "surveys", "archived_at") == [
        ("TIMESTAMP WITH TIME ZONE",)
    ]
    assert query(duckdb_path, ARCHIVED_SQL) == NOT_ARCHIVED
