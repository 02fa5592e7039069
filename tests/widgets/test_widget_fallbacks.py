"""The static faces: escaped text, relative paths, no embedded media, the stand-in front end."""

from __future__ import annotations

from widget_fakes import write_audio, write_image, write_sidecar, write_video

from runway_nb.widgets import Player, StaticResult, _bundle
from runway_nb.widgets._media import media_entry
from runway_nb.widgets.fallback import media_html, result_html, run_html, run_text

EVIL = "<img src=x onerror=alert(1)>"


def entry(**over):
    base = {"src": "runway_outputs/a_0.mp4", "name": "a_0.mp4", "kind": "video", "prompt": "a fox", "model": "gen4.5",
            "seed": 1, "ratio": "1280:720", "duration": 5, "cost_credits": 60, "cost_dollars": 0.6, "poster": ""}
    return {**base, **over}


def test_video_html_is_a_static_player_with_a_relative_src():
    page = media_html(entry(poster="runway_outputs/a_0.poster.jpg"))
    assert '<video src="runway_outputs/a_0.mp4" poster="runway_outputs/a_0.poster.jpg" controls loop muted autoplay' in page
    assert "height:240px" in page  # explicit height: Colab and VS Code lack JupyterLab's CSS
    assert "gen4.5 · seed 1 · 1280:720 · 5 s · 60 credits ($0.60)" in page
    assert "base64" not in page and "data:" not in page


def test_every_text_is_escaped():
    page = result_html([entry(prompt=EVIL, src='x" onload="alert(1)', name=EVIL, model=EVIL)], task={"model": EVIL})
    assert "<img" not in page and 'onload="' not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "x&quot; onload=&quot;alert(1)" in page


def test_a_src_that_is_not_http_or_a_path_is_shown_as_text_only():
    for kind in ("video", "image", "audio"):
        page = media_html(entry(kind=kind, src="javascript:alert(1)//x.mp4", poster="javascript:alert(2)"))
        assert "javascript:" not in page.replace(">javascript:alert(1)//x.mp4<", "")  # only as the caption text
        assert "<a " not in page and " src=" not in page and "poster=" not in page
    page = media_html(entry(src="https://cdn.example.com/a.mp4?x=1&y=2"))
    assert '<video src="https://cdn.example.com/a.mp4?x=1&amp;y=2"' in page and '<a href="https://cdn' in page


def test_image_and_audio_html(workdir):
    img = write_image(workdir / "runway_outputs" / "b_0.png", size=(64, 36))
    snd = write_audio(workdir / "runway_outputs" / "c_0.wav", seconds=1.5)
    image, audio = media_entry(img), media_entry(snd)
    assert (image["width"], image["height"]) == (64, 36)
    assert '<a href="runway_outputs/b_0.png" target="_blank"' in media_html(image)
    assert 'width="64" height="36"' in media_html(image)
    assert audio["seconds"] == 1.5
    peaks = audio["peaks"]
    assert len(peaks) == 120 and max(peaks) == 1.0 and peaks[0] < peaks[60] < peaks[-1]  # it swells
    assert '<audio src="runway_outputs/c_0.wav" controls' in media_html(audio) and "1.5 s" in media_html(audio)


def test_run_text_for_a_failure_and_a_success():
    failed = {"task": {"id": "t1", "model": "gen4.5", "status": "FAILED", "failure": "flagged",
                       "failure_code": "SAFETY.INPUT.TEXT"}, "outputs": []}
    assert "Failed: flagged (SAFETY.INPUT.TEXT)" in run_text(failed)
    assert "Failed: flagged (SAFETY.INPUT.TEXT)" in run_html(failed)
    queued = {"task": {"id": "t2", "model": "gen4.5", "status": "THROTTLED"}, "outputs": []}
    assert "queued" in run_text(queued)
    done = {"task": {"id": "t3", "model": "gen4.5", "status": "SUCCEEDED"}, "outputs": [entry()]}
    assert "video: runway_outputs/a_0.mp4" in run_text(done)


def test_static_result_has_only_html_and_text():
    bundle = StaticResult.of_run({"task": {"status": "CANCELLED"}, "outputs": []})._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}


def test_player_entries_fallback_and_no_bytes(workdir):
    video = write_video(workdir / "runway_outputs" / "t_0.mp4")
    write_sidecar(video, task_id="t", prompt=EVIL)
    player = Player([video], sandbox=True)
    [item] = player.items
    assert item["src"] == "runway_outputs/t_0.mp4" and item["sandbox"] is True and item["prompt"] == EVIL
    data, _ = player._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert '<video src="runway_outputs/t_0.mp4"' in data["text/html"] and "<img src=x" not in data["text/html"]
    assert "runway_outputs/t_0.mp4" in data["text/plain"]
    state = player.get_state()
    assert all(not isinstance(v, (bytes, bytearray, memoryview)) for v in state.values())


def test_player_refuses_what_is_not_stored():
    class Remote:
        url = "https://example.com/x.mp4"
        path = None

    try:
        Player([Remote()])
    except TypeError as exc:
        assert "save it first" in str(exc)
    else:
        raise AssertionError("expected a TypeError")


def test_missing_bundle_gives_a_module_that_says_how_to_build(tmp_path, monkeypatch):
    monkeypatch.setattr(_bundle, "STATIC", tmp_path)
    module = _bundle.esm("task_view")
    assert isinstance(module, str) and "npm run build" in module and "export default" in module
    (tmp_path / "task_view.js").write_text("export default {}")
    assert _bundle.esm("task_view") == tmp_path / "task_view.js"
