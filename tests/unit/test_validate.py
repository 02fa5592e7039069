"""validate: the one rule set shared by the client's pre-flight check and the sandbox's 400.

Passing bodies come from the catalog (every model, every endpoint, every choice) and from the seed
guide's examples written as wire bodies; failing bodies cover each rule at least once.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import wave

import av
import numpy as np
import pytest
from PIL import Image

from runway_nb import catalog
from runway_nb.validate import Problem, lint_prompt, problems_as_error_body, utf16_len, validate_body

URL = {"image": "https://example.com/a.jpg", "video": "https://example.com/a.mp4", "audio": "https://example.com/a.mp3"}
PROMPT = "A red fox trots through fresh snow at dawn"


# -- real media for data URIs (made by Pillow, PyAV and wave, not by the code under test) ------------------
@functools.cache
def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buf, "PNG")
    return buf.getvalue()


@functools.cache
def gif() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buf, "GIF")
    return buf.getvalue()


@functools.cache
def mp4() -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for _ in range(6):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")))
        out.mux(stream.encode(None))
    return buf.getvalue()


@functools.cache
def wav() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 8000)
    return buf.getvalue()


def data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


# -- bodies built from the catalog -------------------------------------------------------------------------
def sample(p: catalog.Param) -> object:
    """A value a careful user would send for `p`, chosen from the catalog's own data."""
    kind = p.media[0] if p.media else None
    make = {
        "text": lambda: PROMPT,
        "enum": lambda: p.default if p.default is not None else p.choices[0],
        "int": lambda: p.default if p.default is not None else int(p.min or 0),
        "number": lambda: p.default if p.default is not None else p.min,
        "bool": lambda: True,
        "uri": lambda: URL[kind],
        "prompt_image": lambda: URL[kind],
        "typed_uri": lambda: {"type": kind, "uri": URL[kind]},
        "references": lambda: [{"type": kind, "uri": URL[kind]}],
        "reference_images": lambda: [{"uri": URL[kind], "tag": f"Hero{i}"} for i in range(max(1, p.min_items))],
        "voice": lambda: {"type": "runway-preset", "presetId": p.default},
        "moderation": lambda: {"publicFigureThreshold": "low"},
    }
    return make[p.type]()


def body_for(model_id: str, path: str, *, full: bool) -> dict:
    endpoint = catalog.MODELS[model_id].endpoint(path)
    body = {"model": model_id}
    body.update({p.name: sample(p) for p in endpoint.params if full or p.required})
    return body


PAIRS = [(m.id, e.path) for m in catalog.MODELS.values() for e in m.endpoints]


def messages(path: str, body: dict) -> list[str]:
    return [p.message for p in validate_body(path, body)]


def only(path: str, body: dict) -> Problem:
    problems = validate_body(path, body)
    assert len(problems) == 1, problems
    return problems[0]


def base(model_id: str, path: str, **changes) -> dict:
    body = body_for(model_id, path, full=False)
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


# -- passing bodies ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("model_id", "path"), PAIRS)
def test_required_fields_alone_pass(model_id, path):
    assert validate_body(path, body_for(model_id, path, full=False)) == []


@pytest.mark.parametrize(("model_id", "path"), PAIRS)
def test_every_field_filled_passes(model_id, path):
    body = body_for(model_id, path, full=True)
    if "referenceImages" in body:
        body["promptText"] = "A portrait of @Hero0 at sunset"
    assert validate_body(path, body) == []


@pytest.mark.parametrize(("model_id", "path"), PAIRS)
def test_every_choice_and_bound_passes(model_id, path):
    for p in catalog.MODELS[model_id].endpoint(path).params:
        values = {"enum": p.choices, "int": [p.min, p.max], "number": [p.min, p.max, 7]}.get(p.type, [])
        for value in values:
            if value is None:
                continue
            value = int(value) if p.type == "int" else value
            body = base(model_id, path, **{p.name: value})
            assert validate_body(path, body) == [], (p.name, value)


