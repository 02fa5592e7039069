"""%runway for the models and operations only the pinned SDK's types describe, in a real InteractiveShell
against a served sandbox: new models on every kind, the new subcommands (upscale, hdr, sound, recipe),
--set for nested fields, per-model help, and bad --set refused before anything is sent."""

from __future__ import annotations

import json

import pytest
from IPython.core.error import UsageError
from test_magics_shell import created, run

from runway_nb.catalog import api

NEW_MODELS = {  # model -> (line, the wire fields the sandbox must have been sent)
    "kling_4": ("video --model kling_4 --duration 5 --ratio 1280:720 a fox in the snow",
                {"model": "kling_4", "duration": 5, "ratio": "1280:720"}),
    "gpt_image_2": ("image --model gpt_image_2 --ratio 1920:1088 a red kite over a beach",
                    {"model": "gpt_image_2", "ratio": "1920:1088"}),
    "eleven_v3": ("speech --model eleven_v3 --voice Rachel --stability 0.5 [whispers] hello there",
                  {"model": "eleven_v3", "voice": {"type": "runway-preset", "presetId": "Rachel"}, "stability": 0.5}),
    "mirelo_sfx_2_0": ("sound --video {clip} --duration 4 waves on rocks",
                       {"model": "mirelo_sfx_2_0", "duration": 4}),
}


def sent_body(sandbox, task_id: str) -> dict:
    return sandbox.engine.task(task_id).body


def last_task(ip):
    return list(ip._runway_nb_magics.session.results.values())[-1]


@pytest.mark.parametrize("model", list(NEW_MODELS))
def test_new_models_run_through_the_one_plan(ip, sandbox, media, model):
    line, expect = NEW_MODELS[model]
    line = line.format(clip=media / "clip.mp4")
    res, out, err = run(ip, f"plan = %runway cost {line}")
    assert res.success, err
    plan = ip.user_ns["plan"]
    assert not plan.problems and plan.credits is None and "unknown until Runway answers" in repr(plan)
    res, out, err = run(ip, f"r = %runway {line}")
    assert res.success, err
    r = ip.user_ns["r"]
    assert r.status == "SUCCEEDED" and r.files and r.files[0].is_file()
    body = sent_body(sandbox, r.task.id)
    assert {k: body[k] for k in expect} == expect
    snap = r.task.snapshot()
    assert snap.model == model and (snap.cost_credits or 0) > 0  # the server's figure, since none is published
    res, out, err = run(ip, "h = %runway history --limit 1")
    assert ip.user_ns["h"][0]["id"] == r.task.id  # journaled like any task


def test_set_builds_nested_fields_and_they_reach_the_server(ip, sandbox):
    line = ("%runway video --model kling3.0_pro --ratio 1920:1080 --duration 10 "
            "--set providerSettings.multiPrompt='[{\"prompt\":\"a fox wakes\",\"duration\":5},"
            "{\"prompt\":\"it runs\",\"duration\":5}]' --set providerSettings.shotType=customize a fox's day")
    res, out, err = run(ip, "r = " + line)
    assert res.success, err
    body = sent_body(sandbox, ip.user_ns["r"].task.id)
    assert body["providerSettings"] == {"multiPrompt": [{"prompt": "a fox wakes", "duration": 5},
                                                        {"prompt": "it runs", "duration": 5}],
                                        "shotType": "customize"}
    assert body["promptText"] == "a fox's day"


