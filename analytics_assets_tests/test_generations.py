"""Both generations of the Formbricks API, the community edition, and what they refuse.

The same six assets load against every release the sample API serves: 2 (the 1.x-2.7 paths),
4 (3.x and 4.x: contacts, with the old paths rewritten to them) and 5 (5.x: the old paths are a
404 page), on the enterprise and the community edition. The hand-made dataset of `handmade.py`
gives the same analytics on each, worked out by hand in `test_marts.py`; on the community
edition there are no people to engage.

Then what must fail, and how: a generation pinned the wrong way, every endpoint 404 (the base
URL), a rejected key and a key without a workspace, responses or surveys refused; and what must
not: an optional endpoint refused, a 45 s storm of 429s without Retry-After, the 30 people that
Formbricks 2.7 returns at most.
"""

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from dagster import (
    AssetCheckEvaluation,
    AssetKey,
    DagsterInstance,
    ExecuteInProcessResult,
    materialize,
)

from analytics_assets.component.checks import ID_CHECK, SCHEMA_CHECK, build_raw_table_checks
from analytics_assets.component.names import LoaderNames
from analytics_assets.formbricks import settings
from analytics_assets.sample_api import (
    CONTACTS_REFUSED_MESSAGE,
    LEGACY_PEOPLE_LIMIT,
    SampleApiServer,
    SampleDataset,
)
from analytics_assets_tests.conftest import (
    FIXED_NOW,
    TEST_API_KEY,
    MakeResources,
    RunIngestion,
    api_ids,
    data_tables,
    failure_text,
    load_requests,
    query,
    table_ids,
)
from analytics_assets_tests.handmade import handmade_dataset
from analytics_assets_tests.live import scrubbed_env
from analytics_assets_tests.loader import analytics_api_assets, analytics_marts

PROJECT_DIR = Path(__file__).resolve().parents[1]
RELEASE_EDITIONS = [
    pytest.param(2, "enterprise", id="release-2"),
    pytest.param(4, "enterprise", id="release-4-enterprise"),
    pytest.param(4, "community", id="release-4-community"),
    pytest.param(5, "enterprise", id="release-5-enterprise"),
    pytest.param(5, "community", id="release-5-community"),
]
CONTACT_TABLES = ("attribute_classes", "identified_peoples")
FOUR_TABLES = ("surveys", "action_classes", "responses", "webhooks")
ORPHAN_KEY = "key-without-workspace"
FAST_BACKOFF = 0.05
RAW_TABLE_CHECKS = build_raw_table_checks(LoaderNames())