@pytest.mark.parametrize(("model_id", "path"), [(m, p) for m, p in PAIRS if p != "/v1/text_to_speech"])
def test_every_media_kind_of_every_uri_field_passes_as_a_data_uri(model_id, path):
    made = {"image": ("image/png", png()), "video": ("video/mp4", mp4()), "audio": ("audio/wav", wav())}
    for p in catalog.MODELS[model_id].endpoint(path).params:
        for kind in p.media:
            uri = data_uri(*made[kind])
            value = {"uri": uri, "prompt_image": uri, "typed_uri": {"type": kind, "uri": uri},
                     "references": [{"type": kind, "uri": uri}],
                     "reference_images": [{"uri": uri}]}[p.type]
            assert validate_body(path, base(model_id, path, **{p.name: value})) == [], (p.name, kind)


def test_runway_upload_uris_pass_on_syntax():
    body = base("gen4_turbo", "/v1/image_to_video", promptImage="runway://uploads/1b2c3d/photo.png")
    assert validate_body("/v1/image_to_video", body) == []


SEED_GUIDE = [
    ("/v1/image_to_video", {"model": "gen4.5", "promptImage": "https://example.com/image.jpg",
                            "promptText": "A timelapse on a sunny day with clouds flying by", "ratio": "1280:720",
                            "duration": 10}),
    ("/v1/image_to_video", {"model": "gen4.5", "promptText": "A serene mountain landscape at sunset with clouds "
                            "drifting", "ratio": "1280:720", "duration": 10}),  # text only, on image_to_video
    ("/v1/image_to_video", {"model": "gen4.5", "promptText": "A serene mountain lake at sunrise with mist rising "
                            "from the water", "ratio": "1280:720", "duration": 10, "seed": 12345}),
    ("/v1/image_to_video", {"model": "gen4.5", "promptImage": "https://example.com/image.jpg", "promptText":
                            "Camera slowly pushes in, leaves rustling in the breeze", "ratio": "1584:672",
                            "duration": 10, "seed": 12345}),
    ("/v1/image_to_video", {"model": "gen4_turbo", "promptImage": "https://example.com/image.jpg", "promptText":
                            "Camera slowly pushes in, leaves rustling", "ratio": "1280:720", "duration": 5,
                            "seed": 12345}),
    ("/v1/video_to_video", {"model": "gen4_aleph", "videoUri": "https://example.com/source.mp4",
                            "promptText": "Transform to anime style",
                            "references": [{"uri": "https://example.com/style_ref.jpg"}]}),
    ("/v1/character_performance", {"model": "act_two",
                                   "character": {"type": "image", "uri": "https://example.com/character.jpg"},
                                   "reference": {"type": "video", "uri": "https://example.com/performance.mp4"}}),
    ("/v1/image_to_video", {"model": "veo3.1", "promptText": "A cinematic shot of a rocket launching at sunset "
                            "with roaring engines"}),
    ("/v1/image_to_video", {"model": "veo3.1", "promptImage": "https://example.com/starting_frame.jpg",
                            "promptText": "Smooth camera movement through the scene with ambient nature sounds"}),
    ("/v1/text_to_image", {"model": "gen4_image", "ratio": "1920:1080",
                           "promptText": "A beautiful mountain landscape at sunset"}),
    ("/v1/text_to_image", {"model": "gen4_image", "ratio": "1920:1080",
                           "promptText": "@EiffelTower painted in the style of @StarryNight",
                           "referenceImages": [{"uri": "https://example.com/eiffel.jpg", "tag": "EiffelTower"},
                                               {"uri": "https://example.com/starry.jpg", "tag": "StarryNight"}]}),
    ("/v1/text_to_image", {"model": "gen4_image", "ratio": "1920:1080", "promptText": "@subject on a beach",
                           "referenceImages": [{"uri": "https://example.com/subject.jpg", "tag": "subject"},
                                               {"uri": "https://example.com/style.jpg"}]}),
    ("/v1/text_to_speech", {"model": "eleven_multilingual_v2", "promptText": "Hello, welcome to RunwayML!",
                            "voice": {"type": "runway-preset", "presetId": "Maya"}}),
    ("/v1/sound_effect", {"model": "eleven_text_to_sound_v2",
                          "promptText": "Thunder rumbling in the distance, rain on a window"}),
    ("/v1/voice_isolation", {"model": "eleven_voice_isolation", "audioUri": "https://example.com/noisy_audio.mp3"}),
    ("/v1/voice_dubbing", {"model": "eleven_voice_dubbing", "audioUri": "https://example.com/speech.mp3",
                           "targetLang": "es"}),
    ("/v1/speech_to_speech", {"model": "eleven_multilingual_sts_v2",
                              "media": {"type": "audio", "uri": "https://example.com/original.mp3"},
                              "voice": {"type": "runway-preset", "presetId": "Maya"}}),
]


