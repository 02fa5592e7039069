"""The widgets live in a real page: progress, playback, Cancel, the form, hostile text, a kernel-less reopen.

Most checks share one JupyterLab page on tests/browser/notebooks/widgets_live.ipynb (opening a page
and starting its kernel is the slow part on two cores): each test runs the cells it needs, found by
their tag, and waits on what the page shows. Slow tasks (to watch progress and to press Cancel while
a task runs) and failing tasks (with a hostile failure message) come from two sandboxes this module
serves; the notebook reads where they are from live_sandboxes.json beside it.
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import httpx
import pytest
from lab_driver import BROWSER_ARTIFACTS as ARTIFACTS
from lab_driver import PAGE_TIMEOUT_MS, NotebookPage, artifact_name, new_page, screenshot

SLOW_SCALE = 0.15  # a 5 s gen4.5 video takes about 9 s, an 8 s veo3 one about 15 s
FAILING_SCALE = 0.01
HOSTILE_PROMPT = '<img src=x onerror="window.__xss=1"> <script>window.__xss=1</script>'
HOSTILE_CODE = "<script>window.__xss=1</script>"  # a failure code only the failing sandbox gives
HOSTILE_FAILURE = '<img src=x onerror="window.__xss=1">'

VIEW = "[data-testid='rnb-task-view']"
IMAGE_LOADED = "img => img.complete && img.naturalWidth > 0"
AUDIO_LOADED = "a => a.readyState >= 1 && Number.isFinite(a.duration) && a.duration > 0"


def expect(target):
    """Playwright's expect, imported late: without Playwright the conftest skips (or, in CI, fails)."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=PAGE_TIMEOUT_MS)  # its default, 5 s, is short for two busy cores
    return playwright_expect(target)


# -- fixtures --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def live_sandboxes(notebook_dir):
    """A slow sandbox and one whose every task fails with hostile text, described for the notebook."""
    from runway_nb import sandbox
    from runway_nb.sandbox.engine import FAILURE_MESSAGES

    hostile = sandbox.FaultProfile("hostile", fail_rate=1.0, failure_codes=(HOSTILE_CODE,))
    FAILURE_MESSAGES[HOSTILE_CODE] = HOSTILE_FAILURE  # a new code: no other sandbox ever gives it
    try:
        with sandbox.serve(time_scale=SLOW_SCALE, tier=5) as slow, \
                sandbox.serve(time_scale=FAILING_SCALE, faults=hostile) as failing:
            served = (("slow", slow, SLOW_SCALE), ("failing", failing, FAILING_SCALE))
            described = {name: {"base_url": sb.base_url, "api_key": sb.api_key, "time_scale": scale}
                         for name, sb, scale in served}
            described["hostile_prompt"] = HOSTILE_PROMPT
            (notebook_dir / "live_sandboxes.json").write_text(json.dumps(described))
            yield SimpleNamespace(slow=slow, failing=failing)
    finally:
        FAILURE_MESSAGES.pop(HOSTILE_CODE, None)


@pytest.fixture(scope="module")
def live_page(browser, lab_server, live_sandboxes):
    """widgets_live.ipynb open in JupyterLab with its setup cell run; shared by the tests that use `live`."""
    # Tall, so a whole cell's outputs fit in one screenshot (the notebook scrolls inside the page).
    page = new_page(browser, height=1800)
    nb = NotebookPage(page, lab_server, "widgets_live.ipynb").open()
    nb.ran = set()  # tags of the cells run on this page (see run())
    try:
        nb.run_cell("setup")
        assert nb.errors() == []
        yield nb
    finally:
        (ARTIFACTS / "widgets_live.console.txt").write_text("\n".join(page.console_log) + "\n")
        page.context.close()


@pytest.fixture
def live(live_page, request):
    """The shared page; a failing test leaves a screenshot of it."""
    yield live_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        live_page.page.screenshot(path=str(ARTIFACTS / f"{artifact_name(request.node.name)}.FAILED.png"))


