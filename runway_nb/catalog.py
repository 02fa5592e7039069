"""Every model runway_nb knows, as plain data: the one place the API's rules live.

Validation, pricing, the sandbox, the magics and the form all read this module; none repeats it.
Sources: the project's API contract (SDK 4.18.0 types win over the seed guide). Where the
contract marks a point unconfirmed, the choice made here is noted beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

API_VERSION = "2024-11-06"
DEFAULT_BASE_URL = "https://api.dev.runwayml.com"
CREDIT_DOLLARS = 0.01
MB = 1_000_000  # unconfirmed whether MB means 10^6 or 2^20: the smaller reading keeps users safe
PROMPT_MAX_UTF16 = 1000
SEED_MAX = 4_294_967_295

VIDEO, IMAGE, AUDIO = "video", "image", "audio"
KINDS = (VIDEO, IMAGE, AUDIO)

# -- parameter kinds (Param.type) ---------------------------------------------------------------
# text        non-empty string, at most max_len UTF-16 code units (None: no stated limit)
# enum        one of choices (strings or numbers)
# int/number  integer / float within [min, max]
# bool        true or false
# uri         a media URI (https, data:, runway://) of one of `media` kinds
# prompt_image  a uri, or a list of {uri, position} with position in `positions`
# typed_uri   {type: one of `media`, uri}
# references  list of {type: "image", uri}            (gen4_aleph)
# reference_images  list of {uri, tag?}               (gen4_image family)
# voice       {type: "runway-preset", presetId: one of VOICE_PRESETS}
# moderation  {publicFigureThreshold: "auto" | "low"}


@dataclass(frozen=True)
class Param:
    """One field of a request body, by its camelCase wire name."""

    name: str
    type: str
    required: bool = False
    choices: tuple = ()
    min: float | None = None
    max: float | None = None
    default: Any = None
    media: tuple[str, ...] = ()
    positions: tuple[str, ...] = ()
    max_len: int | None = PROMPT_MAX_UTF16
    min_items: int = 0
    max_items: int | None = None
    help: str = ""
    # The SDK types require this field but the seed guide's examples leave it out: the sandbox takes
    # its absence as `default`, and the client always sends it, so both readings of the API work.
    fill: bool = False

    @property
    def python_name(self) -> str:
        """The SDK's snake_case keyword for this wire name (promptText -> prompt_text)."""
        return "".join("_" + c.lower() if c.isupper() else c for c in self.name)


@dataclass(frozen=True)
class Price:
    """How a task is charged: `credits` for every `per` units of `unit`, partial units rounded up.

    unit: "second" (requested duration), "input_second" (length of the input media named by
    `basis`), "image" (per image; `by_ratio` can override), "char" (UTF-16 units of promptText).
    `silent_credits` is the rate when a Veo 3.1 request turns audio off (contract: inferred).
    """

    unit: str
    credits: float
    per: float = 1
    basis: str = ""
    by_ratio: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    silent_credits: float | None = None


@dataclass(frozen=True)
class Endpoint:
    """A model on one endpoint: the path and the exact fields it accepts."""

    path: str
    params: tuple[Param, ...]

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params if p.required)


@dataclass(frozen=True)
class Model:
    """A model: what it makes, where it is called, what it costs and how long it typically takes."""

    id: str
    kind: str
    label: str
    endpoints: tuple[Endpoint, ...]
    price: Price
    audio: bool = False  # makes sound (Veo 3.1: unless the request sets audio=false)
    outputs: int = 1
    typical_seconds: tuple[float, float] = (20.0, 0.0)  # real service: base + per output second
    description: str = ""

    def endpoint(self, path: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.path == path), None)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(e.path for e in self.endpoints)


