"""Real, playable, synthetic media for the sandbox: deterministic for the same arguments.

video/video_like make H.264 MP4 (+AAC), image makes PNG or JPEG, speech/sound/audio_like make MP3;
all from numpy, Pillow and PyAV's bundled encoders (no ffmpeg binary). render_format() delivers
video()'s clip as one of Gen-4.5's outputFormat values (ProRes, 10/12-bit HEVC SDR/HDR, PNG and EXR
sequences); format_limit() says which it cannot make; deliver_format() does the same for any clip's
frames (like_frames(): video_like's; deliver_like(): video_like's clip in a format). Same seed, prompt and
inputs give the same bytes; every picture carries a small "SANDBOX" caption.

Because they are deterministic, the last few results are kept (_recent.py): a notebook run again,
or two clients sending the same request, get their media without making it twice.
"""

from . import _audio, _image, _video
from ._formats import OUTPUT_FORMATS, Artifact, SandboxLimit
from ._formats import deliver as deliver_format
from ._formats import deliver_like as _deliver_like
from ._formats import limit as format_limit
from ._formats import render as render_format
from ._recent import fresh, remembered
from ._video import like_frames

__all__ = ["OUTPUT_FORMATS", "Artifact", "SandboxLimit", "audio_like", "deliver_format", "deliver_like",
           "format_limit", "fresh", "image", "like_frames", "render_format", "sound", "speech", "video", "video_like"]

video, video_like = remembered(_video.video), remembered(_video.video_like)
deliver_like = remembered(_deliver_like)
image = remembered(_image.image)
speech, sound, audio_like = remembered(_audio.speech), remembered(_audio.sound), remembered(_audio.audio_like)