@pytest.mark.parametrize(("path", "body"), SEED_GUIDE, ids=[f"{b['model']}{p}" for p, b in SEED_GUIDE])
def test_seed_guide_examples_pass(path, body):
    assert validate_body(path, body) == []


def test_seed_guide_examples_without_ratio_or_duration_pass():
    # The SDK types require these fields; the seed guide omits them (catalog Param.fill).
    body = {"model": "gen4_turbo", "promptImage": data_uri("image/jpeg", png()), "promptText": "Gentle movement"}
    assert validate_body("/v1/image_to_video", body) == []
    assert validate_body("/v1/image_to_video", {"model": "veo3", "promptText": "A rocket launch"}) == []


def test_veo31_keyframes_first_and_last_pass():
    frames = [{"uri": URL["image"], "position": "first"}, {"uri": URL["image"], "position": "last"}]
    for model in ("veo3.1", "veo3.1_fast"):
        assert validate_body("/v1/image_to_video", {"model": model, "promptImage": frames}) == []
        assert validate_body("/v1/image_to_video", {"model": model, "promptImage": frames[:1]}) == []


def test_sound_effect_duration_takes_int_and_float():
    for duration in (5, 2.5, 0.5, 30):
        body = {"model": "eleven_text_to_sound_v2", "promptText": "rain", "duration": duration}
        assert validate_body("/v1/sound_effect", body) == []


def test_prompt_at_the_limit_passes_counting_utf16():
    body = base("gen4.5", "/v1/text_to_video", promptText="a" * 998 + "😀")  # 1000 units
    assert validate_body("/v1/text_to_video", body) == []


def test_sound_effect_prompt_has_no_length_limit():
    body = {"model": "eleven_text_to_sound_v2", "promptText": "rain " * 400}
    assert validate_body("/v1/sound_effect", body) == []


def test_email_address_in_an_image_prompt_is_not_a_mention():
    body = base("gen4_image", "/v1/text_to_image", promptText="A poster reading hello@example.com")
    assert validate_body("/v1/text_to_image", body) == []


# -- failing bodies: one or more per rule ---------------------------------------------------------------------
T2V, I2V, T2I = "/v1/text_to_video", "/v1/image_to_video", "/v1/text_to_image"


def test_body_must_be_an_object():
    assert "send a JSON object" in only(T2V, ["model", "gen4.5"]).message


def test_unknown_path():
    assert "'/v1/text_to_audio' is not an endpoint" in only("/v1/text_to_audio", {"model": "gen4.5"}).message


def test_model_missing_names_what_the_path_accepts():
    message = only(T2V, {}).message  # the hand-kept models (the seed's veo3 too), then the SDK's others
    assert message.startswith("model is required; /v1/text_to_video accepts gen4.5, veo3, veo3.1, veo3.1_fast, ")
    assert ", kling_4, " in message and message.endswith(" or wan3_prime")


def test_a_model_only_the_sdk_types_describe_is_checked_by_its_shape():
    body = {"model": "kling3.0_pro", "ratio": "1920:1080", "promptText": PROMPT}
    assert validate_body(T2V, body) == []
    problems = validate_body(T2V, {**body, "ratio": "1280:720", "cfgScale": "high", "shots": 2})
    assert {p.field: type(p).__name__ for p in problems} == {
        "ratio": "Problem", "cfgScale": "Problem", "shots": "UnknownField"}
    assert "choose 1920:1080, 1080:1920 or 1440:1440" in next(p for p in problems if p.field == "ratio").message


def test_model_unknown_suggests_a_close_one():
    problem = only(T2V, {"model": "gen4_5", "promptText": PROMPT})
    assert problem.field == "model" and "did you mean gen4.5?" in problem.message


def test_model_not_a_string():
    assert "model 4.5 is a number" in only(T2V, {"model": 4.5}).message


def test_model_on_the_wrong_path_says_where_it_runs():
    message = only(T2V, {"model": "gen4_turbo"}).message
    assert "not offered on /v1/text_to_video; it runs on /v1/image_to_video" in message