# -- shared value sets -------------------------------------------------------------------------
VOICE_PRESETS = (
    "Maya", "Arjun", "Serene", "Bernard", "Billy", "Mark", "Clint", "Mabel", "Chad", "Leslie",
    "Eleanor", "Elias", "Elliot", "Grungle", "Brodie", "Sandra", "Kirk", "Kylie", "Lara", "Lisa",
    "Malachi", "Marlene", "Martin", "Miriam", "Monster", "Paula", "Pip", "Rusty", "Ragnar", "Xylar",
    "Maggie", "Jack", "Katie", "Noah", "James", "Rina", "Ella", "Mariah", "Frank", "Claudia", "Niki",
    "Vincent", "Kendrick", "Myrna", "Tom", "Wanda", "Benjamin", "Kiana", "Rachel",
)  # fmt: skip
DUBBING_LANGUAGES = (
    "en", "hi", "pt", "zh", "es", "fr", "de", "ja", "ar", "ru", "ko", "id", "it", "nl", "tr",
    "pl", "sv", "fil", "ms", "ro", "uk", "el", "cs", "da", "fi", "bg", "hr", "sk", "ta",
)  # fmt: skip
MODERATION_THRESHOLDS = ("auto", "low")
VOICE_TYPE = "runway-preset"  # the only voice type on these endpoints (SDK 4.18.0)
# Reference tags: Runway's docs say 3-16 characters, letters/digits/underscore, starting with a letter
# (unconfirmed by the SDK). Enforced: a tag the API would reject, or silently not match, costs a task.
REFERENCE_TAG_PATTERN = r"[A-Za-z][A-Za-z0-9_]{2,15}"

T2V_GEN45_RATIOS = ("1280:720", "720:1280")
I2V_GEN45_RATIOS = ("1280:720", "720:1280", "1104:832", "960:960", "832:1104", "1584:672")
GEN4_TURBO_RATIOS = ("1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672")
VEO_RATIOS = ("1280:720", "720:1280", "1080:1920", "1920:1080")
ALEPH_RATIOS = ("1280:720", "720:1280", "1104:832", "960:960", "832:1104", "1584:672", "848:480", "640:480")
ACT_TWO_RATIOS = ("1280:720", "720:1280", "960:960", "1104:832", "832:1104", "1584:672")
GEN4_IMAGE_720P = ("1280:720", "720:1280", "720:720", "960:720", "720:960", "1680:720")
GEN4_IMAGE_1080P = (
    "1024:1024", "1080:1080", "1168:880", "1360:768", "1440:1080", "1080:1440", "1808:768",
    "1920:1080", "1080:1920", "2112:912",
)  # fmt: skip
GEN4_IMAGE_RATIOS = (
    "1024:1024", "1080:1080", "1168:880", "1360:768", "1440:1080", "1080:1440", "1808:768", "1920:1080",
    "1080:1920", "2112:912", "1280:720", "720:1280", "720:720", "960:720", "720:960", "1680:720",
)  # fmt: skip
GEMINI_RATIOS = (
    "1344:768", "768:1344", "1024:1024", "1184:864", "864:1184", "1536:672", "832:1248", "1248:832",
    "896:1152", "1152:896",
)  # fmt: skip


@dataclass(frozen=True)
class InputLimit:
    """Size caps (bytes) and accepted formats for one kind of input media."""

    url: int
    data_uri: int
    upload: int
    formats: tuple[str, ...]
    mime: MappingProxyType


INPUT_LIMITS = MappingProxyType({
    IMAGE: InputLimit(16 * MB, 5 * MB, 200 * MB, ("jpeg", "png", "webp"),
                      MappingProxyType({"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"})),
    VIDEO: InputLimit(32 * MB, 16 * MB, 200 * MB, ("mp4", "mov", "mkv", "webm"),
                      MappingProxyType({"mp4": "video/mp4", "mov": "video/quicktime",
                                        "mkv": "video/x-matroska", "webm": "video/webm"})),
    AUDIO: InputLimit(32 * MB, 16 * MB, 200 * MB, ("mp3", "wav", "flac", "m4a", "aac"),
                      MappingProxyType({"mp3": "audio/mpeg", "wav": "audio/wav", "flac": "audio/flac",
                                        "m4a": "audio/mp4", "aac": "audio/aac"})),
})  # fmt: skip
URL_MAX_CHARS = 2048
UPLOAD_MAX_BYTES = 200 * MB
# Length assumed for an https input the service has not measured (it is never fetched here);
# used alike by the client's estimate and the sandbox's charge so the two always agree.
NOMINAL_INPUT_SECONDS = MappingProxyType({VIDEO: 5.0, AUDIO: 10.0})
ACT_TWO_REFERENCE_SECONDS = (3.0, 30.0)
FAILURE_CODES = ("SAFETY.INPUT.TEXT", "SAFETY.INPUT.IMAGE", "SAFETY.OUTPUT.VIDEO", "INTERNAL.BAD_OUTPUT",
                 "ASSET.INVALID", "INTERNAL")


