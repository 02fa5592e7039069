"""Helpers for the sandbox tests: headers, input media, one request per (endpoint, model), FakeSynth.

Input media come from tests/media_samples.py (Pillow, PyAV and wave, independently of synth.py).
"""

from __future__ import annotations

import math

from media_samples import data_uri, png_bytes

from runway_nb import catalog
from runway_nb.sandbox import Engine, FakeClock

VERSION = catalog.API_VERSION
H = {"Authorization": "Bearer test-key", "X-Runway-Version": VERSION}
HTTPS_IMAGE = "https://example.com/image.jpg"
HTTPS_VIDEO = "https://example.com/source.mp4"
HTTPS_AUDIO = "https://example.com/speech.mp3"


# -- input images as data URIs ---------------------------------------------------------------------
PNG_URI = data_uri(png_bytes(), "image/png")
PNG2_URI = data_uri(png_bytes(colour=(10, 200, 90)), "image/png")


# -- one request per (endpoint, model): every seed model on every endpoint it has --------------
def cases(video_uri: str, audio_uri: str) -> list[tuple[str, str, dict]]:
    """(case id, path, body). Inputs: data URIs where the test wants measured lengths."""
    voice = {"type": "runway-preset", "presetId": "Maya"}
    return [
        ("gen4.5-t2v", "/v1/text_to_video",
         {"model": "gen4.5", "promptText": "A serene lake", "ratio": "1280:720", "duration": 2}),
        ("gen4.5-i2v", "/v1/image_to_video",
         {"model": "gen4.5", "promptImage": PNG_URI, "promptText": "Leaves rustle", "ratio": "960:960", "duration": 2}),
        ("gen4.5-i2v-text-only", "/v1/image_to_video",
         {"model": "gen4.5", "promptText": "Mountains at sunset", "ratio": "720:1280", "duration": 2}),
        ("gen4_turbo-i2v", "/v1/image_to_video",
         {"model": "gen4_turbo", "promptImage": HTTPS_IMAGE, "ratio": "1104:832", "duration": 2}),
        ("veo3-t2v", "/v1/text_to_video",
         {"model": "veo3", "promptText": "A rocket launch", "ratio": "1280:720", "duration": 8}),
        ("veo3-i2v", "/v1/image_to_video",
         {"model": "veo3", "promptImage": PNG_URI, "ratio": "720:1280", "duration": 8}),
        ("veo3.1-t2v-silent", "/v1/text_to_video",
         {"model": "veo3.1", "promptText": "A quiet forest", "ratio": "1280:720", "duration": 4, "audio": False}),
        ("veo3.1-i2v-keyframes", "/v1/image_to_video",
         {"model": "veo3.1", "ratio": "1280:720", "duration": 4,
          "promptImage": [{"uri": PNG_URI, "position": "first"}, {"uri": PNG2_URI, "position": "last"}]}),
        ("veo3.1_fast-t2v", "/v1/text_to_video",
         {"model": "veo3.1_fast", "promptText": "Waves on rocks", "duration": 4}),
        ("veo3.1_fast-i2v", "/v1/image_to_video",
         {"model": "veo3.1_fast", "promptImage": HTTPS_IMAGE, "ratio": "720:1280", "duration": 4}),
        ("gen4_aleph-v2v", "/v1/video_to_video",
         {"model": "gen4_aleph", "promptText": "Anime style", "videoUri": video_uri,
          "references": [{"uri": HTTPS_IMAGE}]}),
        ("act_two", "/v1/character_performance",
         {"model": "act_two", "character": {"type": "image", "uri": PNG_URI},
          "reference": {"type": "video", "uri": video_uri}, "ratio": "960:960"}),
        ("gen4_image", "/v1/text_to_image",
         {"model": "gen4_image", "promptText": "@Cat on a sofa", "ratio": "1280:720",
          "referenceImages": [{"uri": PNG_URI, "tag": "Cat"}]}),
        ("gen4_image_turbo", "/v1/text_to_image",
         {"model": "gen4_image_turbo", "promptText": "A red car", "ratio": "720:720",
          "referenceImages": [{"uri": HTTPS_IMAGE}]}),
        ("gemini_2.5_flash", "/v1/text_to_image",
         {"model": "gemini_2.5_flash", "promptText": "A lighthouse", "ratio": "1344:768"}),
        ("eleven_multilingual_v2", "/v1/text_to_speech",
         {"model": "eleven_multilingual_v2", "promptText": "Hello, welcome to RunwayML!", "voice": voice}),
        ("eleven_text_to_sound_v2", "/v1/sound_effect",
         {"model": "eleven_text_to_sound_v2", "promptText": "Thunder in the distance", "duration": 2.5}),
        ("eleven_voice_isolation", "/v1/voice_isolation",
         {"model": "eleven_voice_isolation", "audioUri": audio_uri}),
        ("eleven_voice_dubbing", "/v1/voice_dubbing",
         {"model": "eleven_voice_dubbing", "audioUri": HTTPS_AUDIO, "targetLang": "es"}),
        ("eleven_multilingual_sts_v2", "/v1/speech_to_speech",
         {"model": "eleven_multilingual_sts_v2", "media": {"type": "audio", "uri": audio_uri}, "voice": voice}),
    ]


