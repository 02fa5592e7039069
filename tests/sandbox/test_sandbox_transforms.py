"""Operations that transform a video, only the SDK's types describe: what comes out is what was asked.

ruby (video_to_hdr) delivers HDR in the outputFormat asked (hdr10 when left out, as its doc says);
magnific_video_upscaler_creative (video_upscale) makes the source's shape at the resolution asked
(2k when left out). Decoded with PyAV here, not with runway_nb's own readers.
"""

from __future__ import annotations

import io
from fractions import Fraction

import av
import pytest
from media_samples import data_uri, video_bytes

from runway_nb.sandbox import FakeClock
from runway_nb.sandbox import synth as real_synth

PQ, HLG, BT2020 = 16, 18, 9  # ITU-T H.273 code points (color_trc, color_primaries)


@pytest.fixture(scope="module")
def landscape() -> str:
    return data_uri(video_bytes(0.5, 128, 72), "video/mp4")


@pytest.fixture
def engine(make_engine):
    return make_engine(clock=FakeClock(), synth=real_synth, credits=10**6)


def _made(engine, path: str, body: dict) -> tuple[list[str], bytes]:
    """Run one task to its end on the engine's fake clock: its output names and the main file's bytes."""
    task_id = engine.create_task(path, body)
    for _ in range(100_000):
        wire = engine.get_task(task_id)
        if wire["status"] in ("SUCCEEDED", "FAILED"):
            break
        engine.settle()
        engine.clock.advance(0.05)
    assert wire["status"] == "SUCCEEDED", wire
    names = [url.split("?")[0].rsplit("/", 1)[-1] for url in wire["output"]]
    return names, engine.outputs.file(task_id, names[0]).read_bytes()


def _video(data: bytes) -> tuple:
    with av.open(io.BytesIO(data)) as c:
        s = c.streams.video[0]
        cc = s.codec_context
        frame = next(c.decode(video=0))
        return (cc.name, cc.width, cc.height, frame.format.name, frame.color_primaries, frame.color_trc,
                s.frames, cc.profile)


@pytest.mark.parametrize("asked,names,codec,pix_fmt,trc", [
    (None, ["0.mp4"], "hevc", "yuv420p10le", PQ),  # "`hdr10` (default)"
    ("hlg", ["0.mp4"], "hevc", "yuv420p10le", HLG),
    ("hdr_prores", ["0.mov"], "prores", "yuv422p10le", PQ),
])
def test_ruby_delivers_hdr_in_the_format_asked(engine, landscape, asked, names, codec, pix_fmt, trc):
    body = {"model": "ruby", "videoUri": landscape, **({"outputFormat": asked} if asked else {})}
    got_names, data = _made(engine, "/v1/video_to_hdr", body)
    assert got_names == names
    got_codec, w, h, got_fmt, primaries, got_trc, frames, _ = _video(data)
    assert (got_codec, w, h, got_fmt, primaries, got_trc) == (codec, 128, 72, pix_fmt, BT2020, trc)
    assert frames == 12  # the source's 0.5 s, at 24 fps


def test_ruby_prores_profile_picks_the_tier(engine, landscape):
    _, mov = _made(engine, "/v1/video_to_hdr", {"model": "ruby", "videoUri": landscape,
                                                  "outputFormat": "hdr_prores", "proresProfile": "4444"})
    assert _video(mov)[7] == "4444"


@pytest.mark.parametrize("resolution,size", [
    ("720p", (1280, 720)),
    ("1k", (1920, 1080)),
    (None, (1920, 1080)),  # "Defaults to `2k`": 2560x1440, cut to the sandbox's 1920 side
])
def test_upscale_keeps_the_shape_at_the_resolution_asked(engine, landscape, resolution, size):
    body = {"model": "magnific_video_upscaler_creative", "videoUri": landscape,
            **({"resolution": resolution} if resolution else {})}
    _, data = _made(engine, "/v1/video_upscale", body)
    codec, w, h, *_ = _video(data)
    assert (codec, (w, h)) == ("h264", size)


def test_upscale_of_a_portrait_source_stays_portrait(engine):
    portrait = data_uri(video_bytes(0.5, 72, 128), "video/mp4")
    _, data = _made(engine, "/v1/video_upscale", {"model": "magnific_video_upscaler_creative", "videoUri": portrait,
                                                   "resolution": "720p"})
    assert _video(data)[1:3] == (720, 1280)


def test_a_delivery_is_remembered_like_any_synthesized_file():
    """Two sandboxes given the same request (the conformance twins) make a delivery once."""
    args = ("hlg", None, 0.25, 64, 36)
    first = real_synth.deliver_like(*args, seed=3, prompt="")
    assert real_synth.deliver_like(*args, seed=3, prompt="") is first
    with real_synth.fresh():
        again = real_synth.deliver_like(*args, seed=3, prompt="")
    assert again is not first and again == first  # made anew, the same bytes


def _mean_luma(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as c:
        return float(next(c.decode(video=0)).to_ndarray(format="gray").mean())


def test_an_upscale_keeps_the_source_picture_where_a_restyle_regrades_it(engine):
    """Magnific resizes the picture; aleph2 (video_to_video) restyles it: only the second changes its light."""
    raw = video_bytes(0.5, 128, 72)
    source = data_uri(raw, "video/mp4")
    _, up = _made(engine, "/v1/video_upscale", {"model": "magnific_video_upscaler_creative", "videoUri": source,
                                                 "resolution": "720p"})
    _, styled = _made(engine, "/v1/video_to_video", {"model": "aleph2", "videoUri": source,
                                                      "promptText": "make it night"})
    assert abs(_mean_luma(up) - _mean_luma(raw)) < 3  # the caption strip aside, the same picture
    assert abs(_mean_luma(styled) - _mean_luma(raw)) > abs(_mean_luma(up) - _mean_luma(raw))


@pytest.mark.parametrize("asked,rate", [("60", Fraction(60)), ("29_97", Fraction(30000, 1001)), ("25", Fraction(25))])
def test_enhance_frame_rate_delivers_the_rate_asked(engine, landscape, asked, rate):
    body = {"model": "enhance_frame_rate", "videoUri": landscape, "targetFramerate": asked}
    _, data = _made(engine, "/v1/video_upscale", body)
    with av.open(io.BytesIO(data)) as c:
        stream = c.streams.video[0]
        seconds = c.duration / av.time_base
        assert Fraction(stream.average_rate) == rate
        assert stream.frames == round(rate * Fraction(seconds).limit_denominator(1000))  # the same length, more frames
