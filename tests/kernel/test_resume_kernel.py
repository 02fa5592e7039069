"""A kernel killed mid-wait loses nothing: a new kernel's runway_nb.resume() stores the output.

Real jupyter kernels (jupyter_client); the sandbox is served by this test process, so it outlives them.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")


def start_kernel(cwd: Path):
    from jupyter_client.manager import start_new_kernel

    env = {k: v for k, v in os.environ.items() if k not in ("RUNWAYML_API_SECRET", "RUNWAY_NB_HOME",
                                                             "RUNWAY_NB_JOURNAL", "RUNWAYML_BASE_URL")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return start_new_kernel(kernel_name="python3", cwd=str(cwd), env=env, startup_timeout=90)


def run(kc, code: str, timeout: float = 180) -> str:
    """Execute a cell; its stdout, or the error it raised as an assertion."""
    out: list[str] = []

    def hook(msg):
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            out.append("\n".join(content["traceback"]))

    reply = kc.execute_interactive(code, timeout=timeout, output_hook=hook)
    assert reply["content"]["status"] == "ok", "".join(out)
    return "".join(out)


MAKE_CLIENT = """
from runway_nb.client import RunwayML
from runway_nb.observer import journal_observer
try:
    client = RunwayML(api_key={key!r}, base_url={url!r}, journal=True)
except TypeError:  # a client without the journal switch: attach the observer by hand
    client = RunwayML(api_key={key!r}, base_url={url!r}, observers=[journal_observer()])
"""


def test_sigkill_mid_wait_then_resume_in_a_new_kernel(tmp_path):
    sandbox = pytest.importorskip("runway_nb.sandbox", reason="runway_nb.sandbox is not written yet")
    pytest.importorskip("runway_nb.client", reason="runway_nb.client is not written yet")
    pytest.importorskip("jupyter_client")
    with sandbox.serve(time_scale=0.5) as sb:  # gen4_image: ~7 s of service time
        setup = MAKE_CLIENT.format(key=sb.api_key, url=sb.base_url)
        km, kc = start_kernel(tmp_path)
        try:
            out = run(kc, setup + "task = client.text_to_image.create(model='gen4_image', "
                      "prompt_text='a kite over dunes', ratio='1280:720', seed=11)\nprint('TASK', task.id)")
            task_id = out.split("TASK", 1)[1].split()[0]
            kc.execute("task.wait(timeout=600)")  # the kernel is now blocked waiting...
            deadline = time.monotonic() + 30
            while kc.get_iopub_msg(timeout=30)["content"].get("execution_state") != "busy":
                assert time.monotonic() < deadline
            os.kill(km.provisioner.pid, signal.SIGKILL)  # ...and dies
            km.provisioner.process.wait(timeout=30)
        finally:
            kc.stop_channels()
            km.cleanup_resources()
        with sqlite3.connect(tmp_path / ".runway" / "journal.sqlite3") as db:
            status, stored = db.execute("SELECT status, stored FROM tasks WHERE id=?", (task_id,)).fetchone()
        assert status in ("PENDING", "THROTTLED", "RUNNING") and stored is None
        assert not list((tmp_path / "runway_outputs").glob(f"{task_id}_0.*"))

        km, kc = start_kernel(tmp_path)
        try:
            out = run(kc, setup + "import runway_nb, runway_nb.recovery\n"
                      "report = runway_nb.resume(client, timeout=300)\n"
                      "print(report.summary())\n"
                      "print('FILES', *[p for r in report for p in r.paths])")
        finally:
            kc.shutdown()
            kc.stop_channels()
            km.cleanup_resources()
    assert "1 stored" in out, out
    [media] = [p for p in (tmp_path / "runway_outputs").glob(f"{task_id}_0.*") if p.suffix != ".json"]
    assert media.suffix == ".png" and str(media) in out and media.stat().st_size > 1000
    side = json.loads(media.with_suffix(".json").read_text())
    assert side["task_id"] == task_id and side["seed"] == 11 and side["prompt"] == "a kite over dunes"


def test_sigkill_between_create_and_first_poll_then_resume(tmp_path):
    """The kernel dies in the same cell as the create call, right after it returns: the journal already
    has the task (recorded before any poll), so a new kernel's resume() stores its output."""
    from runway_nb import sandbox

    with sandbox.serve(time_scale=0.5) as sb:
        setup = MAKE_CLIENT.format(key=sb.api_key, url=sb.base_url)
        km, kc = start_kernel(tmp_path)
        try:
            kc.execute(setup + "import os, signal\n"
                       "task = client.text_to_image.create(model='gen4_image', prompt_text='a fox in snow', "
                       "ratio='1280:720', seed=5)\n"
                       "os.kill(os.getpid(), signal.SIGKILL)")
            km.provisioner.process.wait(timeout=60)
        finally:
            kc.stop_channels()
            km.cleanup_resources()
        requests = sb.engine.stats()["requests"]  # 1: the create; the kernel died before any poll
        with sqlite3.connect(tmp_path / ".runway" / "journal.sqlite3") as db:
            [(task_id, status, stored)] = db.execute("SELECT id, status, stored FROM tasks").fetchall()
        assert requests == 1 and status == "PENDING" and stored is None, (requests, status)

        km, kc = start_kernel(tmp_path)
        try:
            out = run(kc, setup + "import runway_nb\nreport = runway_nb.resume(client, timeout=300)\n"
                      "print(report.summary())")
        finally:
            kc.shutdown()
            kc.stop_channels()
            km.cleanup_resources()
    assert "1 stored" in out, out
    assert [p for p in (tmp_path / "runway_outputs").glob(f"{task_id}_0.*") if p.suffix == ".png"]
