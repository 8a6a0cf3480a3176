"""The README's walkthrough of Dagster's UI, followed word for word in headless Chromium.

`analytics-assets demo` starts the sample API and `dagster dev` on a fresh instance, as on a
fresh clone. The test reads the numbered steps between README.md's `<!-- ui-steps:start -->`
and `<!-- ui-steps:end -->` markers and does what they say: it opens the step's address,
clicks each **bold** label in turn (a link, button, menu item or tab so labelled, behind the
graph's settings button when the step says "the gear") and then expects each *italic* phrase
on the page. A README wording that no longer matches the UI fails, naming the step.

Before **Materialize all** it checks that the lineage graph shows the ten assets and their
edges; after it, that the run succeeded, that every check of every asset passed (GraphQL)
and that the graph says so ("N / N Passed"). The materialized lineage is then screenshotted
and copied to docs/screenshots/lineage.png, the README's screenshot, on every passing run.
Last, the run's page and `analytics_api/responses` (row count, checks) in a second tab.

Needs Debian's Chromium (`bash .ci/browser.sh`) and Python Playwright (the `test` extra);
`playwright install` is never run, the test drives /usr/bin/chromium. Without them the test
skips, except under CI (env `CI` set), where it fails. Other screenshots go to tmp_path.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from analytics_assets_tests.live import (
    free_port,
    graphql,
    scrubbed_env,
    skip_or_fail_in_ci,
    wait_for,
)

PROJECT_DIR = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium dials out at start, which a closed
# network refuses; a fresh user-data dir keeps every run alike.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
README = PROJECT_DIR / "README.md"
STEPS_START, STEPS_END = "<!-- ui-steps:start -->", "<!-- ui-steps:end -->"
README_SCREENSHOT = PROJECT_DIR / "docs" / "screenshots" / "lineage.png"
DEFAULT_UI_URL = "http://127.0.0.1:3000"  # `analytics-assets demo` without --ui-port
MATERIALIZE_ALL = "Materialize all"  # the README's label that launches the run
CLICKABLE_ROLES = ("link", "button", "menuitem", "tab")
RESPONSES = 300
# The graph is tall (six raw assets in one column): a portrait viewport keeps it legible.
GRAPH_VIEWPORT = {"width": 1200, "height": 1440}
PAGE_VIEWPORT = {"width": 1600, "height": 1000}

RAW_ASSETS = [
    ("analytics_api", "surveys"),
    ("analytics_api", "action_classes"),
    ("analytics_api", "attribute_classes"),
    ("analytics_api", "identified_peoples"),
    ("analytics_api", "responses"),
    ("analytics_api", "webhooks"),
]
ANALYTICS_ASSETS = [
    ("analytics", "survey_summary"),
    ("analytics", "daily_survey_responses"),
    ("analytics", "person_engagement"),
    ("analytics", "choice_answer_distribution"),
]
ALL_ASSETS = RAW_ASSETS + ANALYTICS_ASSETS
RESPONSES_CHECKS = [
    "id_not_null_and_unique",
    "survey_id_in_surveys",
    "column_schema_change",
]

UI_START_TIMEOUT = 180  # seconds; `dagster dev` loads the code location slowly on 2 cores
RUN_TIMEOUT = 240  # seconds
PAGE_TIMEOUT_MS = 90_000


def _require_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (install it with `bash .ci/browser.sh`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the `playwright` module (pip install -e '.[test]')")
    if missing:
        skip_or_fail_in_ci("the browser test needs " + " and ".join(missing))


class DemoExited(AssertionError):
    """The demo process ended while the test waited on it."""


ASSET_NODES = "{ assetNodes { assetKey { path } dependencyKeys { path } } }"
RUN_IDS = "{ runsOrError(limit: 20) { ... on Runs { results { runId } } } }"
RUN_STATUS = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
ASSET_CHECKS = (
    "{ assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks"
    " { checks { name executionForLatestMaterialization { status } } } } } }"
)
LATEST_MATERIALIZATIONS = (
    "{ assetNodes { assetKey { path } assetMaterializations(limit: 1) { runId } } }"
)


class Demo:
    """`analytics-assets demo` in its own process group, stopped as Ctrl+C would."""

    def __init__(self, tmp_path: Path) -> None:
        self.ui_port, self.api_port = free_port(), free_port()
        self.log_path = tmp_path / "demo.log"
        dagster_home = tmp_path / "dagster_home"
        dagster_home.mkdir()
        # The instance settings a user gets when starting the demo in the project folder.
        shutil.copy(PROJECT_DIR / "dagster.yaml", dagster_home / "dagster.yaml")
        env = scrubbed_env(
            DAGSTER_HOME=str(dagster_home),
            DLT_DATA_DIR=str(tmp_path / "dlt"),
            HOME=str(tmp_path),
        )
        command = [
            sys.executable, "-m", "analytics_assets.cli", "demo",
            "--ui-port", str(self.ui_port),
            "--api-port", str(self.api_port),
            "--responses", str(RESPONSES),
            "--duckdb-path", str(tmp_path / "demo.duckdb"),
        ]  # fmt: skip
        self._log = self.log_path.open("wb")
        # Output goes to a file: an unread pipe fills up and blocks `dagster dev`.
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,  # "From the project folder": `dg dev` reads its pyproject.toml
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        return graphql(self.ui_port, query, variables)

    def wait_until_serving(self) -> list[dict]:
        def nodes() -> list[dict] | None:
            if self.process.poll() is not None:
                raise DemoExited(
                    f"the demo exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            found = self.graphql(ASSET_NODES)["assetNodes"]
            return found if len(found) >= len(ALL_ASSETS) else None

        return wait_for(
            nodes, UI_START_TIMEOUT, "the Dagster UI to serve the assets", fatal=(DemoExited,)
        )

    def stop(self) -> None:
        try:
            self.process.send_signal(signal.SIGINT)  # Ctrl+C: the demo stops `dagster dev`
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        finally:
            try:  # whatever outlived the demo: run workers, code servers
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
            self._log.close()


def _key(path: list[str]) -> str:
    return "/".join(path)


# Nodes and edges as the lineage graph draws them, in the graph's own (unzoomed) coordinates:
# each asset is a <foreignObject> whose label carries its name; each edge a <path> with an
# arrow, running from the right side of its upstream node to the left side of its downstream.
GRAPH_GEOMETRY_JS = """
svg => {
  const nodes = [...svg.querySelectorAll('foreignObject:not(.group)')].map(fo => ({
    names: [...fo.querySelectorAll('[data-tooltip]')].map(el => el.getAttribute('data-tooltip')),
    x: +fo.getAttribute('x'), y: +fo.getAttribute('y'),
    w: +fo.getAttribute('width'), h: +fo.getAttribute('height'),
  }));
  const edges = [...svg.querySelectorAll('path[marker-end]')].map(path => {
    const n = (path.getAttribute('d').match(/-?\\d+(?:\\.\\d+)?/g) || []).map(Number);
    return {sx: n[0], sy: n[1], ex: n[n.length - 2], ey: n[n.length - 1]};
  });
  return {nodes, edges};
}
"""


def _graph_from_dom(page) -> tuple[set[str], set[tuple[str, str]], list[dict]]:
    by_name = {path[-1]: "/".join(path) for path in ALL_ASSETS}
    geometry = page.locator("[data-svg-viewport] svg").first.evaluate(GRAPH_GEOMETRY_JS)
    nodes = []
    for node in geometry["nodes"]:
        names = [by_name[name] for name in node["names"] if name in by_name]
        if names:
            nodes.append({**node, "key": names[0]})
    edges: set[tuple[str, str]] = set()
    unmapped = []
    tolerance = 15
    for edge in geometry["edges"]:
        sources = [
            n["key"]
            for n in nodes
            if abs(n["x"] + n["w"] - edge["sx"]) <= tolerance
            and n["y"] <= edge["sy"] <= n["y"] + n["h"]
        ]
        targets = [
            n["key"]
            for n in nodes
            if abs(n["x"] - edge["ex"]) <= tolerance and n["y"] <= edge["ey"] <= n["y"] + n["h"]
        ]
        if len(sources) == 1 and len(targets) == 1:
            edges.add((sources[0], targets[0]))
        else:
            unmapped.append(edge)
    return {n["key"] for n in nodes}, edges, unmapped


def _frame_graph(page) -> None:
    """The whole lineage graph, alone on the page and zoomed out until all of it shows.

    Not a README step: the screenshot's framing. The left navigation and the asset tree beside
    the graph fold away (both kept in localStorage), which leaves GRAPH_VIEWPORT wide enough
    for zoom 0.75 or more: below it Dagster draws bare boxes with truncated names, and the
    test reads the nodes' labels and edges.
    """
    _named_nodes(page).first.wait_for()
    hide_navigation = page.get_by_text("Hide navigation", exact=True)
    if hide_navigation.is_visible():
        hide_navigation.click()
    # The asset tree's toggle sits right of its "Jump to…" box.
    jump_to = page.get_by_placeholder("Jump to…")
    if jump_to.is_visible():
        box = jump_to.bounding_box()
        toggles = page.get_by_role("img", name="panel_show_right")
        for index in range(toggles.count()):
            toggle = toggles.nth(index).bounding_box()
            if toggle and abs(toggle["y"] - box["y"]) < 30 and toggle["x"] > box["x"]:
                toggles.nth(index).click()
                jump_to.wait_for(state="hidden")
                break
    _center(page)
    _zoom_to_fit(page)
    _center(page)
    page.mouse.move(0, 0)  # no hover highlight in the screenshot


def _named_nodes(page):
    """Asset nodes drawn in detail: their labels carry the asset's name as `data-tooltip`."""
    return page.locator("[data-svg-viewport] svg foreignObject:not(.group):has([data-tooltip])")


