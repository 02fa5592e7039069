"""What no SDK type says about a model or operation, kept by hand, each entry with its source.

The hand-kept tables in catalog/__init__.py hold the seed's fifteen models in full (prices, run times,
labels). For the models only the pinned SDK's types describe, this overlay says what a person and
the sandbox need beyond the shape: what kind of media the operation makes, how many outputs, who
provides the model, which models the current API no longer lists, and that no price is published
here. Nothing in it is a rule the API states: those come from the shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

VIDEO, IMAGE, AUDIO = "video", "image", "audio"

# What each task-starting operation makes. Source: the SDK's method docstrings (runwayml 5.24.0),
# e.g. recipes.product_campaign_image "Generate four fashion campaign images".
OUTPUT_KIND = {
    "text_to_video.create": VIDEO, "image_to_video.create": VIDEO, "video_to_video.create": VIDEO,
    "character_performance.create": VIDEO, "avatar_videos.create": VIDEO, "video_upscale.create": VIDEO,
    "video_to_hdr.create": VIDEO, "generate.video.create": VIDEO, "recipes.multi_shot_video": VIDEO,
    "recipes.product_ad": VIDEO, "recipes.product_swap": VIDEO, "recipes.product_ugc": VIDEO,
    "text_to_image.create": IMAGE, "image_upscale.create": IMAGE, "generate.image.create": IMAGE,
    "recipes.marketing_stock_image": IMAGE, "recipes.product_campaign_image": IMAGE,
    "recipes.ad_localization": IMAGE,
    "text_to_speech.create": AUDIO, "sound_effect.create": AUDIO, "speech_to_speech.create": AUDIO,
    "voice_dubbing.create": AUDIO, "voice_isolation.create": AUDIO, "video_to_audio.create": AUDIO,
    "generate.audio.create": AUDIO,
}
OUTPUTS = {"recipes.product_campaign_image": 4}  # source: its docstring ("four ... images")

# Who makes a model, by the start of its id. Source: the providers' own product names.
PROVIDERS = (
    ("gen", "Runway"), ("act_", "Runway"), ("aleph", "Runway"), ("ruby", "Runway"), ("gwm", "Runway"),
    ("enhance_", "Runway"), ("muse", "Runway"), ("veo", "Google"), ("gemini", "Google"),
    ("nano_banana", "Google"), ("eleven", "ElevenLabs"), ("kling", "Kling"), ("seed", "ByteDance"),
    ("wan", "Alibaba"), ("hailuo", "MiniMax"), ("h3", "MiniMax"), ("gpt_image", "OpenAI"), ("grok", "xAI"),
    ("ideogram", "Ideogram"), ("magnific", "Magnific"), ("mirelo", "Mirelo"), ("bria", "Bria"),
    ("recraft", "Recraft"), ("happyhorse", "HappyHorse"),
)

# Models the seed guide uses that runwayml 5.24.0's request types no longer name: kept working (the
# sandbox serves them), and the client warns against the real API.
RETIRED = {"veo3": "runwayml 5.24.0 lists veo3.1 and veo3.1_fast", "gen4_aleph": "runwayml 5.24.0 lists aleph2"}

# Defaults the service applies to a field left out, as the field's own doc states them (runwayml 5.24.0):
# ruby's outputFormat "`hdr10` (default)"; magnific_video_upscaler_creative's resolution "Defaults to `2k`".
SERVICE_DEFAULTS = {"ruby": {"outputFormat": "hdr10"}, "magnific_video_upscaler_creative": {"resolution": "2k"}}

# How long the real service takes, when nothing better is known: base + per output second, by kind.
# Source: the seed models' typical times (catalog/__init__.py), rounded; used for ETAs and the sandbox.
TYPICAL_SECONDS = {VIDEO: (30.0, 6.0), IMAGE: (15.0, 0.0), AUDIO: (8.0, 0.5)}
# A video request that names no duration: most current video models default to 5 s (their docs).
DEFAULT_VIDEO_SECONDS = 5.0

# The sandbox must answer estimatedCost for every task, and Runway's prices for these models are not
# published in any source this project has. These nominal rates are the sandbox's own, never shown
# as Runway's: the client's estimate for such a model says "unknown until Runway answers".
SANDBOX_RATES = {VIDEO: 10, IMAGE: 5, AUDIO: 2}  # credits per output second (video, audio) or image
NO_PRICE = "unknown until Runway answers"


@dataclass(frozen=True)
class Facts:
    """What the overlay knows of one model: its provider, and whether the current API still lists it."""

    id: str
    provider: str
    retired: str | None = None  # why, when the current API no longer lists it


def provider(model_id: str) -> str:
    return next((name for prefix, name in PROVIDERS if model_id.startswith(prefix)), "unknown")


def facts(model_id: str) -> Facts:
    return Facts(model_id, provider(model_id), RETIRED.get(model_id))


def output_kind(op_id: str) -> str | None:
    return OUTPUT_KIND.get(op_id)


def typical_seconds(kind: str, output_seconds: float) -> float:
    """How long the real service takes for a task of this kind when the model has no time of its own."""
    base, per = TYPICAL_SECONDS[kind]
    return base + per * output_seconds
