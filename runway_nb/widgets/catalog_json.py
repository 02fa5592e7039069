"""The catalog as JSON for the form's front end: sent once in a trait, so the page can show exactly the
fields each model takes (types, choices, ranges, defaults, help) without asking the kernel.

`python -m runway_nb.widgets.catalog_json > js/tests/fixtures/catalog.json` refreshes the copy the JS
tests read; a Python test fails when that copy is stale.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .. import catalog, formats

LABELS = {
    "promptText": "Prompt", "promptImage": "Image", "ratio": "Ratio", "duration": "Duration (s)", "seed": "Seed",
    "audio": "Audio", "contentModeration": "Public figures", "videoUri": "Video", "audioUri": "Audio file",
    "references": "Style reference", "referenceImages": "Reference images", "character": "Character",
    "reference": "Performance", "bodyControl": "Body control", "expressionIntensity": "Expression",
    "voice": "Voice", "loop": "Loop", "targetLang": "Language", "disableVoiceCloning": "Generic voice",
    "dropBackgroundAudio": "Drop background", "numSpeakers": "Speakers", "media": "Source",
    "removeBackgroundNoise": "Remove noise",
}
ENDPOINT_LABELS = {
    "/v1/text_to_video": "Text to video", "/v1/image_to_video": "Image to video",
    "/v1/video_to_video": "Video to video", "/v1/character_performance": "Character performance",
    "/v1/text_to_image": "Text to image", "/v1/text_to_speech": "Text to speech",
    "/v1/sound_effect": "Sound effect", "/v1/voice_isolation": "Voice isolation",
    "/v1/voice_dubbing": "Dubbing", "/v1/speech_to_speech": "Speech to speech",
}
LANGUAGE_NAMES = {
    "en": "English", "hi": "Hindi", "pt": "Portuguese", "zh": "Chinese", "es": "Spanish", "fr": "French",
    "de": "German", "ja": "Japanese", "ar": "Arabic", "ru": "Russian", "ko": "Korean", "id": "Indonesian",
    "it": "Italian", "nl": "Dutch", "tr": "Turkish", "pl": "Polish", "sv": "Swedish", "fil": "Filipino",
    "ms": "Malay", "ro": "Romanian", "uk": "Ukrainian", "el": "Greek", "cs": "Czech", "da": "Danish",
    "fi": "Finnish", "bg": "Bulgarian", "hr": "Croatian", "sk": "Slovak", "ta": "Tamil",
}


def label(name: str) -> str:
    """A field's label: the table above, else its camelCase name in words."""
    if name in LABELS:
        return LABELS[name]
    words = "".join(" " + c.lower() if c.isupper() else c for c in name)
    return words[:1].upper() + words[1:]


def _param(p: catalog.Param) -> dict[str, Any]:
    return {"name": p.name, "label": label(p.name), "type": p.type, "required": p.required,
            "choices": list(p.choices), "min": p.min, "max": p.max, "default": p.default, "media": list(p.media),
            "positions": list(p.positions), "max_len": p.max_len if p.type == "text" else None,
            "min_items": p.min_items, "max_items": p.max_items, "help": p.help}


def serialize() -> dict[str, Any]:
    """Every model, grouped by kind (video, image, audio), with each endpoint's fields."""
    models = sorted(catalog.MODELS.values(), key=lambda m: catalog.KINDS.index(m.kind))
    return {
        "kinds": list(catalog.KINDS),
        "models": [{"id": m.id, "kind": m.kind, "label": m.label, "description": m.description, "audio": m.audio,
                    "endpoints": [{"path": e.path, "label": ENDPOINT_LABELS.get(e.path, e.path),
                                   "params": [_param(p) for p in e.params]} for e in m.endpoints]}
                   for m in models],
        "languages": {code: LANGUAGE_NAMES.get(code, code) for code in catalog.DUBBING_LANGUAGES},
        "moderation": list(catalog.MODERATION_THRESHOLDS),
        "accept": {kind: ",".join(dict.fromkeys(limit.mime.values())) for kind, limit in catalog.INPUT_LIMITS.items()},
        "upload_max_bytes": catalog.UPLOAD_MAX_BYTES,
        "media_types": formats.media_types_json(),  # the one table of kinds and MIME types, by extension
    }


if __name__ == "__main__":
    json.dump(serialize(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