def _graph_boxes(page) -> tuple[dict, dict]:
    """The free part of the graph's viewport (below the toolbar laid over it), the graph."""
    viewport = page.locator("[data-svg-viewport]")
    outer = viewport.bounding_box()
    search = _materialize_all(page).bounding_box()
    if search and outer["y"] <= search["y"] + search["height"] < outer["y"] + outer["height"]:
        top = search["y"] + search["height"] + 8
        outer = {**outer, "y": top, "height": outer["y"] + outer["height"] - top}
    # The drawn boxes, not the <svg>, which has a wide margin of its own.
    inner = viewport.locator("svg").first.evaluate(
        """svg => {
          const boxes = [...svg.querySelectorAll('foreignObject')].map(
            el => el.getBoundingClientRect());
          const left = Math.min(...boxes.map(b => b.left));
          const top = Math.min(...boxes.map(b => b.top));
          const right = Math.max(...boxes.map(b => b.right));
          const bottom = Math.max(...boxes.map(b => b.bottom));
          return {x: left, y: top, width: right - left, height: bottom - top};
        }"""
    )
    return outer, inner


def _center(page) -> None:
    """Drag the graph's background until the graph sits in the middle of its free area."""
    for _ in range(3):
        outer, inner = _graph_boxes(page)
        dx = (outer["x"] + outer["width"] / 2) - (inner["x"] + inner["width"] / 2)
        dy = (outer["y"] + outer["height"] / 2) - (inner["y"] + inner["height"] / 2)
        if abs(dx) < 2 and abs(dy) < 2:
            return
        # From the bottom left corner, clear of the toolbar and the zoom buttons; the
        # viewport pans from anywhere and a drag never clicks what it starts on.
        start_x, start_y = outer["x"] + 8, outer["y"] + outer["height"] - 8
        page.mouse.move(start_x, start_y)
        page.mouse.down()
        page.mouse.move(start_x + dx, start_y + dy, steps=8)
        page.mouse.up()


