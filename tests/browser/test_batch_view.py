"""BatchView in a real JupyterLab page: the grid fills with thumbnails loaded through the files route,
pressing one shows that task's own view and player, and a batch that ends leaves static HTML whose
thumbnails load too. The notebook is written by the test into the server's root."""

from __future__ import annotations

import re

import nbformat
import pytest
from lab_driver import screenshot

IMAGE_LOADED = "img => img.complete && img.naturalWidth > 0"
SETUP = """import os
from runway_nb import RunwayML
from runway_nb.clock import ScaledClock
from runway_nb.widgets import BatchView
client = RunwayML(clock=ScaledClock(float(os.environ["RUNWAY_NB_TIME_SCALE"])))
calls = [("text_to_image", dict(model="gen4_image", prompt_text=f"tile {i}", ratio="720:720", seed=i + 1))
         for i in range(8)]"""


def cell(source: str, tag: str):
    c = nbformat.v4.new_code_cell(source)
    c.metadata["tags"] = [tag]
    return c


@pytest.fixture
def batch_notebook(notebook_dir):
    nb = nbformat.v4.new_notebook(cells=[
        cell(SETUP, "setup"),
        cell("live = BatchView.run(client, calls, concurrency=3, swap=False)\nlive", "live"),
        cell("ends = BatchView.run(client, calls[:3])\nends", "ends"),
        cell("ends.wait(); None", "wait"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, notebook_dir / "batch_view.ipynb")
    return "batch_view.ipynb"


def test_the_grid_fills_and_a_thumbnail_opens_its_task(lab_server, open_notebook, batch_notebook):
    nb = open_notebook(lab_server, batch_notebook)
    nb.run_cell("setup")
    live = nb.run_cell("live")
    view = live.locator("[data-testid='rnb-batch-view']")
    view.wait_for(state="visible")
    cells = view.locator(".rnb-cell")
    nb.page.wait_for_function("v => v.querySelectorAll('.rnb-cell img').length === 8", arg=view.element_handle())
    counts = view.locator("[data-testid='rnb-batch-counts']")
    nb.page.wait_for_function("c => c.textContent.includes('8 succeeded')", arg=counts.element_handle())
    for i in range(8):
        img = cells.nth(i).locator("img")
        assert re.fullmatch(r"/files/runway_outputs/[^/]+\.png", img.get_attribute("src"))
        img.scroll_into_view_if_needed()
        nb.page.wait_for_function(IMAGE_LOADED, arg=img.element_handle())
    assert view.locator("button", has_text="Cancel all").is_hidden()
    screenshot(nb.page, "batch_view_grid", view)

    cells.nth(5).click()
    detail = view.locator("[data-testid='rnb-batch-detail'] [data-testid='rnb-task-view'][data-status='SUCCEEDED']")
    detail.wait_for(state="visible")
    assert detail.locator(".rnb-prompt").first.text_content() == "tile 5"
    picture = detail.locator("img").first
    nb.page.wait_for_function(IMAGE_LOADED, arg=picture.element_handle())
    screenshot(nb.page, "batch_view_opened", view)

    nb.run_cell("ends")
    nb.run_cell("wait")
    ended = nb.cell("ends")
    static = ended.locator(".jp-OutputArea .jp-RenderedHTMLCommon img[src*='runway_outputs/']")
    static.nth(2).wait_for(state="attached")
    for i in range(3):
        nb.page.wait_for_function(IMAGE_LOADED, arg=static.nth(i).element_handle())
    assert ended.locator("[data-testid='rnb-batch-view']").count() == 0
    assert nb.errors() == [] and nb.widget_failures() == []
