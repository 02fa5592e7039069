"""mux(): the video stream copied byte for byte, the tracks mixed where and as loud as asked, and a bad
input refused by name before anything is written."""

import math
import types
from pathlib import Path

import av
import numpy as np
import pytest

from runway_nb import MediaError, mux
from runway_nb.outputs import Output
from runway_nb.sandbox import synth
from runway_nb.store import StoredResult

SECONDS = 2.0  # the video's length


def tone(path: Path, seconds: float, *, codec: str, rate: int, channels: int, freq: float) -> Path:
    """A sine of amplitude 0.5: its RMS is 0.35 wherever it plays (two of different pitch add in power)."""
    t = np.arange(round(seconds * rate)) / rate
    x = np.tile(0.5 * np.sin(2 * np.pi * freq * t), (channels, 1)).astype(np.float32)
    layout = "mono" if channels == 1 else "stereo"
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        fmt = stream.codec_context.format.name
        size = stream.codec_context.frame_size or 1024
        for start in range(0, x.shape[1], size):
            chunk = x[:, start:start + size]
            frame = (av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout=layout)
                     if fmt == "fltp" else
                     av.AudioFrame.from_ndarray((chunk.T.reshape(1, -1) * 32767).astype(np.int16), format="s16",
                                                layout=layout))
            frame.sample_rate, frame.pts = rate, start
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("media")
    video = folder / "clip.mp4"
    video.write_bytes(synth.video(320, 180, SECONDS, seed=3, prompt="a lighthouse"))  # silent, like gen4.5's
    return {
        "video": video,
        "wav": tone(folder / "tone.wav", 1.5, codec="pcm_s16le", rate=44100, channels=1, freq=660),
        "mp3": tone(folder / "long.mp3", 3.0, codec="libmp3lame", rate=44100, channels=2, freq=440),  # longer than the video
    }


@pytest.fixture
def video(media, tmp_path) -> Path:
    """A copy of the video in this test's folder, so the default output lands there."""
    copy = tmp_path / "clip.mp4"
    copy.write_bytes(media["video"].read_bytes())
    return copy


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.size]


def decoded(path: Path) -> np.ndarray:
    """The output's sound as float (2, n) at its own rate (48 kHz)."""
    with av.open(str(path)) as c:
        return np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)


def rms(x: np.ndarray, start: float, end: float) -> float:
    return float(np.sqrt(np.mean(x[:, int(start * 48000):int(end * 48000)] ** 2)))


def test_video_copied_untouched_and_the_mix_added_as_aac(media, video):
    out = mux(video, [media["mp3"], (media["wav"], 0.5, 0.25)])
    assert out == video.with_name("clip_with_sound.mp4") and out.is_file()
    assert video_packets(out) == video_packets(video)  # same count, same bytes: no re-encode
    with av.open(str(out)) as c:
        assert [s.type for s in c.streams] == ["video", "audio"]
        audio = c.streams.audio[0]
        assert (audio.codec_context.name, audio.rate, audio.channels) == ("aac", 48000, 2)
    samples = decoded(out).shape[1]
    assert abs(samples - SECONDS * 48000) <= 2048  # cut to the video (the mp3 is 3 s), give or take AAC framing
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart: plays before it is all downloaded


def test_a_track_starts_at_its_start_second(media, video):
    out = mux(video, [(media["wav"], 1.0, SECONDS / 2)], video.with_name("late.mp4"))
    sound = decoded(out)
    assert rms(sound, 0.05, 0.95) < 1e-3  # silent first half
    assert rms(sound, 1.05, 1.95) > 0.2  # the tone (0.5 * 0.707 per channel from mono, RMS ~0.25)


def test_gain_scales_amplitude_and_the_mix_is_clipped(media, video):
    full = rms(decoded(mux(video, [(media["wav"], 1.0, 0.0)], video.with_name("full.mp4"))), 0.2, 1.3)
    quarter = rms(decoded(mux(video, [(media["wav"], 0.25, 0.0)], video.with_name("quarter.mp4"))), 0.2, 1.3)
    assert quarter / full == pytest.approx(0.25, abs=0.02)
    loud = decoded(mux(video, [(media["wav"], 10.0, 0.0)], video.with_name("loud.mp4")))
    assert np.abs(loud).max() < 1.3  # 10 x 0.35 unclipped would peak at 3.5


def core(task_id: str, saved: dict) -> types.SimpleNamespace:
    """What an Output reads of its task: the URLs, and the files this process saved them to."""
    return types.SimpleNamespace(id=task_id, model=None, saved=saved, output=["https://x.test/a.mp3"])