def run(nb, tag: str, *, again: bool = False):
    """Run the cell tagged `tag` once per page (or `again`); its locator either way."""
    if again or tag not in nb.ran:
        cell = nb.run_cell(tag)
        nb.ran.add(tag)
        return cell
    return nb.cell(tag)


def wait_true(page, predicate: str, locator, timeout: float | None = None):
    """Wait until `predicate(element)` holds for the element `locator` finds; the predicate's value."""
    return page.wait_for_function(predicate, arg=locator.element_handle(), timeout=timeout).json_value()


def bar_reading(view) -> dict:
    """The progress bar as the page shows it: its value (aria-valuenow, %) and its fill's width (px)."""
    return view.evaluate("""v => {
      const bar = v.querySelector('[role=progressbar]');
      return {status: v.dataset.status, hidden: bar.hidden, value: Number(bar.getAttribute('aria-valuenow')),
              width: bar.querySelector('.rnb-progress-fill').getBoundingClientRect().width};
    }""")


# -- 1. progress, then the player ------------------------------------------------------------------
def test_task_view_progress_advances_then_becomes_the_player(live):
    cell = run(live, "progress", again=True)
    view = cell.locator(VIEW)
    view.wait_for(state="visible")
    grows = """([v, value, width]) => {
      const bar = v.querySelector('[role=progressbar]');
      const now = Number(bar.getAttribute('aria-valuenow'));
      const fill = bar.querySelector('.rnb-progress-fill').getBoundingClientRect().width;
      return v.dataset.status === 'RUNNING' && !bar.hidden && now > value && fill > width;
    }"""
    readings = []
    last = {"value": 0, "width": 0.0}
    for _ in range(2):
        live.page.wait_for_function(grows, arg=[view.element_handle(), last["value"], last["width"]])
        last = bar_reading(view)
        readings.append(last)
        if len(readings) == 1:
            view.scroll_into_view_if_needed()
            screenshot(live.page, "live_progress_running", view)
    assert all(r["status"] == "RUNNING" and not r["hidden"] for r in readings), readings
    assert 0 < readings[0]["value"] < readings[1]["value"] < 100, readings
    assert 0 < readings[0]["width"] < readings[1]["width"], readings
    assert view.locator("button", has_text="Cancel").is_visible()

    done = cell.locator(f"{VIEW}[data-status='SUCCEEDED']")
    done.wait_for(state="visible")
    video = done.locator("[data-testid='rnb-player'] video")
    video.wait_for(state="attached")  # SUCCEEDED shows "saving outputs…" until the file is stored
    assert video.count() == 1
    assert done.locator("[data-testid='rnb-status']").text_content() == "succeeded"
    assert done.locator("[role=progressbar]").is_hidden()
    assert done.locator("button", has_text="Cancel").is_hidden()
    assert re.fullmatch(r"/files/runway_outputs/[^/]+\.mp4", video.get_attribute("src"))
    assert done.locator(".rnb-prompt").text_content() == "a paper boat on a pond"
    wait_true(live.page, "v => v.readyState >= 2", video)
    done.scroll_into_view_if_needed()
    screenshot(live.page, "live_progress_player", done)


# -- 2. the video plays ----------------------------------------------------------------------------
def test_video_player_plays(live):
    cell = run(live, "progress")
    video = cell.locator(f"{VIEW}[data-status='SUCCEEDED'] [data-testid='rnb-player'] video")
    video.wait_for(state="attached")
    video.scroll_into_view_if_needed()
    wait_true(live.page, "v => v.readyState >= 2", video)
    state = video.evaluate("v => ({paused: v.paused, muted: v.muted, autoplay: v.autoplay, loop: v.loop, "
                           "t: v.currentTime, w: v.videoWidth, h: v.videoHeight, d: v.duration})")
    assert state["muted"] and state["autoplay"] and state["loop"]
    assert (state["w"], state["h"]) == (1280, 720)
    assert 4.5 < state["d"] < 5.5
    # The muted autoplay preview plays by itself: nothing here calls play().
    live.page.wait_for_function("([v, t]) => v.readyState >= 2 && !v.paused && v.currentTime > t + 0.3",
                                arg=[video.element_handle(), state["t"]])
    screenshot(live.page, "live_video_playing", video)


