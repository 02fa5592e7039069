"""An executed notebook exported with `jupyter nbconvert --to html` shows and plays its media, with and
without JavaScript, when the HTML sits beside the notebook's runway_outputs/ folder.

notebooks/pipeline.ipynb (an image, a video, two sounds, and the muxed MP4 with sound) runs top to bottom
in a real kernel (nbclient) against this session's sandbox, in a temporary folder. It is saved two ways:
as JupyterLab saves a notebook by default (no widget state), and as `jupyter nbconvert --execute` saves it
(nbclient's widget state in the metadata, which makes nbconvert prefer the widget view over the text/html
beside it). Each copy is converted by the `jupyter nbconvert` command and opened from file:// in Chromium:
every image decodes, every video plays, every sound plays when the page asks; with JavaScript off,
every output still shows its prompt, model and media, and none is left as an empty box.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lab_driver import BROWSER_ARTIFACTS, new_page

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "pipeline.ipynb"
SCALE = 0.01  # the session sandbox's time scale (conftest.SANDBOX_TIME_SCALE)
MEDIA = "video[src], audio[src], img[src]"
OUTPUT = ".jp-OutputArea-output"
# The two ways a notebook reaches nbconvert: saved from JupyterLab (no widget state by default), or executed
# by nbconvert/nbclient, which store the live widgets' state. With that state nbconvert renders a Player's
# output as a widget view (a <script> the widgets' HTML manager from unpkg.com would fill) and drops the
# text/html beside it: offline or without JavaScript the player is an empty box. Known, not yet fixed: a
# Player that leaves static HTML behind as a finished TaskView does (widgets/player.py) would pass it.
SAVED_AS = ["lab_save", "nbclient_widget_state"]  # a Player is plain HTML where no page spoke (nbclient)


def _media_in_outputs(nb: dict) -> list[tuple[str, str]]:
    """(tag, src) of every media element the notebook's text/html outputs show, in order."""
    found = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            markup = "".join(output.get("data", {}).get("text/html", ""))
            found += re.findall(r'<(video|audio|img)\b[^>]*?\bsrc="([^"]+)"', markup)
    return found


@pytest.fixture(scope="module")
def executed(sandbox_env, tmp_path_factory) -> dict:
    """pipeline.ipynb run by nbclient against the session's sandbox, in a temporary folder (its outputs
    land in that folder's runway_outputs/). Returns the executed notebook as nbformat JSON."""
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    folder = tmp_path_factory.mktemp("export")
    shutil.copy(REPO / "notebooks" / NOTEBOOK, folder / NOTEBOOK)
    # Each kernel's poller is told the sandbox's pace at start, as notebooks/conftest.py does for nbval.
    profile = folder.parent / "export-ipython" / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    learn = f"runway_nb.poll.learn({sandbox_env['RUNWAYML_BASE_URL']!r}, 1.0, {SCALE}, {SCALE})"
    (profile / "ipython_kernel_config.py").write_text(
        f"c.InteractiveShellApp.exec_lines = ['import runway_nb.poll', {learn!r}]\n")
    env = {**os.environ, **sandbox_env, "IPYTHONDIR": str(profile.parent),
           "RUNWAY_NB_HOME": str(folder.parent / "export-journal")}
    nb = nbformat.read(folder / NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(folder)}}).execute(env=env)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == [], errors
    return {"folder": folder, "nb": json.loads(nbformat.writes(nb))}