def test_results_are_taken_for_their_stored_files(media, video):
    stored = StoredResult({"id": "t1"}, [media["wav"]])  # like a %runway result or a TaskView: .files/.paths
    task = types.SimpleNamespace(outputs=[Output(core("t2", {0: media["mp3"]}), 0)])  # a Task, downloaded
    out = mux(StoredResult({"id": "t0"}, [video]), [(stored, 1.0, 1.0), (task, 0.5)], video.with_name("objects.mp4"))
    assert video_packets(out) == video_packets(video)
    assert rms(decoded(out), 1.1, 1.4) > rms(decoded(out), 0.1, 0.9) * 1.5  # the tone joined the mp3 at 1 s
    not_saved = Output(core("t3", {}), 0)
    with pytest.raises(MediaError, match=r"tracks\[0\].*not saved on this machine.*output.save"):
        mux(video, [not_saved])


BAD = {
    "missing video": (lambda m, d: (d / "nope.mp4", [m["wav"]], None), "video", r"video: file '.*nope.mp4' does not exist"),
    "missing track": (lambda m, d: (d / "clip.mp4", [m["wav"], d / "gone.mp3"], None), "tracks[1]",
                      r"tracks\[1\]: file '.*gone.mp3' does not exist"),
    "audio as video": (lambda m, d: (m["wav"], [m["mp3"]], d / "x.mp4"), "video", r"video: '.*tone.wav' has no video stream"),
    "silent track": (lambda m, d: (d / "clip.mp4", [m["video"]], None), "tracks[0]",
                     r"tracks\[0\]: '.*clip.mp4' has no audio stream"),
    "negative start": (lambda m, d: (d / "clip.mp4", [(m["wav"], 1.0, -0.5)], None), "tracks[0]",
                       r"tracks\[0\]: start -0.5 is not allowed; give .* >= 0"),
    "start past the end": (lambda m, d: (d / "clip.mp4", [(m["wav"], 1.0, 2.5)], None), "tracks[0]",
                           r"start 2.5 s is past the end of the video \(2 s long\)"),
    "nan gain": (lambda m, d: (d / "clip.mp4", [m["mp3"], (m["wav"], math.nan, 0.0)], None), "tracks[1]",
                 r"tracks\[1\]: gain nan is not allowed; give a finite number >= 0"),
    "infinite gain": (lambda m, d: (d / "clip.mp4", [(m["wav"], math.inf)], None), "tracks[0]", r"gain inf is not allowed"),
    "gain in dB": (lambda m, d: (d / "clip.mp4", [(m["wav"], -6, 0.0)], None), "tracks[0]", r"gain -6 .* linear factor"),
    "no tracks": (lambda m, d: (d / "clip.mp4", [], None), "tracks", r"tracks is empty"),
    "not media": (lambda m, d: (d / "clip.mp4", [Path(__file__)], None), "tracks[0]", r"not a media file PyAV can read"),
    "wrong type": (lambda m, d: (d / "clip.mp4", [42], None), "tracks[0]", r"cannot use a int"),
    "out not mp4": (lambda m, d: (d / "clip.mp4", [m["wav"]], d / "x.webm"), "out", r"out: '.*x.webm' must end in .mp4"),
    "out over the video": (lambda m, d: (d / "clip.mp4", [m["wav"]], d / "clip.mp4"), "out", r"is one of the inputs"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_refused_by_name_and_nothing_is_written(media, video, case):
    build, argument, message = BAD[case]
    before = {p: p.read_bytes() for p in video.parent.iterdir()}
    with pytest.raises(MediaError, match=message) as info:
        mux(*build(media, video.parent))
    assert info.value.argument == argument
    assert isinstance(info.value, ValueError)
    assert {p: p.read_bytes() for p in video.parent.iterdir()} == before  # no output, no temp file, input intact


def test_a_failure_while_writing_leaves_no_file_and_keeps_an_older_one(media, video, monkeypatch):
    out = video.with_name("clip_with_sound.mp4")
    out.write_bytes(b"an earlier result")
    import runway_nb._mux as impl
    real = impl._aac_packets

    class DiskFull:
        """An audio packet that fails once the header and most of the packets are written."""

        def fail(self):
            being_written = [p for p in video.parent.iterdir() if p.read_bytes()[4:8] == b"ftyp" and p != video]
            assert being_written  # the failure comes mid-file, not before the file exists
            raise OSError("disk full")

        dts = property(fail)
        __iter__ = fail  # out.mux(packet) takes an iterable of packets too

    def broken(container, mixed):
        stream, packets = real(container, mixed)
        return stream, [*packets, DiskFull()]

    monkeypatch.setattr(impl, "_aac_packets", broken)
    with pytest.raises(OSError, match="disk full"):
        mux(video, [media["wav"]])
    assert sorted(p.name for p in video.parent.iterdir()) == ["clip.mp4", "clip_with_sound.mp4"]
    assert out.read_bytes() == b"an earlier result"
