"""Sound on a video: `mux(video, tracks)` mixes audio files into one AAC track beside the video stream.

Gen-4.5 makes silent video and Runway's guide says to add sound separately (ElevenLabs speech and
sound effects); this is that last step. The video stream is copied packet for packet (no re-encode,
no quality lost, milliseconds); only the mix is encoded. Everything is checked before anything is
written, and the file is written under a temporary name and renamed when whole, so a failure never
leaves a half-written MP4 (the same rule as the store's downloads).

The module is private (`from runway_nb import mux`) so that `runway_nb.mux` always names the function,
whatever was imported first.
"""

from __future__ import annotations

import math
import numbers
import os
from pathlib import Path
from typing import Any

import av
import numpy as np

from .errors import MediaError
from .store import temp_beside

__all__ = ["mux", "RATE"]

RATE = 48000  # Hz: what video players and editors expect of a film's sound
AAC_BIT_RATE = 192000
_FORMATS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov"}
_HINT = "a path, or a result with a stored file (an Output saved to disk, a %runway result, a TaskView)"


def mux(video: Any, tracks: Any, out: str | os.PathLike | None = None) -> Path:
    """One file with `video`'s picture and a mix of `tracks` as its sound; returns its path.

    Each track is an audio file (or a video whose sound to use) or `(file, gain, start_seconds)`:
    gain is a linear factor (0.5 halves the amplitude), start is when the track begins in the video.
    The mix is 48 kHz stereo AAC, cut to the video's length and clipped to full scale. The video
    stream is copied untouched; any sound the video had is replaced (pass the video as a track to
    keep it). Default `out`: `<video stem>_with_sound.mp4` beside the video. Files are paths or
    results whose file is stored: Output (once saved), a %runway result, a TaskView, a StoredResult.
    """
    video_path = _file_of(video, "video")
    plan = [_track(item, f"tracks[{i}]") for i, item in enumerate(_track_list(tracks))]
    target = _target(out, video_path, [video_path, *(p for p, _, _ in plan)])
    seconds = _video_seconds(video_path)
    for i, (path, _gain, start) in enumerate(plan):
        _audio_stream_check(path, f"tracks[{i}]")
        if start >= seconds:
            raise MediaError(f"tracks[{i}]", start, f"tracks[{i}]: start {start:g} s is past the end of the "
                             f"video ({seconds:g} s long); give a start from 0 to below {seconds:g}")
    mixed = _mix(plan, round(seconds * RATE))
    with temp_beside(target) as tmp:
        _write(video_path, mixed, tmp, _FORMATS[target.suffix.lower()])
        os.replace(tmp, target)
    return target


# -- arguments -------------------------------------------------------------------------------------
def _file_of(obj: Any, argument: str) -> Path:
    """The local file behind a path or a result object; an existing file, or a MediaError naming it."""
    if isinstance(obj, (str, os.PathLike)):
        path = Path(obj).expanduser()
    else:
        path = _stored_file(obj, argument)
    if not path.exists():
        raise MediaError(argument, obj, f"{argument}: file '{path}' does not exist")
    if not path.is_file():
        raise MediaError(argument, obj, f"{argument}: '{path}' is not a file; give a media file")
    return path


def _stored_file(obj: Any, argument: str) -> Path:
    """The first stored file of a result (.files / .paths), an Output's .path, or a Task's first output's."""
    for attr in ("files", "paths"):
        found = getattr(obj, attr, None)
        if found is not None and not callable(found) and not isinstance(found, (str, bytes)):
            if not found:
                raise MediaError(argument, obj, f"{argument}: that {type(obj).__name__} has no stored file "
                                 "yet (has its task succeeded?)")
            return Path(list(found)[0])
    outputs = getattr(obj, "outputs", None)
    if isinstance(outputs, (list, tuple)):
        if not outputs:
            raise MediaError(argument, obj, f"{argument}: that task has no output yet (status "
                             f"{getattr(obj, 'status', '?')})")
        obj = outputs[0]
    if hasattr(obj, "path") and hasattr(obj, "url"):
        if obj.path is None:
            raise MediaError(argument, obj, f"{argument}: {obj!r} is not saved on this machine; save it "
                             "first (output.save(path)) or give the file the journal stored "
                             "(journal.wait_stored(task.id)[0])")
        return Path(obj.path)
    raise MediaError(argument, obj, f"{argument}: cannot use a {type(obj).__name__}; give {_HINT}")


def _track_list(tracks: Any) -> list:
    """`tracks` as a list: one file or one (file, gain, start) tuple may be given alone."""
    single = isinstance(tracks, (str, os.PathLike)) or not hasattr(tracks, "__iter__") or (
        isinstance(tracks, tuple) and len(tracks) in (2, 3) and isinstance(tracks[1], numbers.Number))
    items = [tracks] if single else list(tracks)
    if not items:
        raise MediaError("tracks", tracks, "tracks is empty; give at least one audio file, or "
                         "(file, gain, start_seconds) tuples")
    return items