@pytest.mark.parametrize("line,expect", [
    ("video --model kling3.0_pro --ratio 1920:1080 --set providerSettings.multiPromt=[] a fox",
     ["providerSettings.multiPromt", "multiPrompt"]),  # no such field: named, with what is accepted
    ("video --model kling3.0_pro --ratio 1920:1080 --set providerSettings.multiPrompt=5 a fox",
     ["--set providerSettings.multiPrompt", "list"]),  # a value of the wrong type: the plan's check
    ("video --model kling3.0_pro --ratio 1920:1080 --set 'providerSettings.multiPrompt=[{\"prompt\":\"a\"}]' a fox",
     ["providerSettings.multiPrompt.0.duration", "required"]),
    ("video --model kling_4 --set nope=1 a fox", ["no field 'nope'", "references"]),
    ("video --model kling_4 --set =1 a fox", ["FIELD=VALUE"]),
    ("upscale --input {face} --model enhance_frame_rate", ["enhance_frame_rate upscales a video"]),
    ("speech --model eleven_v3 --voice my_voice_id hello", ["--voice 'my_voice_id'", "Maya"]),
    ("image --model gpt_image_2 a kite", ["needs --ratio", "1920:1088"]),
])
def test_bad_set_and_options_are_refused_before_anything_is_sent(ip, sandbox, media, line, expect):
    before = created(sandbox)
    res, out, err = run(ip, "%runway " + line.replace("{face}", str(media / "face.png")))
    assert isinstance(res.error_in_exec, UsageError), (out, err)
    for fragment in expect:
        assert fragment in str(res.error_in_exec), str(res.error_in_exec)
    assert created(sandbox) == before


def test_upscale_of_a_generated_image_and_hdr_of_a_generated_video(ip, sandbox):
    res, out, err = run(ip, "img = %runway image --ratio 1280:720 a lighthouse")
    assert res.success, err
    res, out, err = run(ip, "up = %runway upscale --input img --scale-factor 4")
    assert res.success, err
    up = ip.user_ns["up"]
    assert up.status == "SUCCEEDED" and up.request.path == "/v1/image_upscale" and up.files
    assert sent_body(sandbox, up.task.id)["scaleFactor"] == 4
    res, out, err = run(ip, "vid = %runway video --duration 2 waves")
    assert res.success, err
    res, out, err = run(ip, "h = %runway hdr --video vid --output-format hlg")
    assert res.success, err
    h = ip.user_ns["h"]
    assert h.status == "SUCCEEDED" and h.request.path == "/v1/video_to_hdr" and h.files
    assert sent_body(sandbox, h.task.id)["outputFormat"] == "hlg"
    res, out, err = run(ip, "v = %runway upscale --input vid --model enhance_frame_rate --target-framerate 60")
    assert res.success, err
    assert ip.user_ns["v"].request.path == "/v1/video_upscale" and ip.user_ns["v"].status == "SUCCEEDED"


def test_recipe_product_ad(ip, sandbox, media):
    line = f"r = %runway recipe product_ad --version 2026-07 --product-images {media / 'face.png'} --duration 5 " \
           "--user-concept 'calm morning light'"
    res, out, err = run(ip, line)
    assert res.success, err
    r = ip.user_ns["r"]
    assert r.status == "SUCCEEDED" and r.files and r.request.path == "/v1/recipes/product_ad"
    body = sent_body(sandbox, r.task.id)
    assert body["userConcept"] == "calm morning light" and body["productImages"][0]["uri"].startswith(
        ("data:", "runway://", "https://"))
    res, out, err = run(ip, "%runway recipe nosuch --version 2026-07")
    assert isinstance(res.error_in_exec, UsageError) and "product_ad" in str(res.error_in_exec)


def test_help_for_one_model_lists_exactly_its_fields(ip):
    res, out, err = run(ip, "%runway video --help --model kling_4")
    assert res.success, err
    shape = api.variant("text_to_video.create", "kling_4")
    listed = {ln.split()[0] for ln in out.splitlines() if ln.startswith("  ") and not ln.startswith("      ")}
    t2v = {w for w in shape["fields"] if w != "model"}
    i2v = {w for w in api.variant("image_to_video.create", "kling_4")["fields"] if w != "model"}
    top = {name for name in listed if "." not in name}
    assert top == t2v | i2v  # both of its operations, nothing of other models
    assert "seed" not in top and "providerSettings" not in top
    assert "1280:720, 720:1280" in out and "auto_1080p" in out  # the enum's values in words
    assert "--ratio" in out and "--set references.N.uri" in out and "required" in out
    assert "A text prompt describing what should happen in the video." in out  # the doc's first sentence
    assert "price not published" in out and "(Kling)" in out
    res, out, err = run(ip, "%runway upscale --help --model magnific_precision_upscaler_v2")
    assert "smartGrain" in out and "from 0 to 100" in out and "2, 4, 8 or 16" in out