def _metadata(result: ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    return {
        event.asset_key.path[-1]: {
            key: value.value for key, value in event.materialization.metadata.items()
        }
        for event in result.get_asset_materialization_events()
    }


def _warnings(instance: DagsterInstance, result: ExecuteInProcessResult) -> list[str]:
    return [
        entry.user_message
        for entry in instance.all_logs(result.run_id)
        if entry.level == 30 and "is not available" in entry.user_message
    ]


def _check_results(result: ExecuteInProcessResult) -> dict[tuple[str, str], AssetCheckEvaluation]:
    return {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}


# ----------------------------------------------------------------------------- every release


@pytest.mark.parametrize(("release", "edition"), RELEASE_EDITIONS)
def test_each_release_loads_the_same_tables_and_analytics(
    tmp_path: Path,
    release: int,
    edition: str,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = handmade_dataset(release)
    duckdb_path = tmp_path / "warehouse.duckdb"
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY, edition=edition) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        result = run_ingestion(
            make_resources(server, tmp_path),
            [analytics_api_assets, analytics_marts, *RAW_TABLE_CHECKS],
            instance=instance,
        )
        requests_per_path = Counter(r.path for r in server.requests)
        warnings = _warnings(instance, result)
    assert result.success

    # One probe, reused on 3.0+; the community edition is spared the contacts requests.
    assert requests_per_path == load_requests(dataset, 1, edition=edition)
    for table in FOUR_TABLES:
        if api_ids(dataset, table):
            assert table_ids(duckdb_path, table) == api_ids(dataset, table), table
    assert table_ids(duckdb_path, "responses") == [f"r{n}" for n in range(1, 8)]

    metadata = _metadata(result)
    generation = "legacy" if release == 2 else "current"
    for table in settings.RESOURCES:
        assert metadata[table]["api_generation"] == generation, table
        assert metadata[table]["api_generation_source"] == "detected", table
    community = edition == "community"
    if community:
        assert not data_tables(duckdb_path) & set(CONTACT_TABLES)
        for table in CONTACT_TABLES:
            assert metadata[table]["available"] is False
            assert metadata[table]["unavailable_reason"] == (
                f"GET {settings.CONTACT_ATTRIBUTE_KEYS_PATH} answered HTTP 403: "
                f"{CONTACTS_REFUSED_MESSAGE.rstrip('.')}"
            )
            assert metadata[table]["dagster/row_count"] == 0
        assert len(warnings) == 2
        for table, warning in zip(sorted(CONTACT_TABLES), sorted(warnings), strict=True):
            assert warning.startswith(f"{table} (GET ")
            assert "HTTP 403" in warning and CONTACTS_REFUSED_MESSAGE.rstrip(".") in warning
        checks = _check_results(result)
        for table in CONTACT_TABLES:
            # Dagster's schema check passes a first materialization, whatever its reason.
            assert checks[(table, SCHEMA_CHECK)].passed, table
            assert checks[(table, ID_CHECK)].passed, table
            assert "not available" in checks[(table, ID_CHECK)].description
            assert CONTACTS_REFUSED_MESSAGE.rstrip(".") in checks[(table, ID_CHECK)].description
    else:
        assert all(metadata[table]["available"] is True for table in settings.RESOURCES)
        assert warnings == []
        people = query(
            duckdb_path,
            "SELECT id, user_id, CAST(attributes AS VARCHAR) FROM analytics.identified_peoples "
            "ORDER BY id",
        )
        assert [(i, u, a.replace(" ", "")) for i, u, a in people] == [
            ("P1", "u1", '{"email":"p1@x.io"}'),
            ("P2", "u2", '{"email":"p2@x.io"}'),
            ("P3", "u3", '{"email":"p3@x.io"}'),
        ]
        classes = query(duckdb_path, "SELECT id, name FROM analytics.attribute_classes ORDER BY id")
        # 2.7 hides the automatic userId class; from 3.0 on every attribute has a key, userId too.
        if release == 2:
            assert classes == [("AC-email", "email")]
        else:
            assert classes == [("AC-email", "email"), ("AC-userId", "userId")]
            assert query(
                duckdb_path,
                "SELECT display_name, is_unique FROM analytics.attribute_classes ORDER BY id",
            ) == [("Email", True), ("User Id", True)]
    assert all(evaluation.passed for evaluation in _check_results(result).values())

    # The analytics are the hand computation of test_marts.py on every release.
    summary = query(
        duckdb_path,
        "SELECT survey_id, responses, finished_responses, nps, mean_rating_normalized "
        "FROM analytics_marts.survey_summary ORDER BY survey_id",
    )
    assert summary == [
        ("S1", 4, 3, 25.0, pytest.approx(0.8)),
        ("S2", 3, 1, -100.0, pytest.approx(0.9)),
        ("S3", 0, 0, None, None),
    ]
    engagement = query(
        duckdb_path,
        "SELECT person_id, user_id, responses, latest_nps FROM analytics_marts.person_engagement "
        "ORDER BY person_id",
    )
    expected = [("P1", "u1", 2, 3), ("P2", "u2", 3, 0), ("P3", "u3", 0, None)]
    assert engagement == ([] if community else expected)


def test_on_release_4_every_user_id_is_the_contacts_user_id_attribute(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    """3.x and 4.x answer the old people path with bare contacts; the loader must not read it."""
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW, release=4)
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        assert run_ingestion(make_resources(server, tmp_path), instance=instance).success
        asked = {r.path for r in server.requests}
    assert "/api" + settings.LEGACY_ENDPOINT_PATHS["identified_peoples"] not in asked
    keys = {key["id"]: key["key"] for key in dataset.rows("contact_attribute_keys")}
    user_ids = {
        row["contactId"]: row["value"]
        for row in dataset.rows("contact_attributes")
        if keys[row["attributeKeyId"]] == "userId"
    }
    loaded = dict(
        query(tmp_path / "warehouse.duckdb", "SELECT id, user_id FROM analytics.identified_peoples")
    )
    assert len(loaded) == len(dataset.rows("contacts")) == 200
    assert loaded == user_ids
    assert all(loaded.values())


def test_declared_columns_are_the_same_on_either_generation(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    columns: dict[int, set[tuple[str, str]]] = {}
    for release in (2, 5):
        dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW, release=release)
        with (
            SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
            DagsterInstance.ephemeral() as instance,
        ):
            assert run_ingestion(
                make_resources(server, tmp_path / str(release)), instance=instance
            ).success
        columns[release] = set(
            query(
                tmp_path / str(release) / "warehouse.duckdb",
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'analytics' AND table_name IN "
                "('surveys', 'action_classes', 'attribute_classes', 'identified_peoples', "
                "'webhooks', 'responses', 'responses__tags')",
            )
        )
    for table in ("surveys", "action_classes", "attribute_classes", "identified_peoples",
                  "webhooks", "responses__tags"):  # fmt: skip
        assert {(table, "environment_id"), (table, "workspace_id")} <= columns[2], table
    assert {("responses", "contact__id"), ("responses", "person__id")} <= columns[2]
    assert columns[2] == columns[5]


# ----------------------------------------------------------------------------- pinned


@pytest.mark.parametrize(
    ("release", "edition", "pinned", "answer"),
    [
        (5, "enterprise", "legacy", "answered HTTP 404"),
        (4, "enterprise", "legacy", "answered contact attribute keys"),
        (4, "community", "legacy", "Contacts are only enabled for Enterprise Edition"),
        (2, "enterprise", "current", "answered HTTP 404"),
    ],
    ids=["legacy-on-5", "legacy-on-4", "legacy-on-4-community", "current-on-2"],
)
def test_a_generation_pinned_the_wrong_way_fails_saying_so(
    tmp_path: Path,
    release: int,
    edition: str,
    pinned: str,
    answer: str,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW, release=release)
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY, edition=edition) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        result = run_ingestion(
            make_resources(server, tmp_path, api_generation=pinned), instance=instance
        )
        paths = [r.path for r in server.requests]

    text = failure_text(result)
    assert f"{settings.ENV_API_GENERATION}={pinned}" in text
    assert answer in text
    other = "current" if pinned == "legacy" else "legacy"
    assert f"Set {settings.ENV_API_GENERATION}=auto (or {other})" in text
    # A pinned generation is not probed (the change feed is, first), and the failed run
    # loaded nothing.
    assert [p for p in paths if "/v2/" not in p][0] == "/api" + settings.SURVEYS_PATH
    assert data_tables(tmp_path / "warehouse.duckdb") == set()