def _zoom_to_fit(page) -> None:
    viewport = page.locator("[data-svg-viewport]")
    zoom_out = viewport.get_by_role("img", name="zoom_out", exact=True)

    def fits() -> bool:
        outer, inner = _graph_boxes(page)
        margin = 24
        return (
            inner["width"] + margin <= outer["width"]
            and inner["height"] + margin <= outer["height"]
        )

    for _ in range(40):  # 0.05 of zoom per click, about the middle of the viewport
        if fits():
            return
        width = viewport.locator("svg").first.bounding_box()["width"]
        zoom_out.click()
        page.wait_for_function(
            "([el, w]) => el.getBoundingClientRect().width < w - 0.5",
            arg=[viewport.locator("svg").first.element_handle(), width],
        )


def _materialize_all(page):
    # The button's accessible name starts with its icon's label.
    return page.get_by_role("button", name=re.compile(r"\bMaterialize all$"))


@dataclass
class Step:
    """One numbered step of the README's UI walkthrough."""

    number: int
    text: str
    clicks: list[str]  # **bold**: the controls the user clicks, as the UI labels them
    shown: list[str]  # *italic*: what the page then shows
    url: str | None  # <http://...>: the address the step opens

    def __str__(self) -> str:
        return f"README step {self.number} ({self.text!r})"


