"""Real, playable, synthetic media for the sandbox: deterministic for the same arguments.

video/video_like make H.264 MP4 (+AAC), image makes PNG or JPEG, speech/sound/audio_like make MP3;
all from numpy, Pillow and PyAV's bundled encoders (no ffmpeg binary). render_format() delivers
video()'s clip as one of Gen-4.5's outputFormat values (ProRes, 10/12-bit HEVC SDR/HDR, PNG and EXR
sequences); format_limit() says which it cannot make; deliver_format() does the same for any clip's
frames (like_frames(): video_like's, for Aleph's formats). Same seed, prompt and
inputs give the same bytes; every picture carries a small "SANDBOX" caption.
"""

from ._audio import audio_like, sound, speech
from ._formats import OUTPUT_FORMATS, Artifact, SandboxLimit
from ._formats import deliver as deliver_format
from ._formats import limit as format_limit
from ._formats import render as render_format
from ._image import image
from ._video import like_frames, video, video_like

__all__ = ["OUTPUT_FORMATS", "Artifact", "SandboxLimit", "audio_like", "deliver_format", "format_limit", "image",
           "like_frames", "render_format", "sound", "speech", "video", "video_like"]