def _track(item: Any, argument: str) -> tuple[Path, float, float]:
    """(path, gain, start) of one track, every part checked."""
    gain: Any = 1.0
    start: Any = 0.0
    if isinstance(item, tuple):
        if not 1 <= len(item) <= 3:
            raise MediaError(argument, item, f"{argument}: a tuple of {len(item)} items; give (file, gain, "
                             "start_seconds), (file, gain) or a file")
        item, gain, start = item + (None, 1.0, 0.0)[len(item):]
    path = _file_of(item, argument)
    if not _finite(gain) or gain < 0:
        raise MediaError(argument, gain, f"{argument}: gain {gain!r} is not allowed; give a finite number "
                         ">= 0 (a linear factor: 1.0 keeps the level, 0.5 halves the amplitude)")
    if not _finite(start) or start < 0:
        raise MediaError(argument, start, f"{argument}: start {start!r} is not allowed; give the second "
                         "the track begins at, a finite number >= 0")
    return path, float(gain), float(start)


def _finite(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def _target(out: str | os.PathLike | None, video: Path, inputs: list[Path]) -> Path:
    """Where to write: `out`, or <video stem>_with_sound.mp4 beside the video; never over an input."""
    target = Path(out).expanduser() if out is not None else video.with_name(f"{video.stem}_with_sound.mp4")
    if target.suffix.lower() not in _FORMATS:
        raise MediaError("out", out, f"out: '{target}' must end in {', '.join(_FORMATS)} (the file is an "
                         "MP4 with H.264 or the video's own codec, and AAC)")
    if target.is_dir():
        raise MediaError("out", out, f"out: '{target}' is a folder; give a file name")
    if any(target.resolve() == p.resolve() for p in inputs):
        raise MediaError("out", out, f"out: '{target}' is one of the inputs; give another file name")
    return target


# -- reading -----------------------------------------------------------------------------------------
def _open(path: Path, argument: str) -> Any:
    try:
        return av.open(str(path))
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise MediaError(argument, str(path), f"{argument}: '{path}' is not a media file PyAV can read "
                         f"({exc})") from None


def _video_stream(container: Any) -> Any:
    """The first real video stream (an MP3's cover picture does not count), or None."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def _video_seconds(path: Path) -> float:
    """The video stream's length, from its header, else the container's, else its last packet."""
    with _open(path, "video") as src:
        stream = _video_stream(src)
        if stream is None:
            raise MediaError("video", str(path), f"video: '{path}' has no video stream; give a video file "
                             "(MP4, MOV, WebM)")
        if stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
        if src.duration:
            return src.duration / av.time_base
        ends = [(p.pts + (p.duration or 0)) * p.time_base for p in src.demux(stream) if p.pts is not None]
        if not ends:
            raise MediaError("video", str(path), f"video: '{path}' has no frames")
        return float(max(ends))


def _audio_stream_check(path: Path, argument: str) -> None:
    with _open(path, argument) as src:
        if not src.streams.audio:
            raise MediaError(argument, str(path), f"{argument}: '{path}' has no audio stream; give an audio "
                             "file (MP3, WAV, M4A, ...) or a video with sound")


def _read_audio(path: Path, limit: int) -> np.ndarray:
    """Up to `limit` samples of the file's first audio stream as float32 (2, n) at 48 kHz."""
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
    chunks, have = [], 0
    with av.open(str(path)) as src:
        for frame in src.decode(audio=0):
            frame.pts = None  # the resampler counts samples itself; a file's odd first pts is no gap
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
                have += chunks[-1].shape[1]
            if have >= limit:
                break
        else:
            chunks += [out.to_ndarray() for out in resampler.resample(None)]
    return np.concatenate(chunks, axis=1)[:, :limit] if chunks else np.zeros((2, 0), np.float32)


def _mix(plan: list[tuple[Path, float, float]], samples: int) -> np.ndarray:
    mixed = np.zeros((2, samples), np.float32)
    for path, gain, start in plan:
        at = round(start * RATE)
        audio = _read_audio(path, samples - at)
        mixed[:, at:at + audio.shape[1]] += gain * audio
    return np.clip(mixed, -1.0, 1.0, out=mixed)


# -- writing -----------------------------------------------------------------------------------------
def _aac_packets(out: Any, mixed: np.ndarray) -> tuple[Any, list]:
    stream = out.add_stream("aac", rate=RATE, layout="stereo")
    stream.bit_rate = AAC_BIT_RATE
    size = stream.codec_context.frame_size or 1024
    packets = []
    for start in range(0, mixed.shape[1], size):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(mixed[:, start:start + size]),
                                           format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = RATE, start
        packets += stream.encode(frame)
    packets += stream.encode(None)
    return stream, packets


def _write(video: Path, mixed: np.ndarray, path: Path, fmt: str) -> None:
    """Video packets copied as they are, AAC packets interleaved with them by time, index up front."""
    with av.open(str(video)) as src, av.open(str(path), "w", format=fmt,
                                             options={"movflags": "faststart"}) as out:
        video_in = _video_stream(src)
        video_out = out.add_stream_from_template(video_in)
        _audio_out, audio = _aac_packets(out, mixed)
        audio.reverse()  # popped from the end, earliest first
        for packet in src.demux(video_in):
            if packet.dts is None:  # the demuxer's final empty packet
                continue
            now = packet.dts * packet.time_base
            while audio and audio[-1].dts * audio[-1].time_base <= now:
                out.mux(audio.pop())
            packet.stream = video_out
            out.mux(packet)
        while audio:
            out.mux(audio.pop())
