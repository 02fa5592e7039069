"""Real, playable, synthetic media for the sandbox: deterministic for the same arguments.

video/video_like make H.264 MP4 (+AAC), image makes PNG or JPEG, speech/sound/audio_like make MP3;
all from numpy, Pillow and PyAV's bundled encoders (no ffmpeg binary). Same seed, prompt and
inputs give the same bytes; every picture carries a small "SANDBOX" caption.
"""

from ._audio import audio_like, sound, speech
from ._image import image
from ._video import video, video_like

__all__ = ["audio_like", "image", "sound", "speech", "video", "video_like"]
