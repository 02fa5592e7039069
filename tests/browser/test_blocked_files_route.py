"""A page without Jupyter's files route: every player gets its media through the kernel.

VS Code, Colab, Voila and a JupyterHub behind a proxy that blocks `/files/` cannot load the stored
files the way JupyterLab does. Here JupyterLab's own page plays that host: Playwright aborts every
request to `**/files/**`, so the only way a byte reaches a player is the widget's channel to the
kernel. One page runs tests/browser/notebooks/blocked_route.ipynb cell by cell (by tag), in order:
the first view of the kernel comes from `%runway video`, a cell that waits, so the page's word that
the route is missing reaches the kernel only after the view ended (the measured bug: the view was
swapped for static HTML that cannot play here). Then image and audio, a 50 MB video (slices, time to
first frame, JS heap: written to test-artifacts/browser/big_video_figures.json), and the Gallery.
"""

from __future__ import annotations

import datetime
import json
import time
from fractions import Fraction

import pytest
from lab_driver import BROWSER_ARTIFACTS as ARTIFACTS
from lab_driver import NotebookPage, artifact_name, new_page, screenshot

VIEW = "[data-testid='rnb-task-view']"
PLAYER = "[data-testid='rnb-player']"
IMAGE_LOADED = "img => img.complete && img.naturalWidth > 0"
AUDIO_LOADED = "a => a.readyState >= 1 && Number.isFinite(a.duration) && a.duration > 0"
FROM_KERNEL = "e => e.dataset.source === 'kernel' && e.src.startsWith('blob:')"
BIG_BYTES = 50 * 1024 * 1024


