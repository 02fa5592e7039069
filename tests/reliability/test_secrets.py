"""The API key is never written anywhere. A recognisable fake key is set as RUNWAYML_API_SECRET against a
sandbox that requires exactly it; the client, the magics and the example notebooks run end to end (with
faults, so errors and retries happen too); then every file written (journal and its WAL, sidecars,
outputs, the sandbox's own folder, logs captured at DEBUG from every logger including httpx and
httpcore), every exception text and traceback, reprs, HTML, widget state and cell outputs are searched.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import pickle
import shutil
import socket
import traceback
import warnings
from pathlib import Path

import httpx
import pytest
from media_samples import png_bytes
from rel_support import CANARY, CASES, CountingTransport, InstantSynth, ScaledClock, soak_faults
from soak_support import run_lifecycles

from runway_nb import errors
from runway_nb.client import RunwayML
from runway_nb.sandbox import FaultProfile, serve

ROOT = Path(__file__).resolve().parents[2]
TIME_SCALE = 0.002
NEEDLES = [CANARY, CANARY[4:], "RELIABILITY_canary", base64.b64encode(CANARY.encode()).decode(),
           base64.b64encode(f"Bearer {CANARY}".encode()).decode()]


def hits(blob: str | bytes) -> list[str]:
    data = blob if isinstance(blob, bytes) else str(blob).encode("utf-8", "replace")
    return [n for n in NEEDLES if n.encode() in data]


def scan_tree(root: Path) -> tuple[int, list[tuple[str, list[str]]]]:
    """(files read, [(file, needles found)]) over every file under root, dotfiles and WAL included."""
    found, count = [], 0
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        count += 1
        if h := hits(path.read_bytes()):
            found.append((str(path), h))
    return count, found


def exception_texts(exc: BaseException) -> list[str]:
    """Everything an exception shows: its traceback, and str/repr/body of it and of every exception in its
    chain; for runway_nb's own, also the request it keeps (documented as a copy without Authorization)."""
    texts, seen = ["".join(traceback.format_exception(exc))], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        texts += [str(exc), repr(exc), repr(getattr(exc, "body", None))]
        if isinstance(exc, errors.RunwayNBError):
            texts += [f"{r.method} {r.url} {list(r.headers.raw)}" for r in _requests(exc)]
        exc = exc.__cause__ or exc.__context__
    return texts


def _requests(exc: BaseException) -> list[httpx.Request]:
    found = []
    for holder, name in ((exc, "_request"), (exc, "request"), (getattr(exc, "response", None), "_request")):
        request = getattr(holder, name, None) if holder is not None else None
        if isinstance(request, httpx.Request):
            found.append(request)
    return found


def chain_keeping_the_key(exc: BaseException) -> list[str]:
    """Exceptions in the chain (__cause__/__context__) whose request object still carries the key."""
    out, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if any(hits(b"".join(v for _, v in r.headers.raw)) for r in _requests(exc)):
            out.append(type(exc).__name__)
        exc = exc.__cause__ or exc.__context__
    return out


class KeySpy(CountingTransport):
    """Counts requests that carried the key, by whether they went to the API (/v1) or anywhere else."""

    def __init__(self) -> None:
        super().__init__()
        self.with_key = {"api": 0, "elsewhere": 0}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if hits(b"".join(k + b":" + v for k, v in request.headers.raw)):
            self.with_key["api" if request.url.path.startswith("/v1/") else "elsewhere"] += 1
        return await super().handle_async_request(request)