# -- 3. audio and image load -----------------------------------------------------------------------
def test_audio_and_image_load(live):
    cell = run(live, "image_audio")
    assert live.errors() == []
    image = cell.locator(f"{VIEW}[data-status='SUCCEEDED'] [data-testid='rnb-player'] img")
    audio = cell.locator(f"{VIEW}[data-status='SUCCEEDED'] [data-testid='rnb-player'] audio")
    image.wait_for(state="attached")
    audio.wait_for(state="attached")
    wait_true(live.page, IMAGE_LOADED, image)
    assert image.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [1360, 768]
    wait_true(live.page, AUDIO_LOADED, audio)
    length = audio.locator("xpath=following-sibling::span")  # the length the page measured, as text
    assert length.text_content() == audio.evaluate("a => `${a.duration.toFixed(1)} s`")
    assert re.fullmatch(r"/files/runway_outputs/[^/]+\.mp3", audio.get_attribute("src"))
    cell.scroll_into_view_if_needed()
    screenshot(live.page, "live_image_audio", cell)


# -- 4. Cancel -------------------------------------------------------------------------------------
def test_cancel_button_cancels_the_running_task(live, live_sandboxes):
    cell = run(live, "cancel", again=True)
    running = cell.locator(f"{VIEW}[data-status='RUNNING']")
    running.wait_for(state="visible")
    running.locator("button", has_text="Cancel").click()  # the locator re-checks RUNNING as it clicks

    cancelled = cell.locator(f"{VIEW}[data-status='CANCELLED']")
    cancelled.wait_for(state="visible")
    assert cancelled.locator("[data-testid='rnb-status']").text_content() == "cancelled"
    assert cancelled.locator("button", has_text="Cancel").is_hidden()
    assert cancelled.locator("[role=progressbar]").is_hidden()
    assert cancelled.locator("[data-testid='rnb-player']").count() == 0
    assert cancelled.locator(".rnb-notice").is_hidden()  # no "could not cancel"
    cancelled.scroll_into_view_if_needed()
    screenshot(live.page, "live_cancelled", cancelled)

    printed = run(live, "cancel_status", again=True).locator(".jp-OutputArea-output").inner_text()
    found = re.search(r"kernel-side status: (\S+) (\S+)", printed)
    assert found, printed
    status, task_id = found.groups()
    assert status == "CANCELLED"
    # The sandbox's own record: cancelled while it ran. On the wire a DELETEd task is gone (404), as
    # the contract says of DELETE; CANCELLED on the wire is only for a server-side cancellation.
    task = live_sandboxes.slow.engine.task(task_id)
    assert task is not None and task.state == "CANCELLED" and task.deleted
    assert task.started is not None and task.ended >= task.started + task.pending  # it had reached RUNNING
    assert task.ended < task.started + task.pending + task.run  # ... and was stopped before its end
    answer = httpx.get(f"{live_sandboxes.slow.base_url}/v1/tasks/{task_id}", headers={
        "Authorization": f"Bearer {live_sandboxes.slow.api_key}", "X-Runway-Version": "2024-11-06"})
    assert answer.status_code == 404, answer.text


# -- 5. GenerateForm -------------------------------------------------------------------------------
LOADED = {"video": "v => v.readyState >= 2 && v.videoWidth > 0", "img": IMAGE_LOADED, "audio": AUDIO_LOADED}
FORM_RUNS = [  # (model, prompt, the player's media element, the prompt counter's text)
    ("gen4.5", "a red fox running through snow", "video", "30 / 1000"),
    ("gen4_image", "a glass teapot on a wooden table", "img", "32 / 1000"),
    ("eleven_text_to_sound_v2", "rain on a tin roof", "audio", ""),  # no stated limit, no counter
]