def test_snake_case_field_suggests_camel_case():
    body = base("gen4.5", T2V, promptText=..., prompt_text=PROMPT)
    found = {p.field: p.message for p in validate_body(T2V, body)}
    assert "did you mean promptText?" in found["prompt_text"]
    assert "promptText is required" in found["promptText"]


def test_unknown_field_lists_what_is_accepted():
    message = only(T2V, base("veo3", T2V, seed=3)).message
    assert message == ("field 'seed' is not accepted by veo3 text-to-video; accepted: model, promptText, ratio "
                       "or duration")


def test_field_of_another_endpoint_says_which():
    message = only(T2V, base("gen4.5", T2V, promptImage=URL["image"])).message
    assert "it belongs to /v1/image_to_video" in message


def test_content_moderation_is_not_a_veo_field():
    assert only(T2V, base("veo3.1", T2V, contentModeration={})).field == "contentModeration"


def test_missing_required_fields_are_each_named():
    fields = {p.field for p in validate_body(T2V, {"model": "gen4.5"})}
    assert fields == {"promptText", "ratio", "duration"}


def test_every_problem_is_collected_not_just_the_first():
    body = {"model": "gen4.5", "promptText": "", "ratio": "960:960", "duration": 11, "seed": -1, "extra": 1}
    assert {p.field for p in validate_body(T2V, body)} == {"promptText", "ratio", "duration", "seed", "extra"}


@pytest.mark.parametrize(("value", "fragment"), [
    (42, "promptText 42 is an integer; give a non-empty string"),
    ("", "promptText is empty"),
    (None, "promptText is null"),
])
def test_prompt_text_type_and_emptiness(value, fragment):
    assert fragment in only(T2V, base("gen4.5", T2V, promptText=value)).message


def test_prompt_text_limit_in_utf16_units():
    problem = only(T2V, base("gen4.5", T2V, promptText="a" * 1010 + "😀"))
    assert problem.message.startswith("promptText is 1012 UTF-16 code units long (1011 characters")
    assert problem.message.endswith("the limit is 1000")
    assert len(problem.value) < 100  # the value is shortened in the problem


def test_ratio_not_offered_names_the_choices():
    problem = only(T2V, base("gen4.5", T2V, ratio="960:960"))
    assert problem == Problem("ratio", "960:960", "ratio '960:960' is not offered by gen4.5 text-to-video; "
                              "choose 1280:720 or 720:1280")


def test_text_only_image_to_video_is_judged_as_text_to_video():
    body = {"model": "gen4.5", "promptText": PROMPT, "ratio": "960:960", "duration": 5}
    assert "gen4.5 text-to-video (no promptImage given); choose 1280:720 or 720:1280" in only(I2V, body).message
    body["promptImage"] = URL["image"]
    assert validate_body(I2V, body) == []


def test_gen4_turbo_has_no_text_only_form():
    body = {"model": "gen4_turbo", "promptText": PROMPT, "ratio": "1280:720"}
    assert only(I2V, body).field == "promptImage"


@pytest.mark.parametrize(("value", "fragment"), [
    (5, "duration 5 is not offered by veo3.1 text-to-video; choose 4, 6 or 8"),
    ("8", "duration '8' is not offered"),
    (True, "duration True is not offered"),
])
def test_numeric_enum_is_strict(value, fragment):
    assert fragment in only(T2V, base("veo3.1", T2V, duration=value)).message


@pytest.mark.parametrize(("model", "value"), [("veo3.1", 8.0), ("gen4.5", 5.0)])
def test_whole_float_is_an_int(model, value):
    # JSON has one number type: 8.0 reaches the API as 8, so it must not be blocked here.
    assert validate_body(T2V, base(model, T2V, duration=value)) == []


@pytest.mark.parametrize(("value", "fragment"), [
    (True, "duration True is a boolean; give an integer from 2 to 10"),
    (5.5, "duration 5.5 is not an integer; give an integer from 2 to 10"),
    ("5", "duration '5' is a string"),
    (1, "duration 1 is out of range for gen4.5 text-to-video; give an integer from 2 to 10"),
    (11, "duration 11 is out of range"),
    (None, "duration is null"),
])
def test_int_fields(value, fragment):
    assert fragment in only(T2V, base("gen4.5", T2V, duration=value)).message