def readme_steps() -> list[Step]:
    """The numbered list between README.md's `ui-steps` markers, one Step per item."""
    readme = README.read_text()
    for marker in (STEPS_START, STEPS_END):
        assert readme.count(marker) == 1, f"README.md must hold `{marker}` once"
    block = readme.split(STEPS_START, 1)[1].split(STEPS_END, 1)[0]
    items: list[list] = []
    for line in block.splitlines():
        item = re.match(r"\s*(\d+)\.\s+(.*)", line)
        if item:
            items.append([int(item[1]), item[2].strip()])
        elif line.strip():
            assert items, f"README's UI steps start with text outside the list: {line!r}"
            items[-1][1] += " " + line.strip()
    assert [number for number, _ in items] == list(range(1, len(items) + 1)), (
        f"README's UI steps are not a list numbered 1, 2, …: {block!r}"
    )
    steps = []
    for number, text in items:
        url = re.search(r"<(https?://[^>]+)>", text)
        steps.append(
            Step(
                number=number,
                text=text,
                clicks=re.findall(r"\*\*(.+?)\*\*", text),
                shown=re.findall(r"(?<![*\w])\*(?!\*)([^*]+?)\*(?![*\w])", text),
                url=url[1] if url else None,
            )
        )
    assert any(MATERIALIZE_ALL in step.clicks for step in steps), (
        f"README's UI steps never click **{MATERIALIZE_ALL}**: {block!r}"
    )
    return steps


def _control(page, label: str):
    """The visible link, button, menu item or tab whose label is `label`.

    Accessible names start with an icon's name ("lineage Lineage") and menu items end with
    a shortcut ("… Expand all groups ⌥E"), so the label is matched as whole words.
    """
    name = re.compile(rf"(?:^|\s){re.escape(label)}(?:\s|$)")
    found = page.get_by_role(CLICKABLE_ROLES[0], name=name)
    for role in CLICKABLE_ROLES[1:]:
        found = found.or_(page.get_by_role(role, name=name))
    return found.filter(visible=True).first


def _click(page, step: Step, label: str) -> None:
    from playwright.sync_api import expect

    control = _control(page, label)
    try:
        expect(control).to_be_visible()
    except AssertionError as error:
        raise AssertionError(
            f"{step}: the UI at {page.url} shows no control labelled {label!r}"
        ) from error
    control.click()


def _open_graph_settings_for(page, step: Step, label: str) -> None:
    """The graph's settings menu, when the step finds `label` behind "the gear"."""
    gear = step.text.lower().find("gear")
    if 0 <= gear < step.text.find(f"**{label}**"):
        settings = page.locator("[data-svg-viewport]").get_by_role(
            "button", name="settings", exact=True
        )
        try:
            settings.click()
        except Exception as error:
            raise AssertionError(f"{step}: the graph shows no gear (settings) button") from error


def _run_launched(demo: Demo, step: Step, before: set[str]) -> str:
    def new_run() -> str | None:
        runs = demo.graphql(RUN_IDS)["runsOrError"]["results"]
        fresh = [r["runId"] for r in runs if r["runId"] not in before]
        return fresh[-1] if fresh else None  # newest first; the automation sensor's come later

    try:
        return wait_for(new_run, 60, f"the run that {step} launches", fatal=(DemoExited,))
    except DemoExited:
        raise
    except AssertionError as error:  # a launchpad or a confirmation the README does not name
        raise AssertionError(f"{step}: clicking **{MATERIALIZE_ALL}** launched no run") from error