def test_generate_form_makes_a_video_an_image_and_a_sound(live):
    cell = run(live, "form", again=True)
    form = cell.locator("[data-testid='rnb-form']")
    form.wait_for(state="visible")
    model = form.get_by_label("Model", exact=True)
    generate = form.get_by_role("button", name="Generate")
    estimate = form.locator("[data-testid='rnb-estimate']")
    runs = cell.locator(".rnb-runs > .rnb-run")
    for n, (model_id, prompt, _, counter) in enumerate(FORM_RUNS, start=1):
        model.select_option(model_id)
        form.locator("[data-field='promptText'] textarea").fill(prompt)
        expect(estimate).to_contain_text("Estimated cost:")
        expect(form.locator("[data-field='promptText'] .rnb-count")).to_have_text(counter)
        if n == 1:
            form.scroll_into_view_if_needed()
            screenshot(live.page, "live_form_filled", form)
        expect(generate).to_be_enabled()
        generate.click()
        expect(runs).to_have_count(n)
        expect(generate).to_be_enabled()  # the create call returned
    assert form.locator(".rnb-notice").text_content() == ""

    for model_id, prompt, tag, _ in FORM_RUNS:
        view = cell.locator(f".rnb-run {VIEW}", has=live.page.locator(".rnb-model", has_text=model_id))
        expect(view).to_have_attribute("data-status", "SUCCEEDED")
        assert view.locator(".rnb-model").text_content() == model_id
        assert view.locator(".rnb-prompt-line").text_content() == prompt
        media = view.locator(f"[data-testid='rnb-player'] {tag}")
        media.wait_for(state="attached")
        wait_true(live.page, LOADED[tag], media)
        assert view.locator(".rnb-prompt").text_content() == prompt
    # Newest first: the sound on top, the video at the bottom.
    assert runs.locator(".rnb-model").all_text_contents() == [run[0] for run in reversed(FORM_RUNS)]
    cell.scroll_into_view_if_needed()
    screenshot(live.page, "live_form_results", cell)


def test_generate_form_finds_a_non_seed_model_and_its_video_plays(live):
    """kling3.0_pro, a model only the pinned SDK's shapes describe: found with the search box, its
    fields drawn from its shape, no published price said as such, and its video plays."""
    cell = run(live, "form", again=True)
    form = cell.locator("[data-testid='rnb-form']")
    form.wait_for(state="visible")
    form.locator("[data-testid='rnb-model-search']").fill("kling 3.0 pro")
    model = form.locator("[data-testid='rnb-model']")
    expect(model).to_have_value("kling3.0_pro")
    assert model.locator("option").all_inner_texts() == ["kling3.0_pro"]
    expect(form.locator("[data-field='ratio'] select")).to_have_value("1920:1080")  # required: its first choice
    form.locator("[data-field='promptText'] textarea").fill("a paper lantern drifting over a dark lake")
    form.locator("[data-field='duration'] input").fill("3")
    expect(form.locator("[data-testid='rnb-estimate']")).to_have_text(
        "price not published: Runway's estimate comes with the answer")
    form.get_by_role("button", name="Copy as code").click()
    expect(form.locator("[data-testid='rnb-code-python']")).to_contain_text("model='kling3.0_pro'")
    form.scroll_into_view_if_needed()
    screenshot(live.page, "live_form_kling_filled", form)
    form.get_by_role("button", name="Generate").click()
    view = cell.locator(f".rnb-run {VIEW}", has=live.page.locator(".rnb-model", has_text="kling3.0_pro"))
    expect(view).to_have_attribute("data-status", "SUCCEEDED")
    video = view.locator("[data-testid='rnb-player'] video")
    video.wait_for(state="attached")
    video.scroll_into_view_if_needed()
    wait_true(live.page, "v => v.readyState >= 2 && v.videoWidth > 0", video)
    start = video.evaluate("v => { v.muted = true; if (v.paused) v.play(); return v.currentTime; }")
    live.page.wait_for_function("([v, t]) => v.readyState >= 2 && v.currentTime > t + 0.3",
                                arg=[video.element_handle(), start])
    assert video.evaluate("v => [v.videoWidth, v.videoHeight]") == [1920, 1080]
    assert form.locator(".rnb-notice").text_content() == ""
    cell.scroll_into_view_if_needed()
    screenshot(live.page, "live_form_kling_playing", cell)


