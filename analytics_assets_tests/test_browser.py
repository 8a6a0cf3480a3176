"""End to end through Dagster's UI in headless Chromium, as a newcomer uses the demo.

`analytics-assets demo` starts the sample API and `dagster dev`; Playwright then opens the
global asset lineage, checks the ten assets and their edges, clicks "Materialize all", waits
for the run to succeed and opens `analytics_api/responses` for its row count and checks.

Needs Debian's Chromium (`bash .ci/browser.sh`) and Python Playwright (the `test` extra);
`playwright install` is never run, the test drives /usr/bin/chromium. Without them the test
skips, except under CI (env `CI` set), where it fails. Screenshots go to tmp_path; with
`ANALYTICS_UPDATE_SCREENSHOTS=1` the materialized lineage is also copied to
docs/screenshots/lineage.png for the README.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
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
README_SCREENSHOT = PROJECT_DIR / "docs" / "screenshots" / "lineage.png"
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
        workdir = tmp_path / "cwd"
        workdir.mkdir()
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
            cwd=workdir,
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


def _open_whole_graph(page, base_url: str) -> None:
    """The global asset lineage with every group expanded, zoomed out until all of it shows.

    The graph fits itself to its width when the page loads (at most at zoom 1); below zoom
    0.75 Dagster draws bare boxes with truncated names, so GRAPH_VIEWPORT is wide enough to
    keep the detailed nodes, whose labels and edges the test reads.
    """
    page.goto(f"{base_url}/asset-groups")
    viewport = page.locator("[data-svg-viewport]")
    viewport.locator("foreignObject").first.wait_for()
    reload = False
    if not _named_nodes(page).count():
        # Groups start collapsed; the graph's settings menu expands them (kept in localStorage).
        viewport.get_by_role("img", name="settings", exact=True).click()
        page.get_by_role("menuitem", name="Expand all groups").click()
        reload = True
    hide_navigation = page.get_by_text("Hide navigation", exact=True)
    if hide_navigation.is_visible():  # the left navigation, collapsed (kept too)
        hide_navigation.click()
        reload = True
    if reload:  # the graph fits itself to the page on load: now to the final layout
        page.reload()
    _named_nodes(page).first.wait_for()
    # The asset tree beside the graph; its toggle sits right of its "Jump to…" box.
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


def _launch_from_materialize_all(page, demo: Demo) -> str:
    before = {r["runId"] for r in demo.graphql(RUN_IDS)["runsOrError"]["results"]}
    _materialize_all(page).click()
    launched = page.get_by_text(re.compile(r"^Launched run")).or_(page.get_by_role("dialog"))
    launched.first.wait_for()
    dialog = page.get_by_role("dialog")
    if dialog.count() and dialog.first.is_visible():  # a launchpad or a confirmation
        dialog.first.get_by_role(
            "button", name=re.compile(r"^(Materialize|Launch|Confirm)")
        ).last.click()

    def new_run() -> str | None:
        runs = demo.graphql(RUN_IDS)["runsOrError"]["results"]
        fresh = [r["runId"] for r in runs if r["runId"] not in before]
        return fresh[-1] if fresh else None  # newest first; the automation sensor's come later

    return wait_for(new_run, 60, "the run that Materialize all launched", fatal=(DemoExited,))


def test_ui_shows_lineage_materializes_all_and_shows_checks(tmp_path: Path) -> None:
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    started = time.monotonic()
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
                viewport=PAGE_VIEWPORT,
            )
            context.set_default_timeout(PAGE_TIMEOUT_MS)
            expect.set_options(timeout=PAGE_TIMEOUT_MS)
            page = context.pages[0] if context.pages else context.new_page()
            # Dagster OSS greets a new instance with a "Join the Dagster community" dialog,
            # a second after the first page loads, and its dismissal would close any menu
            # open then. The UI's own mutation marks it seen; the handler stays as a backstop.
            demo.graphql("mutation { setNuxSeen }")
            page.add_locator_handler(
                page.get_by_text("Join the Dagster community"),
                lambda: page.get_by_role("button", name="Skip", exact=True).click(),
            )
            try:
                # The whole graph, before: every asset and every edge.
                page.set_viewport_size(GRAPH_VIEWPORT)
                _open_whole_graph(page, demo.url)
                shown, dom_edges, unmapped = _graph_from_dom(page)
                assert shown == expected_keys, (
                    "assets missing from or extra in the graph (below zoom 0.75 nodes lose "
                    f"their names; widen GRAPH_VIEWPORT): {sorted(expected_keys ^ shown)}"
                )
                assert not unmapped, unmapped
                assert dom_edges == graphql_edges, (
                    sorted(dom_edges - graphql_edges),
                    sorted(graphql_edges - dom_edges),
                )
                expect(page.get_by_text("Never materialized", exact=True)).to_have_count(
                    len(ALL_ASSETS)
                )
                page.screenshot(path=shots / "1-lineage-before.png")

                run_id = _launch_from_materialize_all(page, demo)
                page.set_viewport_size(PAGE_VIEWPORT)
                page.goto(f"{demo.url}/runs/{run_id}")
                outcome = page.get_by_text("Success", exact=True).or_(
                    page.get_by_text("Failure", exact=True)
                )
                expect(outcome.first).to_be_visible(timeout=RUN_TIMEOUT * 1000)
                page.screenshot(path=shots / "2-run.png")
                status = demo.graphql(RUN_STATUS, {"id": run_id})["runOrError"]["status"]
                assert status == "SUCCESS", (status, demo.log_tail())
                expect(page.get_by_text("Success", exact=True).first).to_be_visible()

                # The analytics assets come in the same run or from the automation sensor.
                def all_materialized() -> bool:
                    latest = demo.graphql(LATEST_MATERIALIZATIONS)["assetNodes"]
                    done = {
                        _key(n["assetKey"]["path"]) for n in latest if n["assetMaterializations"]
                    }
                    return expected_keys <= done

                wait_for(
                    all_materialized,
                    RUN_TIMEOUT,
                    "every asset to be materialized",
                    fatal=(DemoExited,),
                )

                page.set_viewport_size(GRAPH_VIEWPORT)
                _open_whole_graph(page, demo.url)
                expect(page.get_by_text("Never materialized", exact=True)).to_have_count(0)
                lineage = shots / "3-lineage-materialized.png"
                page.screenshot(path=lineage)
                if os.environ.get("ANALYTICS_UPDATE_SCREENSHOTS") == "1":
                    README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(lineage, README_SCREENSHOT)

                page.set_viewport_size(PAGE_VIEWPORT)
                page.goto(f"{demo.url}/assets/analytics_api/responses")
                row_count = page.get_by_text("Row count", exact=True).first.locator("xpath=..")
                expect(row_count).to_contain_text(re.compile(rf"(?<!\d){RESPONSES}(?!\d)"))
                page.screenshot(path=shots / "4-responses.png")

                page.get_by_role("tab", name="Checks", exact=True).click()
                expect(page).to_have_url(re.compile(r"view=checks"))
                for check in RESPONSES_CHECKS:
                    # Each entry of the list: the check's name, then its latest status.
                    entry = page.locator(f'[title="{check}"]').first.locator("xpath=..")
                    expect(entry).to_be_visible()
                    expect(entry).to_contain_text("Succeeded")
                page.screenshot(path=shots / "5-responses-checks.png")
            except Exception:
                page.screenshot(path=shots / "failure.png")
                raise
            finally:
                context.close()
    except Exception as error:
        error.add_note(f"screenshots in {shots}; demo log tail:\n{demo.log_tail()}")
        raise
    finally:
        demo.stop()
    print(f"browser test took {time.monotonic() - started:.0f}s; screenshots in {shots}")
