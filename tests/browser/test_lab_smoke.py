"""JupyterLab and Notebook 7 serve a notebook whose cells display the widgets; each renders its own DOM.

tests/browser/notebooks/smoke.ipynb: a GenerateForm, a TaskView kept live to the end (it becomes the
player and loads the image through the server's files route), and a TaskView that swaps itself for
plain HTML when its task ends. Screenshots land in test-artifacts/browser/.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from lab_driver import JupyterServer

REPO = Path(__file__).resolve().parents[2]

_IMAGE_LOADED = "img => img.complete && img.naturalWidth > 0"


def _loaded(nb, locator) -> None:
    nb.page.wait_for_function(f"el => ({_IMAGE_LOADED})(el)", arg=locator.element_handle())


def test_lab_renders_the_widgets_of_a_notebook(lab_server, open_notebook):
    nb = open_notebook(lab_server, "smoke.ipynb")
    nb.run_all()
    assert nb.errors() == []

    nb.testid("rnb-form").wait_for(state="visible")
    assert nb.testid("rnb-estimate").count() == 1
    nb.screenshot("lab_smoke_form")

    # The live view became the player: SUCCEEDED, with the stored image shown.
    live = nb.page.locator(".jp-Notebook [data-testid='rnb-task-view'][data-status='SUCCEEDED']")
    live.wait_for(state="visible")
    image = live.locator("img[data-source]").first
    image.wait_for(state="attached")
    _loaded(nb, image)

    # The swapped view left plain HTML behind: an <img> on the stored file (files route), and no widget.
    swapped_cell = nb.page.locator(".jp-Notebook .jp-CodeCell").nth(3)
    static_img = swapped_cell.locator(".jp-RenderedHTMLCommon img[src*='runway_outputs/']")
    static_img.wait_for(state="visible")
    _loaded(nb, static_img)
    assert swapped_cell.locator("[data-testid='rnb-task-view']").count() == 0

    live.scroll_into_view_if_needed()
    assert nb.screenshot("lab_smoke_outputs").stat().st_size > 10_000
    nb.screenshot("lab_smoke_task_view", live)
    assert nb.widget_failures() == []
    assert not [line for line in nb.page.console_log if line.startswith("[pageerror]")]


def _assert_media_from_files_route(nb, responses: list) -> None:
    """The live player's image came from the server's files route (not the page URL, not the kernel's
    bytes), and its file link opens the same file."""
    view = nb.page.locator(".jp-Notebook [data-testid='rnb-task-view'][data-status='SUCCEEDED']").first
    image = view.locator("img[data-source]").first
    image.wait_for(state="attached")
    _loaded(nb, image)
    assert image.get_attribute("data-source") == "file"  # "kernel" once the fallback asked for bytes
    src = image.get_attribute("src")
    assert re.fullmatch(r"/files/runway_outputs/[^/]+\.png", src), src
    served = [r for r in responses if urlsplit(r.url).path == src]
    assert served and served[0].status == 200 and served[0].headers["content-type"].startswith("image/")

    link = view.locator("a.rnb-file").first
    assert link.get_attribute("href") == src
    assert link.inner_text().startswith("runway_outputs/")
    opened = nb.page.request.get(urljoin(nb.page.url, link.get_attribute("href")))
    assert opened.status == 200 and opened.body()[:8] == b"\x89PNG\r\n\x1a\n"


def test_lab_widget_loads_media_from_the_files_route(lab_server, open_notebook, page):
    responses: list = []
    page.on("response", lambda response: responses.append(response))
    nb = open_notebook(lab_server, "smoke.ipynb")
    nb.run_all()
    _assert_media_from_files_route(nb, responses)
    live = nb.page.locator(".jp-Notebook [data-testid='rnb-task-view'][data-status='SUCCEEDED']").first
    live.scroll_into_view_if_needed()
    nb.screenshot("lab_files_route_player", live)


def test_notebook7_renders_the_form(notebook_server, open_notebook, page):
    responses: list = []
    page.on("response", lambda response: responses.append(response))
    nb = open_notebook(notebook_server, "smoke.ipynb")
    nb.run_all()
    assert nb.errors() == []
    nb.testid("rnb-form").wait_for(state="visible")
    nb.page.locator(".jp-Notebook [data-testid='rnb-task-view'][data-status='SUCCEEDED']").wait_for(state="visible")
    assert nb.widget_failures() == []
    _assert_media_from_files_route(nb, responses)  # Notebook 7's page config has rootUri, no serverRoot
    nb.screenshot("notebook7_smoke")


@pytest.fixture(scope="module")
def make_lab(tmp_path_factory):
    """JupyterLab as `make lab` starts it (scripts/lab.sh: notebooks/ as its root, the project venv),
    with no key and no base URL, so each kernel's client starts the built-in sandbox, as a newcomer's
    does. RUNWAY_NB_TIME_SCALE only makes that sandbox fast. Autosave is off and the journal goes to a
    temporary folder; the outputs this run adds to notebooks/runway_outputs/ are removed after it."""
    home, outputs = tmp_path_factory.mktemp("make-lab"), REPO / "notebooks" / "runway_outputs"
    before = set(outputs.rglob("*")) if outputs.exists() else None
    server = JupyterServer("lab", REPO / "notebooks", home, {
        "RUNWAYML_API_SECRET": None, "RUNWAYML_BASE_URL": None, "RUNWAY_NB_SANDBOX": None,
        "RUNWAY_NB_HOME": str(home / "journal"), "RUNWAY_NB_TIME_SCALE": "0.01"},
        launcher=["bash", str(REPO / "scripts" / "lab.sh")])
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if before is None:  # the run made the folder: it goes
            shutil.rmtree(outputs, ignore_errors=True)
        else:  # only what this run added goes
            for path in sorted(set(outputs.rglob("*")) - before, key=lambda p: len(p.parts), reverse=True):
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def test_make_lab_serves_and_runs_the_quickstart(make_lab, open_notebook):
    listing = httpx.get(f"{make_lab.base_url}/api/contents/").json()
    assert {"quickstart.ipynb", "pipeline.ipynb"} <= {item["name"] for item in listing["content"]}
    nb = open_notebook(make_lab, "quickstart.ipynb")
    nb.run_all()
    assert nb.errors() == []
    assert nb.widget_failures() == []
    assert "local sandbox" in nb.page.inner_text("body")  # said visibly: no key, the built-in sandbox
    nb.screenshot("lab_quickstart")