VIDEO_SECONDS, AUDIO_SECONDS = 3.5, 3.0


def expected(path: str, body: dict) -> dict:
    """What the output should be: kind, size, seconds (None: follows the text), audio track."""
    model = catalog.MODELS[body["model"]]
    if path in ("/v1/text_to_video", "/v1/image_to_video"):
        ratio = body.get("ratio", "1280:720")
        return {"kind": "video", "size": catalog.ratio_size(ratio), "seconds": body["duration"],
                "audio": model.audio and body.get("audio", True)}
    if path == "/v1/video_to_video":
        return {"kind": "video", "size": (128, 72), "seconds": VIDEO_SECONDS, "audio": False}
    if path == "/v1/character_performance":
        return {"kind": "video", "size": catalog.ratio_size(body["ratio"]), "seconds": VIDEO_SECONDS, "audio": False}
    if path == "/v1/text_to_image":
        return {"kind": "image", "size": catalog.ratio_size(body["ratio"])}
    seconds = {"/v1/sound_effect": body.get("duration"), "/v1/voice_isolation": AUDIO_SECONDS,
               "/v1/voice_dubbing": catalog.NOMINAL_INPUT_SECONDS["audio"],
               "/v1/speech_to_speech": AUDIO_SECONDS}.get(path)
    return {"kind": "audio", "seconds": seconds}


# -- an instant synth that records what it was asked for ---------------------------------------
class FakeSynth:
    """Stands in for synth.py in state-machine tests: returns a few bytes at once, records calls."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []
        self.fail = fail

    def _record(self, name, args, kw, data: bytes) -> bytes:
        self.calls.append((name, args, kw))
        if self.fail:
            raise RuntimeError("synthesis exploded")
        return data

    def video(self, *a, **kw):
        return self._record("video", a, kw, b"\x00\x00\x00\x18ftypmp42" + b"v" * 1000)

    def video_like(self, *a, **kw):
        return self._record("video_like", a, kw, b"\x00\x00\x00\x18ftypmp42" + b"w" * 1000)

    def image(self, *a, **kw):
        return self._record("image", a, kw, b"\x89PNG\r\n\x1a\n" + b"i" * 100)

    def speech(self, *a, **kw):
        return self._record("speech", a, kw, b"ID3" + b"s" * 100)

    def sound(self, *a, **kw):
        return self._record("sound", a, kw, b"ID3" + b"o" * 100)

    def audio_like(self, *a, **kw):
        return self._record("audio_like", a, kw, b"ID3" + b"a" * 100)


def finish(engine: Engine, clock: FakeClock, seconds: float = 10_000, rounds: int = 5) -> None:
    """Let every started synthesis end and move the clock past every plan (again for tasks that
    only started when an earlier one freed their slot)."""
    for _ in range(rounds):
        engine.settle()
        clock.advance(seconds)
        engine.tick()


def ceil_units(seconds: float, per: float) -> int:
    return math.ceil(seconds / per - 1e-9)


CASE_IDS = [c[0] for c in cases(HTTPS_VIDEO, HTTPS_AUDIO)]


def case(all_cases, case_id: str) -> tuple[str, dict]:
    return next((path, dict(body)) for cid, path, body in all_cases if cid == case_id)


T2V = {"model": "gen4.5", "promptText": "A serene lake", "ratio": "1280:720", "duration": 2}