@pytest.fixture
def debug_log(workdir):
    """Every logger at DEBUG into a file (httpx, httpcore, uvicorn, runway_nb, asyncio...); warnings too."""
    path = workdir / "debug.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    names = ("", "httpx", "httpcore", "runway_nb", "uvicorn", "uvicorn.error", "asyncio", "py.warnings")
    saved = {n: logging.getLogger(n).level for n in names}
    root.addHandler(handler)
    for n in names:
        logging.getLogger(n).setLevel(logging.DEBUG)
    logging.captureWarnings(True)
    yield path
    logging.captureWarnings(False)
    root.removeHandler(handler)
    handler.close()
    for n, level in saved.items():
        logging.getLogger(n).setLevel(level)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_key_is_written_nowhere_by_the_client(workdir, media, debug_log, monkeypatch):
    from runway_nb import recovery as resume_mod
    from runway_nb.widgets import TaskView

    texts: list[str] = []
    with serve(api_key=CANARY, time_scale=TIME_SCALE, synth=InstantSynth(), concurrency=5, credits=10**8,
               daily_limit=10**6, faults=soak_faults(), fault_seed=3) as sb:
        monkeypatch.setenv("RUNWAYML_API_SECRET", CANARY)
        monkeypatch.setenv("RUNWAYML_BASE_URL", sb.base_url)
        sandbox_dir = sb.engine._dir
        spy = KeySpy()
        client = RunwayML(transport=spy, clock=ScaledClock(TIME_SCALE))  # the key from the environment
        outcomes = run_lifecycles(client, media, range(2 * len(CASES)), workdir / "runway_outputs", workers=8)
        sb.set_faults(FaultProfile(fail_rate=1.0))  # and one task that surely fails
        doomed = client.text_to_image.create(model="gemini_2.5_flash", prompt_text="a", ratio="1344:768")
        with pytest.raises(errors.TaskFailedError) as failed:
            doomed.wait(timeout=1e6)
        sb.set_faults(None)
        big = workdir / "big.png"
        big.write_bytes(png_bytes() + bytes(6_000_000))  # over the data-URI cap: an ephemeral upload
        upload = client.uploads.create_ephemeral(file=big)
        task = client.image_to_video.create(model="gen4_turbo", prompt_image=upload.uri, ratio="960:960", duration=2)
        task.wait(timeout=1e6)
        view = TaskView(task)
        assert view.ended.wait(30)
        texts += [json.dumps(view.get_state(), default=str), repr(view), str(view._repr_mimebundle_())]
        texts += [repr(client), repr(client.http), repr(client.api_key), str(client.api_key), repr(task),
                  json.dumps(task.to_dict()), repr(task.snapshot()), repr(client.organization.retrieve()),
                  repr(client.organization.retrieve_usage())]
        for out in task.outputs:
            texts += [repr(out), out._repr_html_(), str(out._repr_mimebundle_())]
        with pytest.raises(TypeError):
            pickle.dumps(client.api_key)
        texts += [repr(resume_mod.history()), resume_mod.history()._repr_html_(), repr(resume_mod.costs())]
        report = resume_mod.resume(client)
        texts += [repr(report), report._repr_html_()]
        # errors: a wrong server, nothing listening, a bad request, a missing task
        raised = [e for o in outcomes for e in o.raised] + [failed.value]
        with serve(api_key="another-key-entirely", time_scale=TIME_SCALE, synth=InstantSynth()) as other:
            for attempt in (
                lambda: RunwayML(base_url=other.base_url, journal=False).organization.retrieve(),
                lambda: RunwayML(base_url=f"http://127.0.0.1:{_closed_port()}", journal=False, max_retries=0)
                .text_to_image.create(model="gen4_image", prompt_text="a", ratio="1280:720"),
                lambda: client.text_to_image.create(model="gen4_image", prompt_text="", ratio="1280:720"),
                lambda: client.tasks.retrieve("00000000-0000-0000-0000-000000000000"),
            ):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    with pytest.raises(errors.RunwayNBError) as info:
                        attempt()
                raised.append(info.value)
        assert {type(e).__name__ for e in raised} >= {"AuthenticationError", "APIConnectionError", "ValidationError",
                                                      "NotFoundError", "TaskMayExistError", "TaskFailedError"}
        for exc in raised:
            texts += exception_texts(exc)
        sandbox_files, sandbox_hits = scan_tree(sandbox_dir)
        client.close()
    files, file_hits = scan_tree(workdir)
    text_hits = [(t[:120], h) for t in texts if (h := hits(t))]
    in_memory = sorted({name for exc in raised for name in chain_keeping_the_key(exc)})
    assert spy.with_key["api"] > 0  # the key was used ...
    assert spy.with_key["elsewhere"] == 0  # ... and never sent to an upload or download URL
    assert debug_log.stat().st_size > 10_000 and "httpcore" in debug_log.read_text()
    assert (workdir / ".runway" / "journal.sqlite3").exists() and files > 20 and sandbox_files > 20
    assert file_hits == [] and sandbox_hits == [] and text_hits == []
    print(f"secrets: {files} files written here, {sandbox_files} by the sandbox, {len(texts)} texts, "
          f"{len(raised)} exceptions, {spy.total} requests ({spy.with_key['api']} with the key): 0 hits; "
          f"chained exceptions still holding the key in memory (not written): {in_memory or 'none'}")