def test_the_models_table_and_the_help_page(ip):
    res, out, err = run(ip, "m = %runway models video")
    rows = ip.user_ns["m"]
    assert {r["kind"] for r in rows} == {"video"}
    assert next(r for r in rows if r["model"] == "veo3")["status"].startswith("retired")
    assert next(r for r in rows if r["model"] == "seedance2")["provider"] == "ByteDance"
    assert next(r for r in rows if r["model"] == "veo3.1")["price"].startswith("40 credits/s")
    doc = ip._runway_nb_magics.runway.__doc__
    for sub in ("upscale", "hdr", "sound", "avatar", "generate", "recipe", "voices", "workflow", "--set"):
        assert sub in doc, sub


def test_generate_through_a_router_config_sends_the_input(ip, sandbox):
    res, out, err = run(ip, "plan = %runway cost generate video --config my-router --set input.duration=5 a kite")
    assert res.success, err
    plan = ip.user_ns["plan"]
    assert plan.body == {"configId": "my-router", "input": {"promptText": "a kite", "duration": 5}}
    assert not plan.problems
    res, out, err = run(ip, "%runway generate video a kite")
    assert isinstance(res.error_in_exec, UsageError) and "--config" in str(res.error_in_exec)


def test_set_values_are_json_when_they_parse():
    from runway_nb import magic_models

    assert magic_models.parse_set('a.b=[{"x": 1}]') == (["a", "b"], [{"x": 1}])
    assert magic_models.parse_set("a=true") == (["a"], True)
    assert magic_models.parse_set("a=hello world") == (["a"], "hello world")
    assert magic_models.parse_set('a="5"') == (["a"], "5")
    fields: dict = {}
    magic_models.apply_sets(fields, ["p.q=1", "p.r=x"], None, "m")
    assert fields == {"p": {"q": 1, "r": "x"}}
    assert json.dumps(fields)


def test_a_custom_voice_id_speaks_where_the_types_take_one(ip, sandbox):
    res, out, err = run(ip, "a = %runway avatar --avatar game-character --voice voice_custom_1 Welcome to the show")
    assert res.success, err
    a = ip.user_ns["a"]
    assert a.status == "SUCCEEDED" and a.files and a.request.path == "/v1/avatar_videos"
    body = sent_body(sandbox, a.task.id)
    assert body["speech"] == {"type": "text", "text": "Welcome to the show",
                              "voice": {"type": "custom", "id": "voice_custom_1"}}
    assert body["avatar"] == {"type": "runway-preset", "presetId": "game-character"}
    before = created(sandbox)
    res, out, err = run(ip, "%runway speech --model eleven_v3 --voice voice_custom_1 hello")
    assert isinstance(res.error_in_exec, UsageError) and "%runway avatar" in str(res.error_in_exec)
    assert created(sandbox) == before


def test_a_model_newer_than_the_catalog_is_sent_and_the_server_decides(ip, sandbox):
    refused = sandbox.engine.stats()["refused"]
    res, out, err = run(ip, "%runway image --model kling_image_9 --ratio 1024:1024 a paper crane")
    assert "note: model 'kling_image_9' is not in runway_nb's catalog; sending it unchecked" in err
    assert "[POST /v1/text_to_image]" in err and "kling_image_9" in err  # the sandbox's 400, shown as text
    assert sandbox.engine.stats()["refused"] == refused + 1  # it reached the server: nothing refused here