def _checks_by_asset(demo: Demo) -> dict[str, list[dict]]:
    nodes = demo.graphql(ASSET_CHECKS)["assetNodes"]
    return {
        _key(n["assetKey"]["path"]): n["assetChecksOrError"].get("checks", [])
        for n in nodes
        if n["assetChecksOrError"].get("checks")
    }


def _settled_checks(demo: Demo) -> dict[str, list[dict]] | None:
    """Every asset's checks, once each has finished for the asset's latest materialization."""
    checks = _checks_by_asset(demo)
    for asset_checks in checks.values():
        for check in asset_checks:
            execution = check["executionForLatestMaterialization"]
            if not execution or execution["status"] == "IN_PROGRESS":
                return None
    return checks


def _check_graph(page, step: Step, expected_keys: set[str], graphql_edges: set) -> None:
    """Before the run: the whole graph, every asset and every edge, none materialized."""
    from playwright.sync_api import expect

    _frame_graph(page)
    shown, dom_edges, unmapped = _graph_from_dom(page)
    assert shown == expected_keys, (
        f"{step}: assets missing from or extra in the graph (below zoom 0.75 nodes lose "
        f"their names; widen GRAPH_VIEWPORT): {sorted(expected_keys ^ shown)}"
    )
    assert not unmapped, unmapped
    assert dom_edges == graphql_edges, (
        sorted(dom_edges - graphql_edges),
        sorted(graphql_edges - dom_edges),
    )
    expect(page.get_by_text("Never materialized", exact=True)).to_have_count(len(ALL_ASSETS))


def _check_outcome(page, demo: Demo, step: Step, run_id: str, expected_keys: set[str]) -> None:
    """The run succeeds, every asset is materialized, every check passed, and the graph says so.

    The analytics assets come in the same run or from the automation sensor.
    """
    from playwright.sync_api import expect

    def run_ended() -> str | None:
        status = demo.graphql(RUN_STATUS, {"id": run_id})["runOrError"]["status"]
        return status if status in {"SUCCESS", "FAILURE", "CANCELED"} else None

    status = wait_for(run_ended, RUN_TIMEOUT, f"the run of {step} to end", fatal=(DemoExited,))
    assert status == "SUCCESS", f"{step}: the run {run_id} ended {status}"

    def all_materialized() -> bool:
        latest = demo.graphql(LATEST_MATERIALIZATIONS)["assetNodes"]
        done = {_key(n["assetKey"]["path"]) for n in latest if n["assetMaterializations"]}
        return expected_keys <= done

    wait_for(all_materialized, RUN_TIMEOUT, "every asset to be materialized", fatal=(DemoExited,))
    checks = wait_for(
        lambda: _settled_checks(demo),
        RUN_TIMEOUT,
        "every asset check to finish",
        fatal=(DemoExited,),
    )
    not_green = sorted(
        f"{asset} {check['name']}: {check['executionForLatestMaterialization']['status']}"
        for asset, asset_checks in checks.items()
        for check in asset_checks
        if check["executionForLatestMaterialization"]["status"] != "SUCCEEDED"
    )
    assert not not_green, f"{step}: asset checks that did not pass: {not_green}"
    responses = {check["name"] for check in checks.get("analytics_api/responses", [])}
    assert set(RESPONSES_CHECKS) <= responses, responses

    # The page the README leads to, as it shows the outcome: each asset with checks reads
    # "N / N Passed", N its number of checks.
    _frame_graph(page)
    expect(page.get_by_text("Never materialized", exact=True)).to_have_count(0)
    expect(page.get_by_text("Materialized", exact=True)).to_have_count(len(ALL_ASSETS))
    passed = page.get_by_text(re.compile(r"^(\d+) / \1 Passed$"))
    expect(passed).to_have_count(len(checks))
    shown = sorted(int(text.split()[0]) for text in passed.all_inner_texts())
    assert shown == sorted(len(c) for c in checks.values()), (
        f"{step}: the graph shows {passed.all_inner_texts()} for the checks {checks}"
    )