# -- parameter builders (kept tiny so each model's table below reads like the contract) ---------
def _prompt(required: bool = True, max_len: int | None = PROMPT_MAX_UTF16) -> Param:
    return Param("promptText", "text", required=required, max_len=max_len, help="what should appear")


def _ratio(choices: tuple, required: bool = True, default: str | None = None, help: str = "",
           fill: bool = False) -> Param:
    return Param("ratio", "enum", required=required, choices=choices, default=default or choices[0],
                 help=help or "output resolution, width:height in pixels", fill=fill)


_SEED = Param("seed", "int", min=0, max=SEED_MAX, help="for reproducible results; random when omitted")
_MODERATION = Param("contentModeration", "moderation", choices=MODERATION_THRESHOLDS,
                    help="publicFigureThreshold: auto or low (low is less strict on public figures)")
_GEN45_DURATION = Param("duration", "int", required=True, min=2, max=10, default=5, help="seconds")
# veo3's duration can only be 8 and the seed's "or veo3" example omits it: filled (see Param.fill).
_VEO3_DURATION = Param("duration", "enum", choices=(8,), default=8, help="seconds", fill=True)
# Veo 3.1: duration default unconfirmed; 8 assumed. Audio default unconfirmed; true assumed (seed:
# "Veo models include audio"). Ratio is required by the SDK types but omitted by the seed's examples:
# filled with 1280:720 (see Param.fill).
_VEO31_DURATION = Param("duration", "enum", choices=(4, 6, 8), default=8, help="seconds")
_VEO_AUDIO = Param("audio", "bool", default=True, help="generate sound (changes the price)")
_VEO_RATIO = _ratio(VEO_RATIOS, required=False, default="1280:720", fill=True)


def _first_frame(positions: tuple[str, ...] = ("first",)) -> Param:
    return Param("promptImage", "prompt_image", required=True, media=(IMAGE,), positions=positions,
                 help="image for the first frame" + (" (and/or last frame)" if "last" in positions else ""))


def _uri(name: str, media: str, help: str) -> Param:
    return Param(name, "uri", required=True, media=(media,), help=help)


def _voice() -> Param:
    return Param("voice", "voice", required=True, choices=VOICE_PRESETS, default="Maya",
                 help="a runway-preset voice")


def _refs(min_items: int) -> Param:
    return Param("referenceImages", "reference_images", required=min_items > 0, media=(IMAGE,),
                 min_items=min_items, max_items=3, help="up to 3 images; a tag lets the prompt say @Tag")


# -- the models ---------------------------------------------------------------------------------
def _m(id, kind, label, endpoints, price, **kw) -> Model:
    return Model(id, kind, label, tuple(Endpoint(path, tuple(params)) for path, params in endpoints), price, **kw)


