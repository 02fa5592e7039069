"""One %runway end to end through a real Jupyter kernel (jupyter_client): the live view, the plain
HTML it leaves behind, `_`, and the stored output in the kernel's working directory."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("jupyter_client")
ROOT = Path(__file__).resolve().parents[2]
WIDGET = "application/vnd.jupyter.widget-view+json"


def start_kernel(cwd: Path, sandbox):
    from jupyter_client.manager import start_new_kernel

    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNWAY_NB_", "RUNWAYML_"))}
    env.update(RUNWAYML_BASE_URL=sandbox.base_url, RUNWAYML_API_SECRET=sandbox.api_key,
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    return start_new_kernel(kernel_name="python3", cwd=str(cwd), env=env, startup_timeout=90)


def execute(kc, code: str, timeout: float = 120):
    """Run a cell; its reply and every iopub message it caused."""
    msgs: list[dict] = []
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=msgs.append)
    return reply, msgs


def test_runway_image_in_a_kernel(tmp_path, sandbox):
    km, kc = start_kernel(tmp_path, sandbox)
    try:
        reply, msgs = execute(kc, "%load_ext runway_nb\n%config Runway.poll_time_scale = 0.01")
        assert reply["content"]["status"] == "ok", msgs
        charged = sandbox.stats()["creditsCharged"]
        reply, msgs = execute(kc, "%runway image --ratio 1280:720 --seed 3 a kite over dunes")
        kinds = [m["msg_type"] for m in msgs]
        assert reply["content"]["status"] == "ok", [m["content"] for m in msgs]
        assert "error" not in kinds
        shown = [m["content"] for m in msgs if m["msg_type"] == "display_data"]
        assert shown and WIDGET in shown[0]["data"]  # the live TaskView...
        assert "text/html" in shown[0]["data"] and "text/plain" in shown[0]["data"]  # ...with fallbacks
        display_id = shown[0]["transient"]["display_id"]
        updates = [m["content"] for m in msgs if m["msg_type"] == "update_display_data"
                   and m["content"]["transient"]["display_id"] == display_id]
        assert updates, kinds
        final = updates[-1]["data"]  # ...replaced by plain HTML, which a saved notebook still shows
        assert WIDGET not in final
        assert "runway_outputs/" in final["text/html"] and "<img" in final["text/html"]
        assert "sandbox: synthetic outputs" in final["text/html"]
        assert "execute_result" not in kinds  # the result is shown once, by its live view

        reply, msgs = execute(kc, "import json; print(json.dumps([_.task.id, _.status, [str(p) for p in _.files]]))")
        out = "".join(m["content"].get("text", "") for m in msgs if m["msg_type"] == "stream")
        task_id, status, files = json.loads(out)
        assert status == "SUCCEEDED" and len(files) == 1
        stored = tmp_path / files[0]
        assert stored.is_file() and stored.suffix == ".png" and stored.parent.name == "runway_outputs"
        assert f"runway_outputs/{stored.name}" in final["text/html"]
        assert json.loads(stored.with_suffix(".json").read_text())["task_id"] == task_id
        with sqlite3.connect(tmp_path / ".runway" / "journal.sqlite3") as db:
            row = db.execute("SELECT status, stored FROM tasks WHERE id=?", (task_id,)).fetchone()
        assert row[0] == "SUCCEEDED" and stored.name in row[1]
        assert sandbox.stats()["creditsCharged"] - charged == 5  # gen4_image at 720p

        reply, msgs = execute(kc, "%runway video --model veo3 --seed 2 a cat")
        stderr = "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream"
                         and m["content"]["name"] == "stderr")
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "UsageError"
        assert "--seed is not accepted by veo3" in stderr and "Traceback" not in stderr  # short, no traceback
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