@pytest.fixture(scope="module", params=SAVED_AS)
def exported(request, executed) -> dict:
    """The executed notebook saved one of the two ways, converted by `jupyter nbconvert --to html`."""
    nb = json.loads(json.dumps(executed["nb"]))
    if request.param == "lab_save":
        nb["metadata"].pop("widgets", None)
    else:
        assert "widgets" in nb["metadata"], "nbclient stored no widget state"
    folder = executed["folder"]
    name = f"{Path(NOTEBOOK).stem}-{request.param}"
    (folder / f"{name}.ipynb").write_text(json.dumps(nb, indent=1))
    jupyter = Path(sys.executable).parent / "jupyter"
    done = subprocess.run([str(jupyter), "nbconvert", "--to", "html", f"{name}.ipynb"], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    html = folder / f"{name}.html"
    shutil.copy(html, BROWSER_ARTIFACTS / html.name)  # to look at; its media stay in the temporary folder
    media = _media_in_outputs(nb)
    kinds = {tag for tag, _ in media}
    assert kinds == {"video", "audio", "img"}, media  # the notebook shows all three kinds
    assert all(src.startswith("runway_outputs/") and (folder / src).is_file() for _, src in media), media
    return {"html": html, "media": media, "saved_as": request.param}


def _open(browser, exported: dict, *, javascript: bool):
    context_page = new_page(browser, height=1000) if javascript else None
    if context_page is None:
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, java_script_enabled=False)
        context_page = context.new_page()
        context_page.console_log = []
    context_page.goto(exported["html"].as_uri())
    return context_page


def test_exported_html_shows_every_image_and_plays_every_video_and_sound(browser, exported):
    page = _open(browser, exported, javascript=True)
    try:
        shown = page.locator(f"{OUTPUT} :is({MEDIA})")
        # Every media element the notebook's outputs carry is in the page (none hidden behind a widget view).
        assert [(e.evaluate("e => e.tagName.toLowerCase()"), e.get_attribute("src")) for e in shown.all()] \
            == exported["media"]
        for image in page.locator(f"{OUTPUT} img[src]").all():
            page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
        for video in page.locator(f"{OUTPUT} video[src]").all():
            video.scroll_into_view_if_needed()
            page.wait_for_function("v => v.readyState >= 2 && v.videoWidth > 0", arg=video.element_handle())
            start = video.evaluate("v => { v.muted = true; v.play(); return v.currentTime; }")
            page.wait_for_function("([v, t]) => !v.paused && v.currentTime > t + 0.3",
                                   arg=[video.element_handle(), start])
        for audio in page.locator(f"{OUTPUT} audio[src]").all():
            audio.evaluate("a => a.play()")  # sound plays only when the page asks (autoplay is blocked)
            page.wait_for_function("a => a.readyState >= 2 && !a.paused && a.currentTime > 0.2",
                                   arg=audio.element_handle())
        page.screenshot(path=str(BROWSER_ARTIFACTS / f"nbconvert_{exported['saved_as']}.png"), full_page=True)
    finally:
        page.context.close()


def test_exported_html_reads_without_javascript(browser, exported):
    page = _open(browser, exported, javascript=False)
    try:
        outputs = page.locator(OUTPUT)
        empty = [i for i, o in enumerate(outputs.all())
                 if not o.inner_text().strip() and o.locator(MEDIA).count() == 0]
        assert empty == [], f"outputs {empty} show nothing without JavaScript (an empty widget view)"
        results = page.locator(".runway-nb-result")
        text = " ".join(results.all_inner_texts())
        for expected in ("gen4_image", "gen4.5", "eleven_multilingual_v2", "eleven_text_to_sound_v2",
                         "A lighthouse on a rocky island at dusk", "credit"):
            assert expected in text, expected
        found = [(e.evaluate("e => e.tagName.toLowerCase()"), e.get_attribute("src"))
                 for e in page.locator(f"{OUTPUT} :is({MEDIA})").all()]
        assert found == exported["media"]
        # Media load with scripts off: the image decodes, the video and sounds read their metadata.
        for image in page.locator(f"{OUTPUT} img[src]").all():
            page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
        for player in page.locator(f"{OUTPUT} :is(video, audio)[src]").all():
            page.wait_for_function("m => m.readyState >= 1 && m.duration > 0", arg=player.element_handle())
            assert player.get_attribute("controls") is not None  # a person can play it without scripts
        page.screenshot(path=str(BROWSER_ARTIFACTS / f"nbconvert_{exported['saved_as']}_no_js.png"), full_page=True)
    finally:
        page.context.close()
