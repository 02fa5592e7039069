"""What a task makes and where it lives: the synthesis plan, the files, and their signed URLs.

plan() turns a validated body and its opened inputs into one call of synth.py (run later in a
worker thread); OutputStore keeps the files in a temporary folder and signs their URLs with an
HMAC and an expiry, like the real service's short-lived signed links.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from .. import catalog
from .inputs import Media

CONTENT_TYPES = {"mp4": "video/mp4", "png": "image/png", "jpg": "image/jpeg", "mp3": "audio/mpeg",
                 "mov": "video/quicktime", "zip": "application/zip", "wav": "audio/wav"}
EXTENSIONS = {catalog.VIDEO: "mp4", catalog.IMAGE: "png", catalog.AUDIO: "mp3"}
AUDIO_LIKE = {"/v1/voice_isolation": "isolation", "/v1/voice_dubbing": "dubbing", "/v1/speech_to_speech": "sts"}
MAX_SIDE = 1920  # an input video larger than this is scaled down for the synthetic output


@dataclass(frozen=True)
class Plan:
    """One output to synthesize: its kind, file extension, length (s) and the call that makes it."""

    kind: str
    ext: str
    seconds: float
    make: Callable[[], bytes | list]  # the file, or several (synth.Artifact: name, bytes, type), main first


def input_seconds(model: catalog.Model, inputs: list[Media]) -> float | None:
    """The measured length of the input the price is based on (None: not measured, use nominal)."""
    basis = model.price.basis
    media = next((m for m in inputs if basis and m.field in (basis, basis + ".uri")), None)
    return media.seconds if media is not None else None


def _nominal(media: Media | None, kind: str) -> float:
    if media is not None and media.seconds:
        return media.seconds
    return catalog.NOMINAL_INPUT_SECONDS[(media.kind if media and media.kind else None) or kind]


def _even_size(size: tuple[int, int]) -> tuple[int, int]:
    w, h = size
    scale = min(1.0, MAX_SIDE / max(w, h))
    return max(2, int(w * scale) // 2 * 2), max(2, int(h * scale) // 2 * 2)


def _default(endpoint: catalog.Endpoint, body: dict, name: str):
    if body.get(name) is not None:
        return body[name]
    p = endpoint.param(name)
    return p.default if p is not None else None


def plan(synth, model: catalog.Model, endpoint: catalog.Endpoint, body: dict, inputs: list[Media],
         seed: int) -> Plan:
    """The synth call for this request: the requested ratio and duration, lengths from the inputs."""
    path, prompt = endpoint.path, body.get("promptText") or ""
    by_field = {m.field: m for m in inputs}
    if path in ("/v1/text_to_video", "/v1/image_to_video"):
        w, h = catalog.ratio_size(_default(endpoint, body, "ratio") or "1280:720")
        seconds = float(_default(endpoint, body, "duration") or 5)
        first = next((m for m in inputs if m.position == "first"), None)
        last = next((m for m in inputs if m.position == "last"), None)
        audio = bool(model.audio and body.get("audio", True))
        fmt = body.get("outputFormat") or "mp4"
        if fmt != "mp4":  # a delivery format (gen4.5): ProRes, 10-bit HEVC, frame sequences
            return Plan(catalog.VIDEO, fmt, seconds, lambda: synth.render_format(
                fmt, w, h, seconds, seed=seed, prompt=prompt, first_frame=first and first.read(),
                last_frame=last and last.read(), audio=audio, prores_profile=body.get("proresProfile")))
        return Plan(catalog.VIDEO, "mp4", seconds, lambda: synth.video(
            w, h, seconds, seed=seed, prompt=prompt, first_frame=first and first.read(),
            last_frame=last and last.read(), audio=audio))
    if path in ("/v1/video_to_video", "/v1/character_performance"):
        source = by_field.get("videoUri") or by_field.get("reference.uri")
        seconds = _nominal(source, catalog.VIDEO)
        ratio = body.get("ratio") or "1280:720"
        w, h = _even_size((path == "/v1/video_to_video" and source and source.size) or catalog.ratio_size(ratio))
        return Plan(catalog.VIDEO, "mp4", seconds, lambda: synth.video_like(
            source and source.read(), seconds, w, h, seed=seed, prompt=prompt))
    if path == "/v1/text_to_image":
        w, h = catalog.ratio_size(_default(endpoint, body, "ratio"))
        return Plan(catalog.IMAGE, "png", 0.0, lambda: synth.image(
            w, h, seed=seed, prompt=prompt, references=[d for m in inputs if (d := m.read()) is not None]))
    if path == "/v1/text_to_speech":
        voice = body["voice"]["presetId"]
        return Plan(catalog.AUDIO, "mp3", 0.0, lambda: synth.speech(prompt, voice=voice, seed=seed))
    if path == "/v1/sound_effect":
        seconds, loop = float(_default(endpoint, body, "duration") or 5.0), bool(body.get("loop", False))
        return Plan(catalog.AUDIO, "mp3", seconds, lambda: synth.sound(prompt, seconds, seed=seed, loop=loop))
    if path in AUDIO_LIKE:
        source = inputs[0] if inputs else None
        seconds, kind = _nominal(source, catalog.AUDIO), AUDIO_LIKE[path]
        return Plan(catalog.AUDIO, "mp3", seconds, lambda: synth.audio_like(
            source and source.read(), seconds, seed=seed, kind=kind))
    raise ValueError(f"no synthesis for {path}")  # pragma: no cover - every catalog path is above


class OutputStore:
    """Output files under one temporary folder, served at HMAC-signed URLs that expire."""

    def __init__(self, root: Path, secret: bytes, ttl: float) -> None:
        self.root, self._secret, self.ttl = root, secret, ttl
        self.root.mkdir(parents=True, exist_ok=True)

    def file(self, task_id: str, name: str) -> Path:
        return self.root / task_id / name

    def write(self, task_id: str, name: str, data: bytes) -> Path:
        """Write atomically, so a download never sees half a file."""
        path = self.file(task_id, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        return path

    def remove(self, task_id: str) -> None:
        shutil.rmtree(self.root / task_id, ignore_errors=True)

    def _sig(self, task_id: str, name: str, expires: int) -> str:
        return hmac.new(self._secret, f"{task_id}/{name}:{expires}".encode(), hashlib.sha256).hexdigest()

    def url(self, base_url: str, task_id: str, name: str, now: float, expired: bool = False) -> str:
        expires = math.floor(now) - 1 if expired else math.ceil(now + self.ttl)
        query = urlencode({"expires": expires, "sig": self._sig(task_id, name, expires)})
        return f"{base_url.rstrip('/')}/_sandbox/outputs/{task_id}/{name}?{query}"

    def check(self, task_id: str, name: str, expires: str, sig: str, now: float) -> str:
        """'ok', 'expired' (a genuine URL past its time) or 'forbidden' (not a URL we signed)."""
        try:
            when = int(expires)
        except (TypeError, ValueError):
            return "forbidden"
        if not hmac.compare_digest(self._sig(task_id, name, when), sig or ""):
            return "forbidden"
        return "expired" if now > when else "ok"
