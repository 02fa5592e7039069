"""The %runway grammar without IPython or a network: options come from the catalog, checks name the option."""

from __future__ import annotations

import pytest

from runway_nb import catalog
from runway_nb import magic_args as a
from runway_nb import magic_request as mr
from runway_nb.magics import candidates

DEFAULTS = {"video": "gen4.5", "image": "gen4_image"}


def request(line: str, cell: str | None = None, ns: dict | None = None) -> mr.Request:
    return mr.to_request(a.parse_argv(a.split(line)), cell, ns or {}, DEFAULTS)


def test_every_catalog_field_has_an_option():
    from runway_nb import magic_models, shapes

    for sub in a.SUBS:
        flags = {o.wire: o.flag for o in a.options_for(sub)}
        for path in a.SUBS[sub].paths:
            for model in magic_models.models_on(path) or (None,):
                ep = magic_models.endpoint(model, path)
                for p in ep.params if ep else ():
                    assert p.name in a.PROMPT_FIELDS or p.name in flags, (sub, model, p.name)
                shape = magic_models.variant(model, path)
                for wire in magic_models.fields_of(shape) if shape else ():  # the rest: --set reaches them
                    magic_models.check_path([wire], shape, f"{model}")
    on_video = set(shapes.models_on("/v1/text_to_video")) | set(shapes.models_on("/v1/image_to_video"))
    assert set(a.models_for("video")) == {"gen4.5", "gen4_turbo", "veo3", "veo3.1", "veo3.1_fast"} | on_video
    assert "kling_4" in a.models_for("video") and "gpt_image_2" in a.models_for("image")
    assert {o.flag for o in a.options_for("act")} >= {"--character", "--reference", "--expression-intensity",
                                                      "--body-control"}
    assert {o.flag for o in a.options_for("dub")} >= {"--audio", "--lang", "--num-speakers"}


def test_text_to_video_fills_required_defaults_and_routes():
    r = request("video a red fox --duration 3")
    assert (r.model, r.path) == ("gen4.5", "/v1/text_to_video")
    assert r.fields == {"promptText": "a red fox", "duration": 3, "ratio": "1280:720"}
    assert r.body() == {"model": "gen4.5", "promptText": "a red fox", "duration": 3, "ratio": "1280:720"}


def test_keyframes_and_bools(tmp_path):
    img = tmp_path / "a.png"
    img.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    r = request(f"video --model veo3.1 --image {img} --last-image {img} --no-audio a day")
    assert r.path == "/v1/image_to_video"
    assert r.fields["promptImage"] == [{"uri": img, "position": "first"}, {"uri": img, "position": "last"}]
    assert r.fields["audio"] is False
    assert r.preview()["promptImage"][0]["uri"].startswith("https://")


def test_reference_tags_and_voice_and_typed_inputs(tmp_path):
    r = request("image --ref https://x.example/a.png=Cat --ref https://x.example/b.png?sig=abc @Cat on a mat")
    assert r.fields["referenceImages"] == [{"uri": "https://x.example/a.png", "tag": "Cat"},
                                           {"uri": "https://x.example/b.png?sig=abc"}]
    assert request("speech --voice Pip hi").fields["voice"] == {"type": "runway-preset", "presetId": "Pip"}
    assert request("speech hi").fields["voice"]["presetId"] == "Maya"  # the catalog's default
    r = request("act --character https://x.example/c.mp4 --reference https://x.example/r.mov")
    assert r.fields["character"] == {"type": "video", "uri": "https://x.example/c.mp4"}
    r = request("v2v --video https://x.example/v.mp4 --ref https://x.example/s.png restyle")
    assert r.fields["references"] == [{"type": "image", "uri": "https://x.example/s.png"}]


def test_split_tag():
    assert a.split_tag("cat.png=Cat") == ("cat.png", "Cat")
    assert a.split_tag("https://h.example/a.png?sig=abc") == ("https://h.example/a.png?sig=abc", None)
    assert a.split_tag("https://h.example/a.png?sig=abc=Dog") == ("https://h.example/a.png?sig=abc", "Dog")
    assert a.split_tag("plain.png") == ("plain.png", None)