# -- 6. hostile text stays text ----------------------------------------------------------------------
def test_hostile_prompt_and_failure_show_as_text(live):
    page = live.page
    cell = run(live, "safety", again=True)
    assert live.errors() == []

    # The live player: the prompt in the header and in the caption, as text.
    player = cell.locator(f"{VIEW}[data-status='SUCCEEDED']")
    image = player.locator("[data-testid='rnb-player'] img")
    image.wait_for(state="attached")
    wait_true(page, IMAGE_LOADED, image)
    assert player.locator(".rnb-prompt-line").text_content() == HOSTILE_PROMPT
    assert player.locator(".rnb-prompt").text_content() == HOSTILE_PROMPT
    assert image.get_attribute("alt") == HOSTILE_PROMPT

    # The live view of the failed task: the hostile failure message and code, as text.
    failed = cell.locator(f"{VIEW}[data-status='FAILED']")
    failed.wait_for(state="visible")
    assert failed.locator(".rnb-failure").text_content() == f"Failed: {HOSTILE_FAILURE} ({HOSTILE_CODE})"
    assert failed.locator(".rnb-prompt-line").text_content() == HOSTILE_PROMPT

    # What the swapped views left behind (plain HTML, trusted: Lab would run its scripts).
    result = cell.locator(".runway-nb-result")
    result.wait_for(state="visible")
    static_image = result.locator("img")
    wait_true(page, IMAGE_LOADED, static_image)
    assert result.locator("figcaption p").first.text_content() == HOSTILE_PROMPT
    static_failure = cell.locator(".runway-nb-task")
    static_failure.wait_for(state="visible")
    lines = static_failure.locator("div").all_text_contents()
    assert lines[-1] == f"Failed: {HOSTILE_FAILURE} ({HOSTILE_CODE})"
    assert lines[-2].endswith(HOSTILE_PROMPT) and "failed" in lines[-2]

    # No element came of the text: no <img src=x>, no onerror, no <script> in the cell's outputs.
    made = cell.locator(".jp-Cell-outputArea").evaluate("""area => ({
      img_x: Array.from(area.querySelectorAll('img')).filter(i => i.getAttribute('src') === 'x').length,
      onerror: area.querySelectorAll('[onerror]').length,
      scripts: area.querySelectorAll('script').length,
    })""")
    assert made == {"img_x": 0, "onerror": 0, "scripts": 0}
    # The control: this page does run an onerror handler in trusted HTML, given the time it takes.
    page.evaluate("() => { window.__canary = undefined; }")
    run(live, "canary", again=True)
    page.wait_for_function("() => window.__canary === 1")
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    cell.scroll_into_view_if_needed()
    screenshot(page, "live_hostile_text", cell)


# -- 7. saved, kernel shut down, reopened: the media still load ------------------------------------
def _kernels(server) -> list[dict]:
    return httpx.get(f"{server.base_url}/api/kernels", timeout=10).json()