_MODELS = (
    _m("gen4.5", VIDEO, "Gen-4.5", [
        ("/v1/text_to_video", [_prompt(), _ratio(T2V_GEN45_RATIOS), _GEN45_DURATION, _SEED, _MODERATION]),
        ("/v1/image_to_video", [_first_frame(), _prompt(), _ratio(I2V_GEN45_RATIOS), _GEN45_DURATION,
                                _SEED, _MODERATION]),
    ], Price("second", 12), typical_seconds=(30, 6),
        description="Newest and recommended: best quality text/image-to-video (no audio)"),
    _m("gen4_turbo", VIDEO, "Gen-4 Turbo", [
        # duration: SDK gives no bounds; Runway docs say 2-10, default 10 (unconfirmed; kept as the safe range).
        # ratio: required by the SDK types, omitted by the seed's data-URI example: filled (Param.fill).
        ("/v1/image_to_video", [_first_frame(), _ratio(GEN4_TURBO_RATIOS, required=False, fill=True),
                                _prompt(required=False),
                                Param("duration", "int", min=2, max=10, default=10, help="seconds"),
                                _SEED, _MODERATION]),
    ], Price("second", 5), typical_seconds=(10, 2), description="Fast image-to-video for iteration (no audio)"),
    _m("gen4_aleph", VIDEO, "Gen-4 Aleph", [
        ("/v1/video_to_video", [
            _prompt(), _uri("videoUri", VIDEO, "the source video"),
            Param("references", "references", media=(IMAGE,), max_items=1, help="one style reference image"),
            _ratio(ALEPH_RATIOS, required=False, help="deprecated and ignored: output follows the input video"),
            _SEED, _MODERATION]),
    ], Price("input_second", 15, basis="videoUri"), typical_seconds=(30, 8),
        description="Video-to-video transformation (no audio)"),
    _m("act_two", VIDEO, "Act-Two", [
        ("/v1/character_performance", [
            Param("character", "typed_uri", required=True, media=(IMAGE, VIDEO),
                  help="the character: an image or a video with a visible face"),
            Param("reference", "typed_uri", required=True, media=(VIDEO,),
                  help="the performance video, 3-30 s"),
            Param("bodyControl", "bool", help="apply body movement and gestures too"),
            Param("expressionIntensity", "int", min=1, max=5, default=3, help="1 (subtle) to 5 (strong)"),
            _ratio(ACT_TWO_RATIOS, required=False), _SEED, _MODERATION]),
    ], Price("input_second", 5, basis="reference"), typical_seconds=(25, 5),
        description="Character performance driven by a reference video (no audio)"),
    _m("veo3", VIDEO, "Veo 3", [
        ("/v1/text_to_video", [_prompt(), _VEO_RATIO, _VEO3_DURATION]),
        ("/v1/image_to_video", [_first_frame(), _VEO_RATIO, _VEO3_DURATION, _prompt(required=False)]),
    ], Price("second", 40), audio=True, typical_seconds=(40, 8), description="Google Veo 3 with audio"),
    _m("veo3.1", VIDEO, "Veo 3.1", [
        ("/v1/text_to_video", [_prompt(), _VEO_RATIO, _VEO_AUDIO, _VEO31_DURATION]),
        ("/v1/image_to_video", [_first_frame(("first", "last")), _VEO_RATIO, _prompt(required=False),
                                _VEO_AUDIO, _VEO31_DURATION]),
    ], Price("second", 40, silent_credits=20), audio=True, typical_seconds=(40, 8),
        description="Google Veo 3.1 with keyframes and audio"),
    _m("veo3.1_fast", VIDEO, "Veo 3.1 Fast", [
        ("/v1/text_to_video", [_prompt(), _VEO_RATIO, _VEO_AUDIO, _VEO31_DURATION]),
        ("/v1/image_to_video", [_first_frame(("first", "last")), _VEO_RATIO, _prompt(required=False),
                                _VEO_AUDIO, _VEO31_DURATION]),
    ], Price("second", 15, silent_credits=10), audio=True, typical_seconds=(20, 4),
        description="Google Veo 3.1, faster and cheaper, with audio"),
    _m("gen4_image", IMAGE, "Gen-4 Image", [
        ("/v1/text_to_image", [_prompt(), _ratio(GEN4_IMAGE_RATIOS, default="1920:1080"), _refs(0), _SEED,
                               _MODERATION]),
    ], Price("image", 8, by_ratio=MappingProxyType(dict.fromkeys(GEN4_IMAGE_720P, 5))),
        typical_seconds=(15, 0), description="High quality images with @tag references and style transfer"),
    _m("gen4_image_turbo", IMAGE, "Gen-4 Image Turbo", [
        ("/v1/text_to_image", [_prompt(), _ratio(GEN4_IMAGE_RATIOS, default="1920:1080"), _refs(1), _SEED,
                               _MODERATION]),
    ], Price("image", 2), typical_seconds=(6, 0), description="Fast, cheap images; needs a reference image"),
    _m("gemini_2.5_flash", IMAGE, "Gemini 2.5 Flash Image", [
        ("/v1/text_to_image", [_prompt(), _ratio(GEMINI_RATIOS, default="1344:768"), _refs(0)]),
    ], Price("image", 5), typical_seconds=(10, 0), description="Google Gemini image generation"),
    _m("eleven_multilingual_v2", AUDIO, "ElevenLabs Speech", [
        ("/v1/text_to_speech", [_prompt(), _voice()]),
    ], Price("char", 1, per=50), typical_seconds=(4, 0), description="Text to speech"),
    _m("eleven_text_to_sound_v2", AUDIO, "ElevenLabs Sound Effects", [
        ("/v1/sound_effect", [_prompt(max_len=None),
                              Param("duration", "number", min=0.5, max=30, default=5.0,
                                    help="seconds; when omitted the model chooses (the sandbox: 5 s)"),
                              Param("loop", "bool", default=False, help="make the sound loop seamlessly")]),
    ], Price("second", 1, per=6), typical_seconds=(5, 0), description="Text to sound effects"),
    _m("eleven_voice_isolation", AUDIO, "ElevenLabs Voice Isolation", [
        ("/v1/voice_isolation", [_uri("audioUri", AUDIO, "the noisy audio")]),
    ], Price("input_second", 1, per=6, basis="audioUri"), typical_seconds=(6, 0),
        description="Remove background noise from speech"),
    _m("eleven_voice_dubbing", AUDIO, "ElevenLabs Dubbing", [
        ("/v1/voice_dubbing", [
            _uri("audioUri", AUDIO, "the speech to dub"),
            Param("targetLang", "enum", required=True, choices=DUBBING_LANGUAGES, default="es",
                  help="target language"),
            Param("disableVoiceCloning", "bool", help="use a generic voice instead of cloning"),
            Param("dropBackgroundAudio", "bool", help="strip the background audio"),
            Param("numSpeakers", "int", min=1, help="number of speakers; detected when omitted")]),
    ], Price("input_second", 1, per=2, basis="audioUri"), typical_seconds=(15, 0),
        description="Dub speech into another language"),
    _m("eleven_multilingual_sts_v2", AUDIO, "ElevenLabs Speech to Speech", [
        ("/v1/speech_to_speech", [
            Param("media", "typed_uri", required=True, media=(AUDIO, VIDEO), help="the source dialogue"),
            _voice(),
            Param("removeBackgroundNoise", "bool", help="remove background noise")]),
    ], Price("input_second", 1, per=2, basis="media"), typical_seconds=(8, 0),
        description="Say the same words in another voice"),
)