def big_video(path, target: int = BIG_BYTES + 2 * 1024 * 1024, width: int = 640, height: int = 360, fps: int = 24):
    """An H.264 MP4 of moving noise, just over 50 MB (noise does not compress), about ten seconds long."""
    import av
    import numpy as np

    rng = np.random.default_rng(1)
    base = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "6", "preset": "ultrafast"}
        stream.time_base = Fraction(1, fps)
        size, index = 0, 0
        while size < target:
            frame = av.VideoFrame.from_ndarray(
                np.roll(base, index * 7, axis=1) ^ rng.integers(0, 48, (height, width, 3), dtype=np.uint8),
                format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                size += packet.size
                out.mux(packet)
            index += 1
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.fixture(scope="module")
def big_file(notebook_dir):
    return big_video(notebook_dir / "runway_outputs" / "big_0.mp4")


@pytest.fixture(scope="module")
def blocked(browser, lab_server, big_file):
    """blocked_route.ipynb open in JupyterLab, in a page that can never reach the files route."""
    page = new_page(browser, height=1800)
    aborted: list[str] = []

    def abort(route):
        aborted.append(route.request.url)
        route.abort()

    page.route("**/files/**", abort)
    nb = NotebookPage(page, lab_server, "blocked_route.ipynb").open()
    nb.aborted = aborted
    try:
        nb.run_cell("setup")
        assert nb.errors() == []
        yield nb
    finally:
        (ARTIFACTS / "blocked_route.console.txt").write_text("\n".join(page.console_log) + "\n")
        page.context.close()


@pytest.fixture
def nb(blocked, request):
    yield blocked
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        blocked.page.screenshot(path=str(ARTIFACTS / f"{artifact_name(request.node.name)}.FAILED.png"))


def wait_true(page, predicate: str, locator, timeout: float | None = None):
    return page.wait_for_function(predicate, arg=locator.element_handle(), timeout=timeout).json_value()


def plays(page, video) -> None:
    """The video has a frame and its time advances (the muted autoplay preview plays by itself)."""
    wait_true(page, "v => v.readyState >= 2 && v.videoWidth > 0", video)
    start = video.evaluate("v => v.currentTime")
    page.wait_for_function("([v, t]) => !v.paused && v.currentTime > t + 0.3", arg=[video.element_handle(), start])


# -- 1. %runway video: the view that ended inside a waiting cell plays after it ---------------------------
def test_runway_video_ends_as_a_player_that_plays_through_the_kernel(nb):
    page = nb.page
    cell = nb.run_cell("magic")
    assert nb.errors() == []
    video = cell.locator(f"{VIEW}[data-status='SUCCEEDED'] {PLAYER} video")
    video.wait_for(state="attached")
    wait_true(page, FROM_KERNEL, video)
    video.scroll_into_view_if_needed()
    plays(page, video)
    assert video.evaluate("v => [v.videoWidth, v.videoHeight]") == [1280, 720]
    assert int(video.get_attribute("data-chunks")) >= 1
    # The route was tried and refused: these bytes came through the kernel, not around the block.
    assert any("/files/runway_outputs/" in url and url.endswith(".mp4") for url in nb.aborted), nb.aborted
    # The final form is the live player: no static <video> left behind that could not play here.
    area = cell.locator(".jp-Cell-outputArea")
    assert area.locator(".runway-nb-result video").count() == 0
    shown = [o for o in nb.outputs("magic") if o["output_type"] in ("display_data", "execute_result")]
    assert any("application/vnd.jupyter.widget-view+json" in o["data"] for o in shown), shown
    assert nb.widget_failures() == []
    screenshot(page, "blocked_route_magic_video", cell)


# -- 2. image and audio, while the views run and after they end -------------------------------------
def test_image_and_audio_load_through_the_kernel_and_stay_live(nb):
    page = nb.page
    cell = nb.run_cell("image_audio")
    views = cell.locator(VIEW)
    views.first.wait_for(state="attached")
    image = cell.locator(f"{VIEW}[data-status='SUCCEEDED'] {PLAYER} img")
    audio = cell.locator(f"{VIEW}[data-status='SUCCEEDED'] {PLAYER} audio")
    image.wait_for(state="attached")
    audio.wait_for(state="attached")
    wait_true(page, f"i => ({FROM_KERNEL})(i) && ({IMAGE_LOADED})(i)", image)
    wait_true(page, f"a => ({FROM_KERNEL})(a) && ({AUDIO_LOADED})(a)", audio)
    assert image.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [1360, 768]

    # After the end: the views settled, kept live (their models open), and still show what they loaded.
    printed = nb.run_cell("image_audio_end").locator(".jp-OutputArea-output").inner_text()
    assert "settled: True True" in printed, printed
    assert cell.locator(".runway-nb-result").count() == 0
    wait_true(page, f"i => ({FROM_KERNEL})(i) && ({IMAGE_LOADED})(i)", image)
    wait_true(page, AUDIO_LOADED, audio)
    audio.evaluate("a => a.play()")  # sound is not autoplayed: play it as a person would
    start = audio.evaluate("a => a.currentTime")
    page.wait_for_function("([a, t]) => a.currentTime > t + 0.2", arg=[audio.element_handle(), start])
    cell.scroll_into_view_if_needed()
    screenshot(page, "blocked_route_image_audio", cell)


# -- 3. a 50 MB video arrives in slices --------------------------------------------------------------------
def test_a_50_mb_video_arrives_in_slices_and_plays(nb, big_file):
    page = nb.page
    size = big_file.stat().st_size
    assert size >= BIG_BYTES
    page.evaluate("""() => {
      window.__rnbLong = [];  // main-thread tasks over 50 ms: [start, duration]
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__rnbLong.push([e.startTime, e.duration]);
      }).observe({ type: "longtask" });
      window.__rnbProgress = [];  // every text the players' loading lines showed
      window.__rnbBig = null;  // the first player video added from now on: the 50 MB one
      new MutationObserver((changes) => {
        for (const c of changes) {
          const el = c.target.nodeType === Node.TEXT_NODE ? c.target.parentElement : c.target;
          if (el && el.classList && el.classList.contains("rnb-loading") && el.textContent)
            window.__rnbProgress.push(el.textContent);
          for (const node of c.addedNodes) {
            const v = node.querySelector ? (node.matches("video") ? node : node.querySelector("[data-testid=rnb-player] video")) : null;
            if (v && !window.__rnbBig) {
              window.__rnbBig = v;
              window.__rnbAttached = performance.now();
              v.requestVideoFrameCallback(() => { window.__rnbFirstFrame = performance.now(); });
            }
          }
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
      window.__rnbT0 = performance.now();
    }""")
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.collectGarbage")
    heap_before = cdp.send("Runtime.getHeapUsage")["usedSize"]
    heap_peak, samples = heap_before, 0

    # Run the cell without waiting for it, so the heap is sampled all along (a measurement loop every
    # ~50 ms, not a wait: the test waits on the page's own state).
    page.evaluate("""(i) => {
      const w = window.jupyterapp.shell.currentWidget;
      w.content.activeCellIndex = i;
      w.content.deselectAll();
      window.jupyterapp.commands.execute('notebook:run-cell');
    }""", nb.cell_index("big"))
    arrived = """() => { const v = window.__rnbBig;
      return !!v && v.dataset.chunks !== undefined && v.readyState >= 2 && window.__rnbFirstFrame !== undefined; }"""
    wall_start = time.monotonic()
    while not page.evaluate(arrived):
        assert time.monotonic() - wall_start < 300, "the 50 MB video never arrived"
        heap_peak = max(heap_peak, cdp.send("Runtime.getHeapUsage")["usedSize"])
        samples += 1
        time.sleep(0.05)
    heap_peak = max(heap_peak, cdp.send("Runtime.getHeapUsage")["usedSize"])
    nb.wait_for_kernel_idle()
    cell = nb.cell("big")
    video = cell.locator(f"{PLAYER} video")
    assert video.evaluate("v => v === window.__rnbBig")
    loading = cell.locator(".rnb-loading")
    state = video.evaluate("""v => ({chunks: Number(v.dataset.chunks), bytes: Number(v.dataset.bytes),
      source: v.dataset.source, t0: window.__rnbT0, attached: window.__rnbAttached,
      first: window.__rnbFirstFrame, w: v.videoWidth, d: v.duration,
      longest: Math.max(0, ...window.__rnbLong.filter(([t]) => t >= window.__rnbAttached).map(([, d]) => d)),
      longest_all: Math.max(0, ...window.__rnbLong.map(([, d]) => d)),
      progress: window.__rnbProgress.filter((t) => t.includes(" of "))})""")
    video.scroll_into_view_if_needed()
    plays(page, video)
    cdp.send("HeapProfiler.collectGarbage")
    heap_after = cdp.send("Runtime.getHeapUsage")["usedSize"]

    assert state["source"] == "kernel" and state["bytes"] == size
    assert state["chunks"] >= 50  # 1 MB slices, never one 50 MB message
    assert state["w"] == 640 and 9 < state["d"] < 11
    # The page said how far it was, slice by slice: "loading through the kernel: 12.0 of 52.3 MB".
    assert len(state["progress"]) >= 10 and state["progress"][-1].endswith(f"{size / 2**20:.1f} of {size / 2**20:.1f} MB")
    assert loading.is_hidden()
    mb = 1024 * 1024
    figures = {
        "file_mb": round(size / mb, 1),
        "chunks": state["chunks"],
        "first_frame_ms_from_cell_run": round(state["first"] - state["t0"]),
        "first_frame_ms_from_player_shown": round(state["first"] - state["attached"]),
        "throughput_mb_per_s": round(size / mb / max(1e-3, (state["first"] - state["attached"]) / 1000), 1),
        "js_heap_mb_before": round(heap_before / mb, 1),
        "js_heap_mb_peak_during": round(heap_peak / mb, 1),
        "js_heap_mb_after_gc": round(heap_after / mb, 1),
        "heap_samples": samples,
        "longest_main_thread_task_ms_while_slices_came": round(state["longest"]),
        "longest_main_thread_task_ms_whole_cell": round(state["longest_all"]),
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "big_video_figures.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\n50 MB video through the kernel (files route blocked):", json.dumps(figures))
    screenshot(page, "blocked_route_big_video", cell)


# -- 4. the Gallery ---------------------------------------------------------------------------------------
def test_gallery_shows_thumbnails_and_plays_a_selection_through_the_kernel(nb):
    page = nb.page
    cell = nb.run_cell("gallery")
    grid = cell.locator("[data-testid='rnb-gallery-grid']")
    thumbs = grid.locator("button.rnb-thumb")
    thumbs.first.wait_for(state="visible")
    grid.scroll_into_view_if_needed()  # thumbnails load lazily: only once on screen
    assert thumbs.count() >= 3  # the video, the image and the speech of this page (and earlier ones)
    for img in grid.locator("img").all()[:3]:
        wait_true(page, f"i => ({FROM_KERNEL})(i) && ({IMAGE_LOADED})(i)", img)

    boat = thumbs.filter(has_text="a paper boat on a pond").first
    boat.click()
    viewer = cell.locator("[data-testid='rnb-gallery-viewer']")
    video = viewer.locator("video").first
    video.wait_for(state="attached")
    wait_true(page, FROM_KERNEL, video)
    video.scroll_into_view_if_needed()
    plays(page, video)
    thumbs.filter(has_text="a lighthouse at dusk").first.click()
    picture = viewer.locator("img").first
    picture.wait_for(state="attached")
    wait_true(page, f"i => ({FROM_KERNEL})(i) && ({IMAGE_LOADED})(i)", picture)

    # The page's credit and date controls narrow the search in the kernel: the 60-credit video goes
    # at "to 10 credits", the 8-credit image and 1-credit speech stay; from tomorrow on nothing is left.
    boats = thumbs.filter(has_text="a paper boat on a pond")
    cell.locator("[data-testid='rnb-gallery-max-credits']").fill("10")
    boats.first.wait_for(state="detached")
    lighthouse = thumbs.filter(has_text="a lighthouse at dusk").first
    lighthouse.wait_for(state="visible")
    assert "8 credits" in lighthouse.locator("[data-testid='rnb-gallery-cost']").inner_text()
    cell.locator("[data-testid='rnb-gallery-max-credits']").fill("")
    boats.first.wait_for(state="visible")
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    cell.locator("[data-testid='rnb-gallery-since']").fill(tomorrow)
    thumbs.first.wait_for(state="detached")
    assert "0 of 0 results" in cell.locator(".rnb-gallery [role='status']").inner_text()
    cell.locator("[data-testid='rnb-gallery-since']").fill("")
    lighthouse.wait_for(state="visible")
    assert nb.errors() == [] and nb.widget_failures() == []
    cell.scroll_into_view_if_needed()
    screenshot(page, "blocked_route_gallery", cell)