def test_saved_notebook_shows_its_media_without_a_kernel(lab_server, open_notebook, page):
    nb = open_notebook(lab_server, "persisted.ipynb")
    nb.run_all()
    assert nb.errors() == []
    html = page.locator(".jp-Notebook .jp-CodeCell").first.locator(".jp-OutputArea .jp-RenderedHTMLCommon")
    html.locator("video[src*='runway_outputs/']").wait_for(state="attached")
    html.locator("img[src*='runway_outputs/']").wait_for(state="attached")
    nb.save()

    # On disk: plain HTML on the stored files, no widget output left to say "model not found".
    saved = httpx.get(f"{lab_server.base_url}/api/contents/persisted.ipynb", timeout=10).json()["content"]
    outputs = [o for c in saved["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert not [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    markup = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert re.search(r'<video src="runway_outputs/[^"/]+\.mp4"', markup), markup
    assert re.search(r'<img src="runway_outputs/[^"/]+\.png"', markup), markup

    kernel_id = page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id")
    assert httpx.delete(f"{lab_server.base_url}/api/kernels/{kernel_id}", timeout=30).status_code == 204
    assert kernel_id not in [k["id"] for k in _kernels(lab_server)]

    # Reopened in a new workspace with no kernel at all: the page may not start one.
    refused: list[str] = []

    def no_new_kernels(route):
        if route.request.method == "POST":
            refused.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.route(re.compile(r".*/api/(sessions|kernels)(\?.*)?$"), no_new_kernels)
    page.goto(lab_server.notebook_url("persisted.ipynb"))
    # The page tried to start a kernel and was refused; then, as a person would, choose "No Kernel".
    page.locator(".jp-Dialog", has_text="Error Starting Kernel").get_by_role("button", name="Ok").click()
    page.locator(".jp-Dialog", has_text="Select Kernel").get_by_role("button", name="No Kernel").click()
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    expect(page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-kernelName")).to_have_text("No Kernel")
    html = page.locator(".jp-Notebook .jp-CodeCell").first.locator(".jp-OutputArea .jp-RenderedHTMLCommon")
    video = html.locator("video[src*='runway_outputs/']")
    image = html.locator("img[src*='runway_outputs/']")
    video.wait_for(state="attached")
    image.wait_for(state="attached")
    wait_true(page, "v => v.readyState >= 2 && v.videoWidth === 1280", video)
    wait_true(page, IMAGE_LOADED, image)
    assert image.evaluate("i => i.naturalWidth") == 1360
    assert refused, "the reopened page never tried to start a kernel"
    sessions = httpx.get(f"{lab_server.base_url}/api/sessions", timeout=10).json()
    assert "persisted.ipynb" not in [s["path"] for s in sessions]
    assert kernel_id not in [k["id"] for k in _kernels(lab_server)]
    assert nb.widget_failures() == []
    screenshot(page, "lab_reopened_without_kernel")
    outputs = page.locator(".jp-Notebook .jp-CodeCell").first.locator(".jp-OutputArea")
    outputs.scroll_into_view_if_needed()
    screenshot(page, "lab_reopened_without_kernel_outputs", outputs)


# -- 8. Notebook 7 ---------------------------------------------------------------------------------
def test_notebook7_plays_a_generated_video(notebook_server, open_notebook, page):
    nb = open_notebook(notebook_server, "video_nb7.ipynb")
    nb.run_all()
    assert nb.errors() == []
    assert nb.widget_failures() == []
    # The live player (a widget) and the plain HTML a finished view leaves behind.
    live = page.locator(f".jp-Notebook {VIEW}[data-status='SUCCEEDED'] [data-testid='rnb-player'] video")
    static = page.locator(".jp-Notebook .jp-RenderedHTMLCommon video[src*='runway_outputs/']")
    for video in (live, static):
        video.wait_for(state="attached")
        video.scroll_into_view_if_needed()
        wait_true(page, "v => v.readyState >= 2 && v.videoWidth === 1280", video)
        start = video.evaluate("v => v.currentTime")
        page.wait_for_function("([v, t]) => !v.paused && v.currentTime > t + 0.3",
                               arg=[video.element_handle(), start])  # the muted autoplay preview
    assert re.fullmatch(r"/files/runway_outputs/[^/]+\.mp4", live.get_attribute("src"))
    screenshot(page, "notebook7_video")