def test_readme_walkthrough_materializes_all_with_every_check_green(tmp_path: Path) -> None:
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    started = time.monotonic()
    steps = readme_steps()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    demo = Demo(tmp_path)
    try:
        nodes = demo.wait_until_serving()
        served = {_key(n["assetKey"]["path"]) for n in nodes}
        expected_keys = {_key(list(path)) for path in ALL_ASSETS}
        assert expected_keys <= served, sorted(expected_keys - served)
        # What the graph renders: an edge from each dependency to its asset.
        graphql_edges = {
            (_key(dep["path"]), _key(n["assetKey"]["path"]))
            for n in nodes
            for dep in n["dependencyKeys"]
            if _key(n["assetKey"]["path"]) in expected_keys and _key(dep["path"]) in expected_keys
        }
        for path in ANALYTICS_ASSETS:
            upstream = {up for up, down in graphql_edges if down == _key(list(path))}
            assert upstream & {_key(list(p)) for p in RAW_ASSETS}, (path, upstream)

        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(tmp_path / "chromium-profile"),
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport=GRAPH_VIEWPORT,
            )
            context.set_default_timeout(PAGE_TIMEOUT_MS)
            expect.set_options(timeout=PAGE_TIMEOUT_MS)
            page = context.pages[0] if context.pages else context.new_page()
            try:
                # The README's steps, word for word: its bold labels are what the test clicks.
                # A fresh instance greets the user with Dagster's community dialog, as a
                # fresh clone does; the README's **Skip** dismisses it.
                run_id = None
                for step in steps:
                    if step.url:
                        assert step.url.rstrip("/") == DEFAULT_UI_URL, (
                            f"{step}: the demo serves the UI at {DEFAULT_UI_URL}"
                        )
                        page.goto(demo.url)
                    for label in step.clicks:
                        _open_graph_settings_for(page, step, label)
                        if label != MATERIALIZE_ALL:
                            _click(page, step, label)
                            continue
                        _check_graph(page, step, expected_keys, graphql_edges)
                        page.screenshot(path=shots / "1-lineage-before.png")
                        results = demo.graphql(RUN_IDS)["runsOrError"]["results"]
                        _click(page, step, label)
                        run_id = _run_launched(demo, step, {r["runId"] for r in results})
                        # "When the run ends": what the README says next is its outcome.
                        _check_outcome(page, demo, step, run_id, expected_keys)
                    for words in step.shown:
                        try:
                            expect(page.get_by_text(words).first).to_be_visible()
                        except AssertionError as error:
                            raise AssertionError(f"{step}: the page shows no {words!r}") from error
                assert run_id is not None, "README's UI steps launched no run"
                page.mouse.move(0, 0)
                lineage = shots / "3-lineage-materialized.png"
                page.screenshot(path=lineage)
                # The README's screenshot is this run's, whenever the test passes this far.
                README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(lineage, README_SCREENSHOT)

                # The run and one asset's own page, in a tab of their own.
                details = context.new_page()
                details.set_viewport_size(PAGE_VIEWPORT)
                details.goto(f"{demo.url}/runs/{run_id}")
                expect(details.get_by_text("Success", exact=True).first).to_be_visible()
                details.screenshot(path=shots / "2-run.png")

                details.goto(f"{demo.url}/assets/analytics_api/responses")
                row_count = details.get_by_text("Row count", exact=True).first.locator("xpath=..")
                expect(row_count).to_contain_text(re.compile(rf"(?<!\d){RESPONSES}(?!\d)"))
                details.screenshot(path=shots / "4-responses.png")

                details.get_by_role("tab", name="Checks", exact=True).click()
                expect(details).to_have_url(re.compile(r"view=checks"))
                for check in RESPONSES_CHECKS:
                    # Each entry of the list: the check's name, then its latest status.
                    entry = details.locator(f'[title="{check}"]').first.locator("xpath=..")
                    expect(entry).to_be_visible()
                    expect(entry).to_contain_text("Succeeded")
                details.screenshot(path=shots / "5-responses-checks.png")
            except Exception:
                for index, open_page in enumerate(context.pages):
                    open_page.screenshot(path=shots / f"failure-{index}.png")
                raise
            finally:
                context.close()
    except Exception as error:
        error.add_note(f"screenshots in {shots}; demo log tail:\n{demo.log_tail()}")
        raise
    finally:
        demo.stop()
    print(f"browser test took {time.monotonic() - started:.0f}s; screenshots in {shots}")
