"""%runway driven through a real InteractiveShell against a served sandbox: every subcommand, every
seed model, bad options (nothing sent), budget, --bg, interrupt-detach, variable inputs, completion."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from runway_nb import catalog

LINES = {  # one command per seed model; {face}/{clip}/{speech} are test files
    "gen4.5": "video --model gen4.5 --duration 2 --ratio 720:1280 --seed 7 a fox running in snow",
    "gen4_turbo": "video --model gen4_turbo --image {face} --duration 2 the camera pushes in",
    "veo3": "video --model veo3 a storm at sea",
    "veo3.1": "video --model veo3.1 --image {face} --last-image {face} --duration 4 --no-audio a day passes",
    "veo3.1_fast": "video --model veo3.1_fast --duration 4 --ratio 1080:1920 waves on rocks",
    "gen4_aleph": "v2v --video {clip} --ref {face} make it a watercolour",
    "act_two": "act --character {face} --reference {clip} --expression-intensity 4 --body-control",
    "gen4_image": "image --model gen4_image --ratio 1280:720 --ref {face}=Subject @Subject in a garden",
    "gen4_image_turbo": "image --model gen4_image_turbo --ratio 720:720 --ref {face} a red kite",
    "gemini_2.5_flash": "image --model gemini_2.5_flash --ratio 1024:1024 a lighthouse at dusk",
    "eleven_multilingual_v2": "speech --voice Bernard Hello, and welcome to the notebook",
    "eleven_text_to_sound_v2": "sfx --duration 3 --loop thunder rumbling far away",
    "eleven_voice_isolation": "isolate --audio {speech}",
    "eleven_voice_dubbing": "dub --audio {speech} --lang fr --num-speakers 1",
    "eleven_multilingual_sts_v2": "sts --media {speech} --voice Pip --remove-background-noise",
}
EXT = {"video": ".mp4", "image": ".png", "audio": ".mp3"}


def run(ip, code: str):
    """Run a cell; (result, stdout, stderr). A UsageError shows as stderr text, never a traceback."""
    with capture_output(display=False) as cap:
        res = ip.run_cell(code, store_history=True)
    return res, cap.stdout, cap.stderr


def line_for(model: str, media) -> str:
    return LINES[model].format(face=media / "face.png", clip=media / "clip.mp4", speech=media / "speech.mp3")


def created(sandbox) -> int:
    return sandbox.stats()["created"]


def test_every_seed_model_has_a_line():
    assert set(LINES) == set(catalog.MODELS)


@pytest.mark.parametrize("model", list(LINES))
def test_each_seed_model_runs_and_costs_what_cost_said(ip, sandbox, media, model):
    line = line_for(model, media)
    res, out, err = run(ip, f"plan = %runway cost {line}\nbefore = %runway credits")
    assert res.success, err
    plan = ip.user_ns["plan"]
    assert not plan.problems and plan.credits > 0
    res, out, err = run(ip, f"r = %runway {line}\nafter = %runway credits")
    assert res.success, err
    r = ip.user_ns["r"]
    assert r.status == "SUCCEEDED", r.message
    assert r.task.model == model
    assert r.task.estimate.credits == plan.credits  # the client's estimate = %runway cost
    assert ip.user_ns["before"] - ip.user_ns["after"] == plan.credits  # = what the sandbox charged
    assert r.files and r.files[0].is_file() and r.files[0].suffix == EXT[catalog.MODELS[model].kind]
    assert "sandbox: synthetic outputs" in out  # the badge, on the live line and the summary
    side = json.loads(r.files[0].with_suffix(".json").read_text())  # written once the journal had the end
    assert side["cost_credits"] == plan.credits and side["timings"].get("total_seconds") is not None


def test_result_is_returned_to_underscore_and_progress_is_a_text_bar(ip, media):
    res, out, err = run(ip, "%runway image --ratio 1280:720 a quiet harbour")
    assert res.success, err
    assert res.result is ip.user_ns["_"]
    assert res.result.status == "SUCCEEDED"
    assert "\r[" in out and "%" in out  # the carriage-return progress line
    assert "SUCCEEDED" in out and "Traceback" not in out + err


def test_cell_magic_body_is_the_prompt_with_interpolation(ip):
    ip.user_ns["colour"] = "crimson"
    res, out, err = run(ip, "%%runway image --ratio 1280:720\nA {colour} kite over $colour dunes\n")
    assert res.success, err
    assert res.result.task.snapshot().prompt == "A crimson kite over crimson dunes"
    res, out, err = run(ip, "x = %runway cost image a {colour.upper()} kite")
    assert ip.user_ns["x"].body["promptText"] == "a CRIMSON kite"


BAD = [
    ("video --ratio 999:1 a cat", ["--ratio", "999:1", "1280:720"]),
    ("video --model veo3 --seed 4 a cat", ["--seed is not accepted by veo3"]),
    ("video --model gen4_turbo a cat", ["--image"]),
    ("video --model gen4_image a cat", ["not a video model"]),  # a known model on the wrong command
    ("image --model gen4_image_turbo a cat", ["--ref"]),
    ("image --model gemini_2.5_flash --seed 3 a cat", ["--seed is not accepted by gemini_2.5_flash"]),
    ("speech --voice Bob hello", ["voice", "Bob"]),
    ("dub --audio {speech} --lang xx", ["--lang", "xx"]),
    ("video --image missing.png a cat", ["missing.png", "not a URL, an existing file, or a variable"]),
    ("video --duration soon a cat", ["--duration", "soon"]),
    ("video --duration 30 a cat", ["--duration", "30"]),
    ("video --last-image {face} a cat", ["--last-image needs --image"]),
    ("video --model gen4.5 --image {face} --last-image {face} a cat", ["--last-image is not accepted by gen4.5"]),
    ("act --character {face}", ["--reference"]),
    ("isolate --audio {speech} some words", ["takes no prompt"]),
    ("sts --media {face} --voice Maya", ["--media", "audio or video"]),
    ("video", ["needs a prompt"]),
    ("frob", ["invalid choice", "frob"]),
    ("", ["give a subcommand"]),
    ("budget lots", ["budget", "number"]),
    ("image --ref {face}=x a cat @x", ["tag"]),
]


@pytest.mark.parametrize("line,expect", BAD)
def test_bad_options_give_a_short_message_and_send_nothing(ip, sandbox, media, line, expect):
    before = sandbox.stats()
    res, out, err = run(ip, "%runway " + line.format(face=media / "face.png", speech=media / "speech.mp3"))
    assert isinstance(res.error_in_exec, UsageError), (out, err)
    message = str(res.error_in_exec)
    for fragment in expect:
        assert fragment.lower() in message.lower(), message
    assert "Traceback" not in err and err.startswith("UsageError")
    after = sandbox.stats()
    assert after["created"] == before["created"] and after["uploads"] == before["uploads"]


def test_cell_and_line_prompt_together_is_refused(ip, sandbox):
    n = created(sandbox)
    res, out, err = run(ip, "%%runway image a cat\nand a dog\n")
    assert isinstance(res.error_in_exec, UsageError) and "not both" in str(res.error_in_exec)
    assert created(sandbox) == n


def test_help_pages(ip):
    res, text, err = run(ip, "%runway?")
    for word in ("video", "v2v", "act", "image", "speech", "sfx", "isolate", "dub", "sts", "budget", "--last-image",
                 "--expression-intensity", "Examples", "%runway cost video"):
        assert word in text, word
    res, out, err = run(ip, "%runway video --help")
    assert res.success and res.result is None
    assert "usage: %runway video" in out and "--no-audio" in out and "examples:" in out
    res, out, err = run(ip, "%runway cost --help")
    assert res.success and "cost" in out


def test_budget_refuses_a_task_past_the_cap(ip, sandbox):
    run(ip, "%runway budget 10")
    for _ in range(2):  # 5 + 5 credits: exactly the cap
        res, out, err = run(ip, "%runway image --ratio 1280:720 a small boat")
        assert res.success, err
    n = created(sandbox)
    res, out, err = run(ip, "%runway image --ratio 1280:720 one boat too many")
    assert isinstance(res.error_in_exec, UsageError) and "refused" in str(res.error_in_exec)
    assert "10 credit budget" in str(res.error_in_exec)
    assert created(sandbox) == n
    res, out, err = run(ip, "%runway budget")
    assert "spent 10 credits" in out
    run(ip, "%runway budget off")
    res, out, err = run(ip, "%runway image --ratio 1280:720 now it may")
    assert res.success, err


def test_config_settings(ip):
    run(ip, "%config Runway.default_video_model = 'veo3.1_fast'")
    res, out, err = run(ip, "%runway cost video waves")
    assert res.result.request.model == "veo3.1_fast"
    run(ip, "%config Runway.budget = 1.0")
    res, out, err = run(ip, "%runway image --ratio 1280:720 a cat")
    assert isinstance(res.error_in_exec, UsageError) and "refused" in str(res.error_in_exec)
    run(ip, "%config Runway.budget = None")
    run(ip, "%config Runway.output_folder = 'renders'")
    res, out, err = run(ip, "%runway image --ratio 1280:720 a cat")
    assert res.result.files[0].parent.name == "renders"
    res, out, err = run(ip, "cfg = %runway config")
    settings = {row["setting"] for row in ip.user_ns["cfg"]}
    assert {"Runway.default_video_model", "Runway.output_folder", "Runway.budget", "Runway.sandbox",
            "Runway.poll_time_scale", "Runway.wait", "Runway.timeout"} <= settings


def test_bg_returns_at_once_and_keeps_following(ip):
    res, out, err = run(ip, "x = %runway video --bg --duration 2 a slow pan")
    assert res.success, err
    x = ip.user_ns["x"]
    assert "background" in out
    assert x.status not in ("SUCCEEDED", "FAILED", "CANCELLED")
    assert not x.done.is_set()
    assert x.done.wait(60)
    assert x.status == "SUCCEEDED" and x.files[0].is_file()


def test_wait_false_setting_means_background(ip):
    run(ip, "%config Runway.wait = False")
    res, out, err = run(ip, "y = %runway image --ratio 1280:720 a map")
    y = ip.user_ns["y"]
    assert "background" in out
    assert y.done.wait(60) and y.status == "SUCCEEDED"


def test_interrupt_while_waiting_detaches_and_keeps_following(ip, monkeypatch):
    from runway_nb import tasks

    real_wait = tasks.Task.wait
    calls = []

    def interrupted(self, timeout=600):
        calls.append(self.id)
        if len(calls) == 1:
            raise KeyboardInterrupt  # Ctrl-C / "interrupt the kernel" lands in the wait
        return real_wait(self, timeout)

    monkeypatch.setattr(tasks.Task, "wait", interrupted)
    res, out, err = run(ip, "z = %runway video --duration 2 a lighthouse beam")
    assert res.success, err  # no KeyboardInterrupt escapes: the task is not lost
    z = ip.user_ns["z"]
    assert z.detached and "detached" in err and z.task.id[:8] in err
    assert z.done.wait(60), "the task is still followed in the background"
    assert z.status == "SUCCEEDED" and z.files[0].is_file()


def test_timeout_detaches_too(ip):
    res, out, err = run(ip, "t = %runway video --timeout 0.001 --duration 2 a long shot")
    assert res.success, err
    t = ip.user_ns["t"]
    assert t.detached and "detached" in err
    assert t.done.wait(60) and t.status == "SUCCEEDED"


def test_variable_inputs(ip, media):
    from PIL import Image

    ip.user_ns["pic"] = Image.new("RGB", (64, 48), (10, 200, 30))
    ip.user_ns["arr"] = np.zeros((48, 64, 3), dtype=np.uint8)
    ip.user_ns["raw"] = (media / "face.png").read_bytes()
    ip.user_ns["where"] = str(media / "face.png")
    ip.user_ns["sound"] = (media / "speech.mp3").read_bytes()
    for name in ("pic", "arr", "raw", "where"):
        res, out, err = run(ip, f"v = %runway video --model gen4_turbo --image {name} --duration 2 move")
        assert res.success, (name, err)
        assert ip.user_ns["v"].status == "SUCCEEDED"
    res, out, err = run(ip, "d = %runway dub --audio sound --lang de")
    assert res.success, err
    # a previous result, and one of its outputs, as inputs to the next step
    res, out, err = run(ip, "still = %runway image --ratio 1280:720 a red door")
    assert res.success, err
    res, out, err = run(ip, "clip = %runway video --model gen4_turbo --image still --duration 4 the door opens")
    assert res.success, err and ip.user_ns["clip"].status == "SUCCEEDED"
    res, out, err = run(ip, "again = %runway video --model gen4_turbo --image still.outputs[0] --duration 2 again")
    assert res.success, err
    res, out, err = run(ip, "act = %runway act --character still --reference clip")
    assert res.success, err and ip.user_ns["act"].status == "SUCCEEDED"


def test_manage_subcommands(ip, sandbox):
    run(ip, "a = %runway image --ratio 1280:720 first")
    tid = ip.user_ns["a"].task.id
    res, out, err = run(ip, "%runway tasks")
    assert tid in repr(res.result) and "SUCCEEDED" in repr(res.result)
    res, out, err = run(ip, f"%runway status {tid[:8]}")
    assert res.result.task.id == tid
    res, out, err = run(ip, "b = %runway video --bg --model veo3 a slow one")
    b = ip.user_ns["b"]
    res, out, err = run(ip, f"%runway cancel {b.task.id}")
    assert "cancelled" in out and b.status == "CANCELLED"
    res, out, err = run(ip, f"%runway cancel {tid}")
    assert "already SUCCEEDED" in out
    res, out, err = run(ip, f"%runway delete {tid}")
    assert "deleted" in out
    assert sandbox.engine.task(tid).deleted
    from runway_nb import RunwayML

    other = RunwayML(api_key=sandbox.api_key, base_url=sandbox.base_url).text_to_image.create(
        model="gen4_image", prompt_text="made elsewhere", ratio="1280:720").wait()
    res, out, err = run(ip, f"%runway status {other.id}")  # not this session's: retrieved, then stored
    assert res.result.task.id == other.id and res.result.status == "SUCCEEDED" and res.result.files
    res, out, err = run(ip, "%runway status 00000000-0000-0000-0000-000000000000")
    assert isinstance(res.error_in_exec, UsageError) and "no task" in str(res.error_in_exec)
    res, out, err = run(ip, "h = %runway history --limit 5")
    assert tid in {row["id"] for row in ip.user_ns["h"]}
    res, out, err = run(ip, "h = %runway history --model veo3")
    assert {row["model"] for row in ip.user_ns["h"]} == {"veo3"}
    res, out, err = run(ip, "h = %runway history --kind image --text FIRST --status succeeded")
    assert [row["id"] for row in ip.user_ns["h"]] == [tid]
    res, out, err = run(ip, "%runway resume")
    assert res.success, err
    res, out, err = run(ip, "m = %runway models")
    assert {row["model"] for row in ip.user_ns["m"]} == set(catalog.MODELS) | set(catalog.api.model_ids())
    res, out, err = run(ip, "m = %runway models audio")
    assert {row["kind"] for row in ip.user_ns["m"]} == {"audio"}
    res, out, err = run(ip, "c = %runway credits")
    assert int(ip.user_ns["c"]) == sandbox.engine.organization()["creditBalance"]
    res, out, err = run(ip, "%runway sandbox status")
    assert "sandbox auto" in out and "sandbox: synthetic outputs" in out


def test_missing_key_uses_the_sandbox_and_says_how_to_set_one(ip, monkeypatch):
    monkeypatch.delenv("RUNWAYML_API_SECRET")
    monkeypatch.delenv("RUNWAYML_BASE_URL")
    res, out, err = run(ip, "k = %runway image --ratio 1280:720 a test card")
    assert res.success, err
    assert "RUNWAYML_API_SECRET" in err and "sandbox" in err
    assert "sandbox: synthetic outputs" in repr(ip.user_ns["k"])
    res, out, err = run(ip, "%runway sandbox off")
    assert isinstance(res.error_in_exec, UsageError)
    assert "RUNWAYML_API_SECRET" in str(res.error_in_exec) and "sandbox on" in str(res.error_in_exec)
    res, out, err = run(ip, "%runway sandbox on")
    assert res.success and "sandbox: synthetic outputs" in out


def complete(ip, text: str) -> list[str]:
    from IPython.core.completer import provisionalcompleter

    with provisionalcompleter():
        return [c.text for c in ip.Completer.completions(text, len(text))]


def test_completion(ip):
    ip.user_ns["poster"] = io.BytesIO()
    assert {"video", "image", "speech", "cost", "budget", "sandbox"} <= set(complete(ip, "%runway "))
    assert set(complete(ip, "%runway vi")) == {"video"}
    video_models = set(complete(ip, "%runway video --model "))
    assert video_models >= {"gen4.5", "gen4_turbo", "veo3", "veo3.1", "veo3.1_fast", "kling_4", "seedance2"}
    assert "gpt_image_2" not in video_models and "gpt_image_2" in set(complete(ip, "%runway image --model g"))
    kling_ratios = catalog.api.variant("text_to_video.create", "kling_4")["fields"]["ratio"]["shape"]["values"]
    assert set(complete(ip, "%runway video --model kling_4 --ratio ")) == set(kling_ratios)
    kling_flags = set(complete(ip, "%runway video --model kling_4 --"))
    assert {"--ratio", "--duration", "--ref", "--set"} <= kling_flags and "--seed" not in kling_flags
    assert set(complete(ip, "%runway recipe ")) >= {"product_ad", "multi_shot_video"}
    assert "--product-images" in set(complete(ip, "%runway recipe product_ad --pro"))
    assert set(complete(ip, "%runway upscale --input clip.mp4 --model ")) >= {"enhance_frame_rate",
                                                                             "magnific_precision_upscaler_v2"}
    assert set(complete(ip, "%runway voices ")) == {"list", "preview", "design", "delete"}
    assert set(complete(ip, "%runway video --model kling3.0_pro --set providerSettings.")) == {
        "providerSettings.multiPrompt=", "providerSettings.shotType="}
    assert set(complete(ip, "%runway video --model veo3.1 --ratio ")) == set(catalog.VEO_RATIOS)
    assert set(complete(ip, "%runway video --model gen4.5 --ratio ")) == set(catalog.T2V_GEN45_RATIOS)
    assert set(complete(ip, "%runway video --model gen4.5 --ratio 1280:")) == {"1280:720"}
    assert set(complete(ip, "%runway image --model gemini_2.5_flash --ratio ")) == set(catalog.GEMINI_RATIOS)
    assert set(complete(ip, "%runway speech --voice Ma")) == {"Maya", "Mabel", "Mark", "Malachi", "Marlene",
                                                              "Martin", "Maggie", "Mariah"}
    assert set(complete(ip, "%runway dub --lang f")) == {"fr", "fi", "fil"}
    assert set(complete(ip, "%runway video --model veo3.1 --duration ")) == {"4", "6", "8"}
    veo3 = set(complete(ip, "%runway video --model veo3 --"))
    assert "--seed" not in veo3 and "--ratio" in veo3 and "--last-image" not in veo3
    assert "--last-image" in set(complete(ip, "%runway video --model veo3.1 --"))
    assert "--expression-intensity" in set(complete(ip, "%runway act --ex"))
    assert "poster" in set(complete(ip, "%runway video --image po"))
    assert set(complete(ip, "%runway sandbox ")) == {"on", "off", "status"}
    assert "video" in set(complete(ip, "%runway cost vi"))
    assert "video" in set(complete(ip, "x = %runway vi"))
    assert "--ratio" in set(complete(ip, "%%runway image --ra"))


def test_unload_removes_the_magic(ip):
    ip.run_line_magic("unload_ext", "runway_nb")
    assert "runway" not in ip.magics_manager.magics["line"]
    ip.run_line_magic("load_ext", "runway_nb")
    assert "runway" in ip.magics_manager.magics["line"] and "runway" in ip.magics_manager.magics["cell"]


def test_a_failed_task_stops_the_cell_with_its_reason(ip, sandbox):
    from runway_nb.sandbox import FaultProfile

    sandbox.set_faults(FaultProfile(fail_rate=1.0, failure_codes=("SAFETY.INPUT.TEXT",)))
    try:
        res, out, err = run(ip, "%runway image --ratio 1280:720 a forbidden thing")
    finally:
        sandbox.set_faults("none")
    assert isinstance(res.error_in_exec, UsageError)  # "Run all" stops here, with no traceback
    assert "SAFETY.INPUT.TEXT" in str(res.error_in_exec) and "Traceback" not in err
    assert "FAILED" in out


def test_prompt_advice_is_a_short_note(ip):
    res, out, err = run(ip, "%runway image --ratio 1280:720 a portrait, no blur")
    assert res.success and "note: prompt:" in err and "negative phrasing" in err