def test_a_generation_pinned_the_right_way_is_recorded_and_not_probed(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW, release=5)
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        result = run_ingestion(
            make_resources(server, tmp_path, api_generation="current"), instance=instance
        )
        probes = server.request_count(settings.CONTACT_ATTRIBUTE_KEYS_PATH)
    assert result.success
    # Asked once, for the attribute classes and people, not before the load.
    assert probes == 1
    for values in _metadata(result).values():
        assert values["api_generation"] == "current"
        assert values["api_generation_source"] == f"pinned ({settings.ENV_API_GENERATION})"
    assert table_ids(tmp_path / "warehouse.duckdb", "identified_peoples") == api_ids(
        dataset, "identified_peoples"
    )


# ----------------------------------------------------------------------------- failures


def _orphan_server(release: int) -> SampleApiServer:
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW, release=release)
    return SampleApiServer(
        dataset=dataset, api_key=TEST_API_KEY, keys_without_workspace=(ORPHAN_KEY,)
    )


@pytest.mark.parametrize("release", [4, 5])
def test_a_key_without_a_workspace_fails_saying_where_access_is_given(
    tmp_path: Path,
    release: int,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    with _orphan_server(release) as server, DagsterInstance.ephemeral() as instance:
        result = run_ingestion(
            make_resources(server, tmp_path, api_key=ORPHAN_KEY), instance=instance
        )
        statuses = [r.status for r in server.requests]

    text = failure_text(result)
    assert statuses == [401]
    assert "HTTP 401" in text and settings.ENV_API_KEY in text
    assert "read access to at least one workspace" in text
    assert "Organization settings > API Keys" in text and "Workspace Access" in text
    assert ORPHAN_KEY not in text


def test_every_endpoint_404_fails_naming_the_base_url(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW)
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        # The server's root instead of its /api: every path is Next.js's 404 page.
        root = server.base_url.removesuffix("/api")
        result = run_ingestion(make_resources(server, tmp_path, base_url=root), instance=instance)
        statuses = [(r.path, r.status) for r in server.requests]

    text = failure_text(result)
    assert statuses == [
        (settings.CONTACT_ATTRIBUTE_KEYS_PATH, 404),
        (settings.V2_RESPONSES_PATH, 404),  # the change feed's probe: no feed
        (settings.SURVEYS_PATH, 404),
    ]
    assert settings.ENV_API_BASE_URL in text and "every endpoint this run asked" in text
    assert settings.ENV_API_KEY not in text
    assert data_tables(tmp_path / "warehouse.duckdb") == set()


@pytest.mark.parametrize(
    ("path", "status", "named"),
    [
        (settings.RESPONSES_PATH, 403, "responses"),
        (settings.SURVEYS_PATH, 404, "surveys"),
    ],
    ids=["responses-403", "surveys-404"],
)
def test_responses_or_surveys_refused_fail_the_run(
    tmp_path: Path,
    path: str,
    status: int,
    named: str,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW)
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        server.queue_fault(path, status, times=-1)
        result = run_ingestion(make_resources(server, tmp_path), instance=instance)

    text = failure_text(result)
    assert f"GET {path} answered HTTP {status}" in text
    assert f"The analytics need {named}: nothing useful can be loaded without them" in text
    # Other endpoints answered, so this is not the base URL.
    assert settings.ENV_API_BASE_URL not in text
    assert data_tables(tmp_path / "warehouse.duckdb") == set()


@pytest.mark.parametrize(
    ("table", "status"), [("action_classes", 403), ("webhooks", 404)]
)  # fmt: skip
def test_an_optional_endpoint_refused_leaves_the_others_loaded(
    tmp_path: Path,
    table: str,
    status: int,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW)
    path = settings.LEGACY_ENDPOINT_PATHS[table]
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        server.queue_fault(path, status, times=-1)
        result = run_ingestion(
            make_resources(server, tmp_path),
            [analytics_api_assets, *RAW_TABLE_CHECKS],
            instance=instance,
        )
        warnings = _warnings(instance, result)

    assert result.success
    duckdb_path = tmp_path / "warehouse.duckdb"
    assert table not in data_tables(duckdb_path)
    for other in settings.RESOURCES:
        if other != table:
            assert table_ids(duckdb_path, other) == api_ids(dataset, other), other
    metadata = _metadata(result)[table]
    assert metadata["available"] is False
    assert metadata["unavailable_reason"].startswith(f"GET {path} answered HTTP {status}")
    assert [w for w in warnings if w.startswith(f"{table} (GET {path})")]
    assert _check_results(result)[(table, ID_CHECK)].passed


# ----------------------------------------------------------------------------- rate limit


def test_a_45_second_storm_of_429s_without_retry_after_is_ridden_out(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    """The key's budget is spent elsewhere: every request gets 429 (no Retry-After) for 45 s.

    Backoffs of 2, 4 and 8 s would run out inside the storm; the loader waits for the API's
    next clock minute on a 429 without Retry-After: one wait outlasts a storm that starts before
    second 15 of a minute, two any other.
    """
    dataset = SampleDataset.generate(seed=7, responses=245, now=FIXED_NOW)
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        server.queue_fault("", 429, for_seconds=45)
        # The shipped retry policy and window, and the request budget as shipped.
        result = run_ingestion(
            make_resources(server, tmp_path, backoff_factor=settings.DEFAULT_BACKOFF_FACTOR),
            instance=instance,
        )
        records = server.requests

    assert result.success
    statuses = [r.status for r in records]
    refused = statuses.index(next(s for s in statuses if s != 429))
    assert 1 <= refused <= 2 and 429 not in statuses[refused:]
    # The same first request, retried at each next minute until the storm had passed.
    assert {r.path for r in records[: refused + 1]} == {records[0].path}
    assert records[refused].received_at - records[0].received_at >= 45
    for table in settings.RESOURCES:
        assert table_ids(tmp_path / "warehouse.duckdb", table) == api_ids(dataset, table), table


# ----------------------------------------------------------------------------- legacy people


def test_release_2_people_cut_at_30_are_loaded_with_a_warning(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW, release=2)
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        result = run_ingestion(make_resources(server, tmp_path), instance=instance)
        logs = [entry.user_message for entry in instance.all_logs(result.run_id)]

    assert result.success
    ids = table_ids(tmp_path / "warehouse.duckdb", "identified_peoples")
    assert len(ids) == LEGACY_PEOPLE_LIMIT and ids == api_ids(dataset, "identified_peoples")
    assert _metadata(result)["identified_peoples"]["possibly_truncated"] is True
    assert any("the most Formbricks 2.7 returns" in message for message in logs)


# ----------------------------------------------------------------------------- the CLI


def _cli_materialize(server: SampleApiServer, tmp_path: Path, base_url: str | None = None):
    (tmp_path / "dagster_home").mkdir(exist_ok=True)
    env = scrubbed_env(
        ANALYTICS_API_BASE_URL=base_url or server.base_url,
        ANALYTICS_API_KEY=TEST_API_KEY,
        ANALYTICS_DUCKDB_PATH=str(tmp_path / "warehouse.duckdb"),
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
        HOME=str(tmp_path),
    )
    command = [
        sys.executable, "-m", "dagster", "asset", "materialize",
        "-m", "analytics_assets.definitions", "--select", "*",
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def test_cli_on_the_community_edition_succeeds_and_says_why_people_are_missing(
    tmp_path: Path,
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=345, now=FIXED_NOW, release=5)
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY, edition="community") as server:
        completed = _cli_materialize(server, tmp_path)

    assert completed.returncode == 0, completed.stderr[-4000:]
    duckdb_path = tmp_path / "warehouse.duckdb"
    for table in FOUR_TABLES:
        assert table_ids(duckdb_path, table) == api_ids(dataset, table), table
    assert not data_tables(duckdb_path) & set(CONTACT_TABLES)
    output = completed.stdout + completed.stderr
    for table in CONTACT_TABLES:
        own = settings.CURRENT_ENDPOINT_PATHS[table]
        assert f"{table} (GET {own}) is not available" in output
    # People read the contacts, which were not asked once the attribute keys were refused.
    assert (
        f"GET {settings.CONTACT_ATTRIBUTE_KEYS_PATH} answered HTTP 403: "
        f"{CONTACTS_REFUSED_MESSAGE.rstrip('.')}, as every contacts endpoint does, so "
        f"GET {settings.CONTACTS_PATH} was not asked"
    ) in output
    assert CONTACTS_REFUSED_MESSAGE.rstrip(".") in output


def test_cli_with_a_base_url_where_everything_is_404_fails_naming_it(tmp_path: Path) -> None:
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW)
    with SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server:
        completed = _cli_materialize(
            server, tmp_path, base_url=server.base_url.removesuffix("/api") + "/v2"
        )

    assert completed.returncode != 0
    output = completed.stdout + completed.stderr
    assert settings.ENV_API_BASE_URL in output and "every endpoint this run asked" in output
    assert data_tables(tmp_path / "warehouse.duckdb") == set()


# ----------------------------------------------------------------------------- the probe


def test_a_proxy_403_on_the_probe_does_not_pass_for_the_community_edition(
    tmp_path: Path,
    make_resources: MakeResources,
    run_ingestion: RunIngestion,
) -> None:
    """A 2.7 server behind a proxy that refuses paths it does not know, with its own page."""
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW, release=2)
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        server.queue_fault(
            settings.GENERATION_PROBE_PATH,
            403,
            times=-1,
            body=b"<html><body>Access denied</body></html>",
            content_type="text/html",
        )
        result = run_ingestion(make_resources(server, tmp_path), instance=instance)
    assert result.success
    metadata = _metadata(result)
    assert {values["api_generation"] for values in metadata.values()} == {"legacy"}
    for table in CONTACT_TABLES:
        assert metadata[table]["available"] is True
        assert table_ids(tmp_path / "warehouse.duckdb", table) == api_ids(dataset, table)


