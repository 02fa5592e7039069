"""Outputs a browser cannot play, in JupyterLab: gen4.5 with outputFormat prores (a ProRes .mov) and
hdr_png_sequence (a zip of 16-bit PQ PNG frames) show their poster frame, their facts and a
link to the file, never a <video>: in the plain HTML a finished view leaves behind, in the live widget,
in the saved notebook reopened without a kernel, and in its `jupyter nbconvert --to html` export
opened with JavaScript off.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
from lab_driver import BROWSER_ARTIFACTS, PAGE_TIMEOUT_MS, NotebookPage, screenshot

NOTEBOOK = "unplayable.ipynb"
IMAGE_LOADED = "img => img.complete && img.naturalWidth > 0"
STATIC_CARD = ".jp-RenderedHTMLCommon figure[data-shows='facts']"


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=PAGE_TIMEOUT_MS)
    return playwright_expect(target)


def poster_size(page, img) -> list[int]:
    """Wait until the poster has decoded; its natural size."""
    page.wait_for_function(IMAGE_LOADED, arg=img.element_handle(), timeout=PAGE_TIMEOUT_MS)
    return img.evaluate("i => [i.naturalWidth, i.naturalHeight]")


def facts_of(card) -> dict[str, str]:
    """The card's facts list as the page shows it: {label: value}."""
    return card.evaluate("""c => Object.fromEntries([...c.querySelectorAll('dt')]
        .map(dt => [dt.textContent, dt.nextElementSibling.textContent]))""")


def test_prores_and_frame_zips_show_poster_and_facts_not_a_player(lab_server, open_notebook, page, browser):
    nb = open_notebook(lab_server, NOTEBOOK)
    nb.run_cell("setup")

    # 1. ProRes .mov: the finished view swapped for the plain HTML render.py writes.
    cell = nb.run_cell("prores")
    card = cell.locator(STATIC_CARD)
    card.wait_for(state="visible")
    poster = card.locator("img")
    assert poster_size(page, poster) == [480, 270]  # the first frame, 1280x720 scaled to the poster's 480
    assert re.search(r"runway_outputs/[^/?]+_0\.poster\.jpg", poster.get_attribute("src"))  # Lab: files route
    facts = facts_of(card)
    assert facts["container"] == "MOV" and facts["codec"].startswith("ProRes")
    assert facts["size"] == "1280 × 720" and facts["frames"] == "48 at 24 fps" and facts["duration"] == "2.00 s"
    assert facts["HDR transfer"] == "BT.709 · SDR"
    expect(card).to_contain_text("A browser cannot play this file")
    link = card.locator("figcaption a")
    assert re.search(r"runway_outputs/[^/?]+_0\.mov", link.get_attribute("href"))
    assert cell.locator("video").count() == 0
    assert nb.errors() == []
    cell.scroll_into_view_if_needed()
    screenshot(page, "unplayable_prores_static", cell)

    # 2. A zip of PQ PNG frames, in the live widget: the front end's card, drawn with textContent.
    cell = nb.run_cell("frames_live")
    live = cell.locator("[data-testid='rnb-task-view'] figure[data-shows='facts']")
    live.wait_for(state="visible")
    assert poster_size(page, live.locator("[data-testid='rnb-poster']")) == [480, 270]
    facts = facts_of(live.locator("[data-testid='rnb-facts']"))
    assert facts["container"] == "ZIP" and facts["codec"].startswith("PNG frames")
    assert facts["HDR transfer"] == "PQ (SMPTE 2084) · HDR" and facts["frames"] == "48 at 24 fps"
    assert facts["also in the zip"] == "colorimetry.json"
    assert cell.locator("figure").count() == 1  # gen4.5 makes no sound, so no .wav beside the zip
    assert cell.locator("video").count() == 0
    cell.scroll_into_view_if_needed()
    screenshot(page, "unplayable_frames_live", cell)
    nb.save()

    # 3. Saved: the ProRes cell is plain HTML with the card; reopened with no kernel, the poster still loads.
    saved = httpx.get(f"{lab_server.base_url}/api/contents/{NOTEBOOK}", timeout=10).json()["content"]
    [prores] = [c for c in saved["cells"] if "prores" in c["metadata"].get("tags", [])]
    markup = "".join("".join(o.get("data", {}).get("text/html", "")) for o in prores["outputs"])
    assert 'data-shows="facts"' in markup and "<video" not in markup
    assert not [o for o in prores["outputs"] if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    kernel_id = page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id")
    assert httpx.delete(f"{lab_server.base_url}/api/kernels/{kernel_id}", timeout=30).status_code == 204

    def no_new_kernels(route):
        if route.request.method == "POST":
            route.abort()
        else:
            route.continue_()

    page.route(re.compile(r".*/api/(sessions|kernels)(\?.*)?$"), no_new_kernels)
    page.goto(lab_server.notebook_url(NOTEBOOK))
    page.locator(".jp-Dialog", has_text="Error Starting Kernel").get_by_role("button", name="Ok").click()
    page.locator(".jp-Dialog", has_text="Select Kernel").get_by_role("button", name="No Kernel").click()
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    reopened = NotebookPage(page, lab_server, NOTEBOOK)
    cell = reopened.cell("prores")
    card = cell.locator(STATIC_CARD)
    card.wait_for(state="visible")
    assert poster_size(page, card.locator("img")) == [480, 270]
    assert facts_of(card)["codec"].startswith("ProRes")
    assert cell.locator("video").count() == 0
    cell.scroll_into_view_if_needed()
    screenshot(page, "unplayable_prores_reopened_without_kernel", cell)

    # 4. The saved notebook through nbconvert (no widget state: Lab saves none by default), JavaScript off:
    # the ProRes output is render.py's card and its poster loads beside it. (The swap=False view's text/html
    # is what it was when displayed, before its outputs: only a swapped view leaves its result behind.)
    jupyter = Path(sys.executable).parent / "jupyter"
    done = subprocess.run([str(jupyter), "nbconvert", "--to", "html", NOTEBOOK], cwd=lab_server.root_dir,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    context = browser.new_context(viewport={"width": 1280, "height": 1600}, java_script_enabled=False)
    try:
        exported = context.new_page()
        exported.goto((lab_server.root_dir / "unplayable.html").as_uri())
        cards = exported.locator(".jp-OutputArea-output figure[data-shows='facts']")
        expect(cards).to_have_count(1)
        for card in cards.all():
            img = card.locator("img")
            assert re.fullmatch(r"runway_outputs/[^/]+_0\.poster\.jpg", img.get_attribute("src"))
            card.scroll_into_view_if_needed()
            assert poster_size(exported, img) == [480, 270]
        assert facts_of(cards.first)["codec"].startswith("ProRes")
        assert exported.locator("video").count() == 0
        exported.screenshot(path=str(BROWSER_ARTIFACTS / "unplayable_nbconvert_no_js.png"), full_page=True)
    finally:
        context.close()

