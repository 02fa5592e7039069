"""Fakes for the widget tests: a task that changes when told, a few real media files, a recorder for
display calls, and a way to play the front end's part. Imported by name (tests/ is not a package)."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import wave
from pathlib import Path
from typing import Any

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


@dataclasses.dataclass(frozen=True)
class Snap:
    """The fields of tasks.TaskSnapshot (docs/INTERFACES.md), without importing the client stack."""

    id: str = "task-1"
    model: str | None = "gen4.5"
    endpoint: str | None = "/v1/text_to_video"
    prompt: str | None = "a red fox running through snow"
    status: str = "PENDING"
    progress: float = 0.0
    created_at: Any = None
    elapsed: float = 0.0
    eta: float | None = 40.0
    estimated_credits: int | None = 60
    cost_credits: int | None = None
    failure: str | None = None
    failure_code: str | None = None
    output: tuple = ()
    sandbox: bool = True

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["output"] = list(self.output)
        return data


class FakeTask:
    """Enough of tasks.Task for a view: snapshot, on_change, cancel, body."""

    def __init__(self, **fields: Any) -> None:
        self.snap = Snap(**fields)
        self.callbacks: list = []
        self.cancelled = 0
        self.cancel_error: Exception | None = None
        self.body = {"model": self.snap.model, "promptText": self.snap.prompt, "ratio": "1280:720",
                     "duration": 5, "seed": 42}

    @property
    def id(self) -> str:
        return self.snap.id

    def snapshot(self) -> Snap:
        return self.snap

    def on_change(self, callback):
        self.callbacks.append(callback)
        return lambda: self.callbacks.remove(callback) if callback in self.callbacks else None

    def cancel(self) -> None:
        if self.cancel_error:
            raise self.cancel_error
        self.cancelled += 1
        self.set(status="CANCELLED", failure="cancelled by this client")

    def set(self, **changes: Any) -> None:
        self.snap = dataclasses.replace(self.snap, **changes)
        for callback in list(self.callbacks):
            callback(self.snap)


def write_video(path: Path, seconds: float = 0.5) -> Path:
    import av
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv420p"
        for i in range(int(12 * seconds)):
            frame = av.VideoFrame.from_ndarray(np.full((36, 64, 3), (i * 20) % 255, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def write_image(path: Path, size=(32, 18)) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 40, 40)).save(path)
    return path


def write_audio(path: Path, seconds: float = 1.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        n = int(8000 * seconds)  # a tone that swells: its waveform has a shape to check
        w.writeframes(b"".join(int(12000 * (i / n) * math.sin(i / 3)).to_bytes(2, "little", signed=True)
                               for i in range(n)))
    path.write_bytes(buf.getvalue())
    return path


def write_sidecar(media: Path, **fields: Any) -> None:
    data = {"task_id": "task-1", "index": 0, "file": media.name, "model": "gen4.5", "prompt": "a red fox",
            "parameters": {"ratio": "1280:720", "duration": 5, "seed": 42}, "seed": 42, "cost_credits": 60,
            **fields}
    media.with_suffix(".json").write_text(json.dumps(data))


class DisplayRecorder:
    """Stands in for IPython's display: records what was shown and updated, by display id."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict]] = []  # (kind, display_id, mimebundle)

    def publish(self, obj, display_id, *, update=False):
        self.calls.append(("update" if update else "display", display_id, obj._repr_mimebundle_()))

    def publish_raw(self, data, metadata, display_id, *, update=False):
        self.calls.append(("update" if update else "display", display_id, data))


class FrontEnd:
    """Plays the browser: sends the widget custom messages, collects what the widget sends back."""

    def __init__(self, widget) -> None:
        self.widget = widget
        self.received: list[tuple[dict, list]] = []
        widget.send = lambda content, buffers=None: self.received.append((content, list(buffers or [])))

    def say(self, content: dict, buffers: list | None = None) -> None:
        self.widget._handle_custom_msg(content, buffers or [])


def synced_values(widget) -> dict:
    """Every synced trait's serialized value, as the front end (and the saved notebook) gets it."""
    return widget.get_state()


def contains_bytes(value: Any) -> bool:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return True
    if isinstance(value, dict):
        return any(contains_bytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_bytes(v) for v in value)
    return False