def test_a_failing_probe_fails_only_runs_that_need_the_generation(
    tmp_path: Path, make_resources: MakeResources
) -> None:
    dataset = SampleDataset.generate(seed=7, responses=120, now=FIXED_NOW)
    common = [AssetKey(["analytics_api", table]) for table in FOUR_TABLES]
    with (
        SampleApiServer(dataset=dataset, api_key=TEST_API_KEY) as server,
        DagsterInstance.ephemeral() as instance,
    ):
        server.queue_fault(settings.GENERATION_PROBE_PATH, 500, times=-1)
        resources = make_resources(server, tmp_path)
        common_run = materialize(
            [analytics_api_assets], resources=resources, instance=instance, selection=common
        )
        logs = [entry.user_message for entry in instance.all_logs(common_run.run_id)]
        people_run = materialize(
            [analytics_api_assets],
            resources=resources,
            instance=instance,
            selection=[AssetKey(["analytics_api", "identified_peoples"])],
            raise_on_error=False,
        )
    assert common_run.success
    for table in FOUR_TABLES:
        assert table_ids(tmp_path / "warehouse.duckdb", table) == api_ids(dataset, table)
    assert {v["api_generation"] for v in _metadata(common_run).values()} == {"unknown"}
    assert any("Could not tell the API's generation" in message for message in logs)
    text = failure_text(people_run)
    assert f"GET {settings.GENERATION_PROBE_PATH}" in text and "HTTP 500" in text