@pytest.mark.parametrize("seed", [-1, catalog.SEED_MAX + 1, 1.5, False])
def test_seed_range_and_type(seed):
    assert only(T2V, base("gen4.5", T2V, seed=seed)).field == "seed"


def test_seed_bounds_pass():
    for seed in (0, catalog.SEED_MAX):
        assert validate_body(T2V, base("gen4.5", T2V, seed=seed)) == []


def test_int_without_a_maximum():
    body = {"model": "eleven_voice_dubbing", "audioUri": URL["audio"], "targetLang": "fr", "numSpeakers": 0}
    assert "give an integer of at least 1" in only("/v1/voice_dubbing", body).message
    body["numSpeakers"] = 12
    assert validate_body("/v1/voice_dubbing", body) == []


@pytest.mark.parametrize(("value", "fragment"), [
    (0.4, "out of range"), (30.5, "out of range"), (float("nan"), "not a finite number"),
    (float("inf"), "not a finite number"), (True, "is a boolean"), ("5", "is a string"),
])
def test_number_fields(value, fragment):
    body = {"model": "eleven_text_to_sound_v2", "promptText": "rain", "duration": value}
    assert fragment in only("/v1/sound_effect", body).message


@pytest.mark.parametrize("value", ["true", 1, None])
def test_bool_fields(value):
    body = {"model": "eleven_text_to_sound_v2", "promptText": "rain", "loop": value}
    assert only("/v1/sound_effect", body).field == "loop"


@pytest.mark.parametrize(("uri", "fragment"), [
    ("http://example.com/a.jpg", "Runway fetches https URLs only"),
    ("https://93.184.216.34/a.jpg", "uses an IP address (93.184.216.34)"),
    ("https://[2001:db8::1]/a.jpg", "uses an IP address (2001:db8::1)"),
    ("https://example.com/" + "a" * catalog.URL_MAX_CHARS, "the limit is 2048"),
    ("https://example.com/my photo.jpg", "contains whitespace"),
    ("https:///a.jpg", "has no host name"),
    ("ftp://example.com/a.jpg", "not a URI Runway accepts"),
    ("example.com/a.jpg", "not a URI Runway accepts"),
    ("", "is empty"),
    ("runway://", "is not a runway:// upload URI"),
    ("runway://upload id", "is not a runway:// upload URI"),
    ("runway:upload", "is not a runway:// upload URI"),
    (42, "promptImage 42 is an integer; give an https URL, a data: URI or a runway:// URI of an image"),
])
def test_uri_rules(uri, fragment):
    assert fragment in only(I2V, base("gen4_turbo", I2V, promptImage=uri)).message


def test_url_of_exactly_the_limit_passes():
    url = "https://example.com/" + "a" * (catalog.URL_MAX_CHARS - len("https://example.com/"))
    assert validate_body(I2V, base("gen4_turbo", I2V, promptImage=url)) == []


def test_gif_is_refused_by_name():
    problem = only(I2V, base("gen4_turbo", I2V, promptImage=data_uri("image/gif", gif())))
    assert problem.message == "promptImage is a GIF image; use JPEG, PNG or WebP"
    assert len(problem.value) < 80 and problem.value.startswith("data:image/gif;base64,")


def test_data_uri_content_of_the_wrong_kind():
    message = only(I2V, base("gen4_turbo", I2V, promptImage=data_uri("image/png", mp4()))).message
    assert message == "promptImage is an MP4 video; it must be an image"


def test_data_uri_declared_type_must_be_of_the_right_kind():
    message = only(I2V, base("gen4_turbo", I2V, promptImage=data_uri("application/octet-stream", png()))).message
    assert "declares 'application/octet-stream', but it holds a PNG image" in message


def test_data_uri_that_is_not_media():
    message = only(I2V, base("gen4_turbo", I2V, promptImage=data_uri("image/png", b"just text"))).message
    assert "not a recognised media file; give an image (JPEG, PNG or WebP)" in message


def test_data_uri_that_is_not_base64():
    assert "not base64-encoded" in only(I2V, base("gen4_turbo", I2V, promptImage="data:image/png,abc")).message