MODELS: MappingProxyType = MappingProxyType({m.id: m for m in _MODELS})
ENDPOINTS: tuple[str, ...] = tuple(dict.fromkeys(p for m in _MODELS for p in m.paths))
# gen4.5 and Veo take a text-only body on /v1/image_to_video too (the seed guide does it): such a
# body is judged by the model's /v1/text_to_video rules.
TEXT_ONLY_ON_IMAGE_TO_VIDEO = ("gen4.5", "veo3", "veo3.1", "veo3.1_fast")


def get_model(model_id: str) -> Model | None:
    return MODELS.get(model_id)


def models_on(path: str) -> tuple[str, ...]:
    """The model ids a path accepts."""
    return tuple(m.id for m in _MODELS if path in m.paths)


def endpoint_for(model_id: str, path: str, body: dict | None = None) -> Endpoint | None:
    """The rules a body sent to `path` is judged by (text-only image_to_video -> text_to_video)."""
    model = MODELS.get(model_id)
    if model is None:
        return None
    if (path == "/v1/image_to_video" and model_id in TEXT_ONLY_ON_IMAGE_TO_VIDEO
            and body is not None and "promptImage" not in body):
        return model.endpoint("/v1/text_to_video")
    return model.endpoint(path)


def ratio_size(ratio: str) -> tuple[int, int]:
    """'1280:720' -> (1280, 720): Runway ratios are the output's pixel size."""
    w, h = ratio.split(":")
    return int(w), int(h)


def typical_seconds(model_id: str, output_seconds: float = 0.0) -> float:
    """How long the real service typically takes for this task, for ETAs and the sandbox's clock."""
    base, per = MODELS[model_id].typical_seconds
    return base + per * output_seconds