def test_inputs_from_the_namespace(tmp_path):
    class Out:
        url = "http://127.0.0.1:9/o.png"
        path = None

        def read(self):
            return b"bytes of it"

    class Res:
        files = [tmp_path / "r.png"]
        outputs = [Out()]

    ns = {"o": Out(), "res": Res(), "data": bytearray(b"xy"), "p": str(tmp_path)}
    assert a.resolve_input("o", ns, "--image") == b"bytes of it"  # a loopback URL is not an input URL
    assert a.resolve_input("res", ns, "--image") == tmp_path / "r.png"  # a result: its stored file
    assert a.resolve_input("res.outputs[0]", ns, "--image") == b"bytes of it"
    assert a.resolve_input("data", ns, "--image") == b"xy"
    assert a.resolve_input("https://h.example/x.png", ns, "--image") == "https://h.example/x.png"
    with pytest.raises(a.ArgsError, match="not a URL"):
        a.resolve_input("nothing_here", ns, "--image")


def test_prompt_sources():
    assert request("image", cell="  a kite\n").fields["promptText"] == "a kite"
    with pytest.raises(a.ArgsError, match="not both"):
        request("image a", cell="b")
    assert request("image it's a cat's hat").fields["promptText"] == "it's a cat's hat"


@pytest.mark.parametrize("line,match", [
    ("video --model veo3 --seed 1 x", "--seed is not accepted by veo3"),
    ("video --model gen4_turbo x", "--image"),
    ("image --model gen4_image_turbo x", "--ref"),
    ("isolate --audio https://h.example/a.mp3 words", "no prompt"),
    ("video --bogus x", "unrecognized arguments"),
    ("sfx --duration short boom", "invalid float"),
])
def test_errors_name_the_option(line, match):
    with pytest.raises(a.ArgsError, match=match):
        request(line)


def test_help_is_generated(capsys):
    with pytest.raises(a.HelpShown):
        a.parse_argv(["act", "--help"])
    text = capsys.readouterr().out
    assert "usage: %runway act" in text and "--expression-intensity" in text and "1..5" in text


def test_problem_text_uses_option_names():
    from runway_nb.validate import Problem

    assert mr.problem_text(Problem("referenceImages.1.uri", "x", "bad")) == "--ref: bad"
    assert mr.problem_text(Problem("promptText", "x", "too long")) == "prompt: too long"
    assert mr.problem_text(Problem("targetLang", "x", "no")) == "--lang: no"


def test_completion_candidates():
    assert "video" in candidates([], "", DEFAULTS)
    assert candidates(["video", "--model"], "", DEFAULTS) == list(a.models_for("video"))
    assert candidates(["video", "--model", "veo3.1", "--ratio"], "", DEFAULTS) == list(catalog.VEO_RATIOS)
    assert candidates(["dub", "--lang"], "", DEFAULTS) == list(catalog.DUBBING_LANGUAGES)
    assert candidates(["act", "--expression-intensity"], "", DEFAULTS) == ["1", "2", "3", "4", "5"]
    assert "--seed" not in candidates(["image", "--model", "gemini_2.5_flash"], "--", DEFAULTS)
    assert candidates(["video", "--image"], "", DEFAULTS, ["img", "_hidden"]) == ["img"]
    assert candidates(["cost", "image", "--ratio"], "", {"image": "gemini_2.5_flash"}) == list(catalog.GEMINI_RATIOS)
    ops = candidates(["history", "--operation"], "", DEFAULTS)
    assert {"text_to_video", "video_upscale", "generate.video", "recipes.product_ad", "recipes.*", "workflows.run"} <= set(ops)
    assert "voices.create" not in ops and "tasks.retrieve" not in ops  # only operations that make tasks
    assert candidates(["history", "--kind"], "", DEFAULTS) == []


def test_media_kind(tmp_path):
    png = tmp_path / "x.bin"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    assert a.media_kind(png) == "image"  # sniffed from the bytes, not the name
    assert a.media_kind("https://h.example/v.webm?x=1") == "video"
    assert a.media_kind("data:audio/mpeg;base64,AAAA") == "audio"