def test_data_uri_size_is_measured_on_the_uri_string():
    limit = catalog.INPUT_LIMITS["image"].data_uri
    header = "data:image/png;base64,"
    # A real PNG padded with trailing bytes: still sniffed as PNG; base64 makes 4 characters of 3 bytes.
    fits = png() + b"\x00" * ((limit - len(header)) // 4 * 3 - len(png()))
    assert len(data_uri("image/png", fits)) <= limit
    assert validate_body(I2V, base("gen4_turbo", I2V, promptImage=data_uri("image/png", fits))) == []
    too_big = fits + b"\x00" * 3
    problem = only(I2V, base("gen4_turbo", I2V, promptImage=data_uri("image/png", too_big)))
    assert "an image data URI may be at most 5.0 MB" in problem.message
    assert len(problem.message) < 200 and len(repr(problem.value)) < 100  # never the whole URI


def test_video_data_uri_limit_is_the_sdks_5_mb():
    # runwayml 5.24.0 states "up to 5MB" for a video data URI (the seed's contract said 16 MB); the
    # client uploads a larger local video instead (media.prepare_body), so only a raw body meets this.
    body = {"model": "gen4_aleph", "promptText": PROMPT, "videoUri": data_uri("video/mp4", mp4() + b"\x00" * 3_000_000)}
    assert validate_body("/v1/video_to_video", body) == []  # about 4 MB as base64
    body["videoUri"] = data_uri("video/mp4", mp4() + b"\x00" * 4_000_000)
    assert "a video data URI may be at most 5.0 MB" in only("/v1/video_to_video", body).message


def test_audio_field_refuses_an_image():
    body = {"model": "eleven_voice_isolation", "audioUri": data_uri("audio/wav", png())}
    assert only("/v1/voice_isolation", body).message == "audioUri is a PNG image; it must be an audio file"


# prompt_image
@pytest.mark.parametrize(("frames", "fragment"), [
    ([{"uri": URL["image"], "position": "last"}], "gives a last frame but no first frame"),
    ([{"uri": URL["image"], "position": "first"}, {"uri": URL["image"], "position": "first"}],
     "'first' repeats promptImage.0"),
    ([{"uri": URL["image"], "position": "middle"}], "'middle' is not offered by veo3.1 image-to-video; choose first or last"),
    ([], "is an empty list"),
    ([URL["image"]], "promptImage.0 'https://example.com/a.jpg' is a string"),
    ([{"uri": URL["image"]}], "promptImage.0.position is required"),
    ([{"position": "first"}], "promptImage.0.uri is required"),
    ([{"url": URL["image"], "uri": URL["image"], "position": "first"}], "did you mean promptImage.0.uri?"),
    ([{"uri": "http://x.com/a.jpg", "position": "first"}], "promptImage.0.uri 'http://x.com/a.jpg' cannot be used"),
    ({"uri": URL["image"]}, "is an object"),
])
def test_prompt_image_list_rules(frames, fragment):
    assert any(fragment in m for m in messages(I2V, {"model": "veo3.1", "promptImage": frames}))


def test_other_models_take_the_first_position_only():
    body = base("gen4.5", I2V, promptImage=[{"uri": URL["image"], "position": "last"}])
    assert any("choose first" in m for m in messages(I2V, body))
    body["promptImage"] = [{"uri": URL["image"], "position": "first"}]
    assert validate_body(I2V, body) == []


# typed_uri
def test_character_type_must_be_image_or_video():
    body = base("act_two", "/v1/character_performance", character={"type": "audio", "uri": URL["audio"]})
    assert "character.type 'audio' is not offered by act_two character-performance; choose image or video" in \
        only("/v1/character_performance", body).message


def test_character_content_must_match_its_type():
    body = base("act_two", "/v1/character_performance", character={"type": "image", "uri": data_uri("video/mp4", mp4())})
    assert only("/v1/character_performance", body).message == "character.uri is an MP4 video; it must be an image"
    body["character"]["type"] = "video"
    assert validate_body("/v1/character_performance", body) == []


def test_typed_uri_needs_type_and_uri():
    body = base("act_two", "/v1/character_performance", reference={"uri": URL["video"]})
    assert only("/v1/character_performance", body).field == "reference.type"
    body["reference"] = URL["video"]
    assert "reference 'https://example.com/a.mp4' is a string; give {type: video, uri}" in \
        only("/v1/character_performance", body).message


def test_speech_to_speech_media_kind_follows_type():
    body = {"model": "eleven_multilingual_sts_v2", "voice": {"type": "runway-preset", "presetId": "Maya"},
            "media": {"type": "video", "uri": data_uri("audio/wav", wav())}}
    assert "media.uri is a WAV audio file; it must be a video" in messages("/v1/speech_to_speech", body)
    body["media"]["type"] = "audio"
    assert validate_body("/v1/speech_to_speech", body) == []


# references (gen4_aleph)
def test_aleph_references_rules():
    path = "/v1/video_to_video"
    body = base("gen4_aleph", path, references=[{"uri": URL["image"]}, {"uri": URL["image"]}])
    assert only(path, body).message == "references has 2 items; gen4_aleph video-to-video takes at most 1"
    body["references"] = [{"type": "video", "uri": URL["image"]}]
    assert "references.0.type 'video' is not offered" in only(path, body).message
    body["references"] = [{"type": "image", "uri": URL["image"], "tag": "x"}]
    assert only(path, body).field == "references.0.tag"
    body["references"] = {"uri": URL["image"]}
    assert "references {'uri': 'https://example.com/a.jpg'} is an object; give a list" in only(path, body).message


# reference_images (gen4_image family, gemini)
def refs(*tags):
    return [{"uri": URL["image"], **({"tag": t} if t else {})} for t in tags]


def test_reference_image_counts():
    assert only(T2I, base("gen4_image", T2I, referenceImages=refs(None, None, None, None))).message == \
        "referenceImages has 4 items; gen4_image text-to-image takes at most 3"
    assert "takes 1 to 3" in only(T2I, base("gen4_image_turbo", T2I, referenceImages=[])).message
    assert "referenceImages is required by gen4_image_turbo" in only(T2I, base("gen4_image_turbo", T2I, referenceImages=...)).message


@pytest.mark.parametrize("tag", ["ab", "1abc", "has-dash", "a" * 17, "with space", "Café", "abc\n"])
def test_tag_format(tag):
    problem = only(T2I, base("gen4_image", T2I, referenceImages=refs(tag)))
    assert problem.field == "referenceImages.0.tag" and "3 to 16 letters, digits or underscores" in problem.message


def test_tag_length_bounds_pass():
    for tag in ("abc", "A" * 16, "My_Cat_2"):
        assert validate_body(T2I, base("gen4_image", T2I, referenceImages=refs(tag))) == []


def test_duplicate_tags_refused():
    problem = only(T2I, base("gen4_image", T2I, referenceImages=refs("Cat", "Cat")))
    assert problem.message == "referenceImages.1.tag 'Cat' is already the tag of referenceImages.0; each tag may name one image"


def test_tag_must_be_a_string():
    assert only(T2I, base("gen4_image", T2I, referenceImages=[{"uri": URL["image"], "tag": 7}])).field == \
        "referenceImages.0.tag"


def test_mentions_must_match_tags_case_sensitively():
    body = base("gen4_image", T2I, promptText="@eiffelTower in the style of @StarryNight",
                referenceImages=refs("EiffelTower", "StarryNight"))
    problem = only(T2I, body)
    assert problem.field == "promptText" and problem.value == "@eiffelTower"
    assert problem.message == ("promptText mentions @eiffelTower, which is not the tag of any reference image; tags "
                               "given: EiffelTower, StarryNight (tags are case-sensitive: did you mean @EiffelTower?)")


def test_mention_without_any_tags():
    body = base("gen4_image", T2I, promptText="@Hero on a horse", referenceImages=refs(None))
    assert "no referenceImages carry a tag" in only(T2I, body).message
    body.pop("referenceImages")
    assert only(T2I, body).field == "promptText"


def test_gemini_mentions_follow_the_same_rule():
    body = base("gemini_2.5_flash", T2I, promptText="@Dog in space", referenceImages=refs("Cat"))
    assert "mentions @Dog" in only(T2I, body).message
    body["promptText"] = "@Cat in space"
    assert validate_body(T2I, body) == []


def test_reference_image_item_shape():
    body = base("gen4_image", T2I, referenceImages=[{"url": URL["image"]}])
    assert {p.field for p in validate_body(T2I, body)} == {"referenceImages.0.url", "referenceImages.0.uri"}
    body["referenceImages"] = [URL["image"]]
    assert only(T2I, body).field == "referenceImages.0"


# voice, enums on audio endpoints, moderation
def test_voice_rules():
    path = "/v1/text_to_speech"
    body = {"model": "eleven_multilingual_v2", "promptText": "Hi", "voice": {"type": "runway-preset", "preset_id": "Maya"}}
    assert "did you mean voice.presetId?" in messages(path, body)[0]
    body["voice"] = {"type": "runway-preset", "presetId": "maya"}
    message = only(path, body).message
    assert message.startswith("voice.presetId 'maya' is not offered by eleven_multilingual_v2 text-to-speech; choose one of Maya")
    assert "(49 in all)" in message and message.endswith("(did you mean Maya?)") and len(message) < 300
    body["voice"] = {"type": "runway-live-preset", "presetId": "Maya"}
    assert "choose runway-preset" in only(path, body).message
    body["voice"] = "Maya"
    assert only(path, body).field == "voice"


def test_target_lang():
    body = {"model": "eleven_voice_dubbing", "audioUri": URL["audio"], "targetLang": "ES"}
    message = only("/v1/voice_dubbing", body).message
    assert "choose en, hi, pt" in message and message.endswith("(did you mean es?)")
    body.pop("targetLang")
    body["targetLanguage"] = "es"
    assert {p.field for p in validate_body("/v1/voice_dubbing", body)} == {"targetLanguage", "targetLang"}


def test_content_moderation_rules():
    for value, field in [({"publicFigureThreshold": "high"}, "contentModeration.publicFigureThreshold"),
                         ({"public_figure_threshold": "low"}, "contentModeration.public_figure_threshold"),
                         ("low", "contentModeration")]:
        assert only(T2V, base("gen4.5", T2V, contentModeration=value)).field == field
    assert validate_body(T2V, base("gen4.5", T2V, contentModeration={})) == []


# -- the 400 body, utf16_len, lint ------------------------------------------------------------------------------
def test_problems_as_error_body_is_zod_shaped_and_json_safe():
    big = data_uri("image/gif", gif() + b"\x00" * 4_000_000)
    body = base("gen4_image", T2I, referenceImages=[{"uri": URL["image"]}, {"uri": big}], seed=float("nan"))
    error = problems_as_error_body(validate_body(T2I, body))
    text = json.dumps(error, allow_nan=False, ensure_ascii=False)
    assert len(text) < 2000
    paths = [issue["path"] for issue in error["issues"]]
    assert ["referenceImages", 1, "uri"] in paths and ["seed"] in paths
    assert error["error"] == "; ".join(issue["message"] for issue in error["issues"])
    assert all({"path", "message", "value"} <= set(issue) for issue in error["issues"])


def test_problems_as_error_body_of_nothing():
    assert problems_as_error_body([]) == {"error": "", "issues": []}


@pytest.mark.parametrize(("text", "units"), [
    ("", 0), ("abc", 3), ("é", 1), ("中文", 2), ("😀", 2), ("👍🏽", 4), ("🇫🇷", 4), ("a😀b", 4),
])
def test_utf16_len(text, units):
    assert utf16_len(text) == units


def test_lint_negative_phrasing():
    (warning,) = lint_prompt("A calm lake, no blur, without people", "gen4.5")
    assert "'no blur'" in warning and "'without people'" in warning and "negative" in warning
    assert lint_prompt("Don't show the sky") and lint_prompt("do not move the camera") and lint_prompt("don’t zoom")


def test_lint_several_scenes():
    (warning,) = lint_prompt("A man opens a door. Cut to a beach. Scene 2: a dog", "gen4_turbo")
    assert "'cut to'" in warning and "'scene 2'" in warning


def test_lint_long_prompt():
    (warning,) = lint_prompt("word " * 200, "gen4_image")
    assert "200 words" in warning


def test_lint_clean_prompt_and_audio_models():
    assert lint_prompt(PROMPT, "gen4.5") == []
    assert lint_prompt("No, I don't think so. Then we left.", "eleven_multilingual_v2") == []
    assert lint_prompt("no blur") != []  # no model given: linted as a visual prompt
    assert lint_prompt("   ", "gen4.5") == ["the prompt is only whitespace; describe what should appear"]
    assert lint_prompt("", "gen4.5") == []  # an empty prompt is a refusal (validate_body), not advice