def test_no_exception_in_a_chain_keeps_the_key(workdir):
    with serve(api_key=CANARY, time_scale=TIME_SCALE, synth=InstantSynth(),
               faults=FaultProfile(drop_rate=1.0, drop_after=1.0)) as sb:
        client = RunwayML(api_key=CANARY, base_url=sb.base_url, journal=False)
        with pytest.raises(errors.TaskMayExistError) as maybe:
            client.text_to_image.create(model="gen4_image", prompt_text="a", ratio="1280:720")
        client.close()
    nobody = RunwayML(api_key=CANARY, base_url=f"http://127.0.0.1:{_closed_port()}", journal=False, max_retries=0)
    with pytest.raises(errors.APIConnectionError) as refused:
        nobody.organization.retrieve()
    assert chain_keeping_the_key(maybe.value) == [] and chain_keeping_the_key(refused.value) == []


def test_the_key_is_written_nowhere_by_the_magics(shell_for, workdir, media, debug_log):
    from IPython.utils.capture import capture_output

    with serve(api_key=CANARY, time_scale=TIME_SCALE, synth=InstantSynth(), concurrency=5, credits=10**8,
               daily_limit=10**6) as sb:
        shell = shell_for(sb, TIME_SCALE)
        cells = [
            f"%runway image --ratio 1280:720 --ref {media.png}=Cat @Cat on a rug",
            "%runway speech --voice Pip hello there",
            f"%runway v2v --video {media.mp4} make it a watercolour",
            "%runway tasks", "%runway credits", "%runway config", "%runway sandbox", "%runway history",
            "%runway image --ratio 7:7 a bad ratio",
            "%xmode Verbose",
            "from runway_nb import RunwayML\n"
            f"RunwayML(base_url='http://127.0.0.1:{_closed_port()}', max_retries=0).organization.retrieve()",
            "%xmode Context",
        ]
        shown = []
        for cell in cells:
            with capture_output() as cap:
                shell.run_cell(cell, store_history=False)
            shown += [cap.stdout, cap.stderr] + [json.dumps(o.data, default=str) for o in cap.outputs]
        sandbox_files, sandbox_hits = scan_tree(sb.engine._dir)
    assert any("APIConnectionError" in s for s in shown)  # the verbose traceback was shown and searched
    files, file_hits = scan_tree(workdir)
    assert files > 5 and (workdir / ".runway").is_dir()
    assert [h for s in shown if (h := hits(s))] == []
    assert file_hits == [] and sandbox_hits == []


NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
# Here, with widget state and the saved .ipynb searched too: the quickstart (a tour of every face), or every
# notebook with RELIABILITY_NOTEBOOKS=all. The notebooks step (nbval, notebooks/conftest.py) runs all nine
# with a canary key as well and searches every cell's outputs, the journal and every file they wrote.
ALL = os.environ.get("RELIABILITY_NOTEBOOKS") == "all"


@pytest.mark.parametrize("name", NOTEBOOKS if ALL else [n for n in NOTEBOOKS if n == "quickstart.ipynb"])
def test_the_key_is_written_nowhere_by_the_notebooks(name, workdir, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    with serve(api_key=CANARY, time_scale=0.01) as sb:
        ipython = workdir / "ipython" / "profile_default"
        ipython.mkdir(parents=True)
        learn = f"runway_nb.poll.learn({sb.base_url!r}, 1.0, 0.01, 0.01)"  # as notebooks/conftest.py does
        (ipython / "ipython_kernel_config.py").write_text(
            f"c.InteractiveShellApp.exec_lines = ['import runway_nb.poll', {learn!r}]\n")
        for k, v in dict(RUNWAYML_BASE_URL=sb.base_url, RUNWAYML_API_SECRET=CANARY, IPYTHONDIR=str(workdir / "ipython"),
                         RUNWAY_NB_HOME=str(workdir / "journal")).items():
            monkeypatch.setenv(k, v)
        folder = workdir / "nb"
        folder.mkdir()
        shutil.copy(ROOT / "notebooks" / name, folder / name)
        nb = nbformat.read(folder / name, as_version=4)
        nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=True, allow_errors=True,
                                resources={"metadata": {"path": str(folder)}}).execute()
        nbformat.write(nb, folder / f"executed-{name}")
        sandbox_files, sandbox_hits = scan_tree(sb.engine._dir)
    # a cell that failed is searched too (its traceback is in the executed notebook); whether the notebook
    # itself works is tests/ nbval's business
    files, file_hits = scan_tree(workdir)
    assert any(p.suffix == ".json" for p in (folder / "runway_outputs").iterdir())  # sidecars were written
    assert file_hits == [] and sandbox_hits == []
